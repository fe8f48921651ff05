/**
 * Fills the 16 state words of four xoshiro128+ lanes (lane-major: s0 of lanes 0–3, then s1, …)
 * from the run's generator, so that the SIMD samplers (wasm, native) keep the run's generator as
 * their only random state. A lane whose four words are all zero (a fixed point) gets s0 = 1.
 */
export function seedLanes(rng: { nextUint32(): number }, words: Uint32Array): void {
  for (let i = 0; i < 16; i++) words[i] = rng.nextUint32();
  for (let lane = 0; lane < 4; lane++) if ((words[lane] | words[4 + lane] | words[8 + lane] | words[12 + lane]) === 0) words[lane] = 1;
}
