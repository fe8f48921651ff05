import type { Rng } from './Rng.js';

/** The state of a general Boltzmann machine's sampler, shared by its kernels. */
export interface GlauberNet {
  /** Units. */
  readonly n: number;
  /** n×n symmetric weights, zero diagonal, row-major. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  /** Units in {−1, +1} (Hopfield/Ising) instead of {0, 1}. */
  readonly spin: boolean;
}

/** Running sums of ⟨sᵢ sⱼ⟩ and ⟨sᵢ⟩, one sample per chain per sweep. */
export interface UnitStats {
  readonly cooccurrence: Float64Array; // n×n
  readonly means: Float64Array; // n
  samples: number;
}

export function createUnitStats(n: number): UnitStats {
  return { cooccurrence: new Float64Array(n * n), means: new Float64Array(n), samples: 0 };
}

let order = new Uint32Array(0);
let fields = new Float64Array(0);

/**
 * Sequential (Glauber) dynamics on each row of `states` (rows×n): `sweeps` sweeps, each updating
 * every free unit once in a fresh random order, unit i turning on with probability σ(ΔEᵢ / T),
 * ΔEᵢ = Σⱼ wᵢⱼ sⱼ + θᵢ (twice that for ±1 units). At T = 0 (`temperature` 0) the update is
 * deterministic — on if ΔEᵢ > 0, off if < 0, unchanged at 0 — which is the Hopfield network's
 * asynchronous recall; a uniform is still drawn per update, so that the same seed visits units
 * in the same order at every temperature. `clamped[i] = 1` keeps unit i fixed. With `stats`,
 * each chain's state is added after every sweep. Returns the number of units that changed.
 */
export function glauberSweeps(
  net: GlauberNet,
  states: Float32Array,
  rows: number,
  sweeps: number,
  temperature: number,
  rng: Rng,
  clamped: Uint8Array | null = null,
  stats: UnitStats | null = null,
): number {
  const { n, weights: w, bias, spin } = net;
  if (order.length < n) order = new Uint32Array(n);
  if (fields.length < n) fields = new Float64Array(n);
  const off = spin ? -1 : 0;
  const gain = spin ? 2 : 1;
  let changed = 0;
  for (let r = 0; r < rows; r++) {
    const s = states.subarray(r * n, (r + 1) * n);
    for (let i = 0; i < n; i++) {
      let f = bias[i];
      const row = i * n;
      for (let j = 0; j < n; j++) f += w[row + j] * s[j];
      fields[i] = f;
    }
    for (let sweep = 0; sweep < sweeps; sweep++) {
      for (let i = 0; i < n; i++) order[i] = i;
      rng.shuffle(order, n);
      for (let k = 0; k < n; k++) {
        const i = order[k];
        if (clamped && clamped[i]) continue;
        const next = drawUnit(gain * fields[i], temperature, rng.uniform(), s[i], off);
        const delta = next - s[i];
        if (delta !== 0) {
          s[i] = next;
          changed++;
          const row = i * n;
          for (let j = 0; j < n; j++) fields[j] += w[row + j] * delta;
        }
      }
      if (stats) addStats(stats, s, n);
    }
  }
  return changed;
}

/**
 * Parallel (synchronous) updates. With `colors` (a colour per unit), each sweep updates the units
 * colour by colour, all units of one colour at once from the current state: exact Gibbs sampling
 * whenever every colour class is an independent set — the two sides of a bipartite graph, the
 * alternate layers of a layered one. Without `colors`, every free unit is redrawn at once from the
 * previous state (Little dynamics): its stationary distribution is in general not the Boltzmann
 * distribution — even on a bipartite graph, where it leaves the two sides independent.
 */
export function parallelSweeps(
  net: GlauberNet,
  states: Float32Array,
  rows: number,
  sweeps: number,
  temperature: number,
  rng: Rng,
  clamped: Uint8Array | null = null,
  stats: UnitStats | null = null,
  colors: Uint8Array | null = null,
): void {
  const { n, weights: w, bias, spin } = net;
  if (fields.length < n) fields = new Float64Array(n);
  const off = spin ? -1 : 0;
  const gain = spin ? 2 : 1;
  let nColors = 1;
  if (colors) for (let i = 0; i < n; i++) nColors = Math.max(nColors, colors[i] + 1);
  for (let r = 0; r < rows; r++) {
    const s = states.subarray(r * n, (r + 1) * n);
    for (let sweep = 0; sweep < sweeps; sweep++) {
      for (let c = 0; c < nColors; c++) {
        for (let i = 0; i < n; i++) {
          if (colors && colors[i] !== c) continue;
          let f = bias[i];
          const row = i * n;
          for (let j = 0; j < n; j++) f += w[row + j] * s[j];
          fields[i] = f;
        }
        for (let i = 0; i < n; i++) {
          if ((colors && colors[i] !== c) || (clamped && clamped[i])) continue;
          s[i] = drawUnit(gain * fields[i], temperature, rng.uniform(), s[i], off);
        }
      }
      if (stats) addStats(stats, s, n);
    }
  }
}

/** A unit's new value given its energy gap ΔE: on with probability σ(ΔE/T), by the uniform `u`; at T = 0 the sign of ΔE (ties keep `current`). */
function drawUnit(gap: number, temperature: number, u: number, current: number, off: number): number {
  if (temperature === 0) return gap > 0 ? 1 : gap < 0 ? off : current;
  return u < 1 / (1 + Math.exp(-gap / temperature)) ? 1 : off;
}

function addStats(stats: UnitStats, s: Float32Array, n: number): void {
  const c = stats.cooccurrence, m = stats.means;
  for (let i = 0; i < n; i++) {
    const si = s[i];
    m[i] += si;
    if (si === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) c[row + j] += si * s[j];
  }
  stats.samples++;
}
