import { glauberState } from './glauberState.js';
import type { GlauberNet, UnitStats } from './glauber.js';
import type { Rng } from './Rng.js';

/**
 * Sequential dynamics as Ackley, Hinton & Sejnowski (1985) ran it: a sweep ("one unit of time")
 * is as many probes as there are free units, each probe picking a free unit uniformly at random
 * (with replacement: in a sweep some units are probed twice, some not at all) and setting it on
 * with probability σ(ΔEᵢ / T), ΔEᵢ = Σⱼ wᵢⱼ sⱼ + θᵢ (twice that for ±1 units; at T = 0, on if
 * ΔEᵢ > 0, off if < 0, unchanged at 0). Each probe draws two uniforms from `rng`, the unit then the
 * update; clamped units draw nothing. With `stats`, each chain's state is added after every sweep.
 * (`glauberSweeps` is the other reading of a sweep: every free unit once, in a fresh random order.)
 * `fields` and `free` are scratch of at least n values (the caller's to reuse). Returns the number
 * of units that changed.
 *
 * @example
 * ```ts
 * import { Rng } from 'boltzflow';
 * import { probeSweeps } from '#internal/kernels/glauberProbes.js';
 * const net = { n: 2, weights: Float32Array.of(0, 4, 4, 0), bias: Float32Array.of(-2, -2), spin: false };
 * const states = Float32Array.of(1, 0);
 * probeSweeps(net, states, 1, 50, 0, Rng.fromSeed(1), Uint8Array.of(1, 0));
 * console.log(Array.from(states)); // [ 1, 1 ] (unit 1 follows the clamped unit 0: ΔE = 4 − 2 > 0)
 * ```
 */
export function probeSweeps(
  net: GlauberNet,
  states: Float32Array,
  rows: number,
  sweeps: number,
  temperature: number,
  rng: Rng,
  clamped: Uint8Array | null = null,
  stats: UnitStats | null = null,
  fields: Float64Array = new Float64Array(net.n),
  free: Uint32Array = new Uint32Array(net.n),
): number {
  const { n, weights: w, bias, spin } = net;
  const off = spin ? -1 : 0,
    gain = spin ? 2 : 1;
  let nFree = 0;
  for (let i = 0; i < n; i++) if (!clamped || !clamped[i]) free[nFree++] = i;
  let changed = 0;
  for (let r = 0; r < rows; r++) {
    const so = r * n;
    for (let i = 0; i < n; i++) {
      let f = bias[i];
      for (let j = 0, row = i * n; j < n; j++) f += w[row + j] * states[so + j];
      fields[i] = f;
    }
    for (let sweep = 0; sweep < sweeps; sweep++) {
      for (let p = 0; p < nFree; p++) {
        const i = free[Math.floor(rng.uniform() * nFree)];
        const gap = gain * fields[i],
          u = rng.uniform(),
          current = states[so + i];
        const next = glauberState(gap, temperature, u, current, off);
        const delta = next - current;
        if (delta !== 0) {
          states[so + i] = next;
          changed++;
          for (let j = 0, row = i * n; j < n; j++) fields[j] += w[row + j] * delta;
        }
      }
      if (stats) addState(stats, states, so, n);
    }
  }
  return changed;
}

function addState(stats: UnitStats, s: Float32Array, so: number, n: number): void {
  const c = stats.cooccurrence,
    m = stats.means;
  for (let i = 0; i < n; i++) {
    const si = s[so + i];
    m[i] += si;
    if (si === 0) continue;
    for (let j = 0, row = i * n; j < n; j++) c[row + j] += si * s[so + j];
  }
  stats.samples++;
}
