import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import type { BmParams } from './bm.js';

/** Largest machine exact enumeration walks (2^20 states). */
export const MAX_BM_UNITS = 20;

/** ⟨sᵢ sⱼ⟩ (n×n) and ⟨sᵢ⟩ under some distribution. */
export interface BmMoments {
  readonly cooccurrence: Float64Array;
  readonly means: Float64Array;
}

/**
 * ln P(s) for every state of a small machine at temperature T (P ∝ e^{−E/T}), indexed by the
 * integer whose bit i says unit i is on (1, or +1 for spin units) or off (0, or −1).
 * Gray-code order with incremental energies; float64 throughout.
 *
 * @example
 * ```ts
 * import { createBm, exactBmLogProbs } from 'boltzflow';
 * const lp = exactBmLogProbs(createBm({ nVisible: 3, nHidden: 0, seed: 1 }).params);
 * console.log(Math.exp(lp[5])); // 0.125: zero weights, all 8 states equally likely
 * ```
 */
export function exactBmLogProbs(params: BmParams, temperature = 1): Float64Array {
  const { nUnits: n, weights, bias, spin } = params;
  if (n > MAX_BM_UNITS) throw new BoltzflowError('units', n, `at most ${MAX_BM_UNITS} for exact enumeration`);
  if (!(temperature > 0)) throw new BoltzflowError('temperature', temperature, 'a number > 0');
  const off = spin ? -1 : 0;
  const s = new Float64Array(n).fill(off);
  const field = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    field[i] = bias[i];
    for (let j = 0; j < n; j++) field[i] += weights.data[i * n + j] * s[j];
  }
  // E(s) = −½ sᵀWs − θᵀs; flipping unit i by δ changes E by −δ·fieldᵢ (fields exclude self, wᵢᵢ = 0).
  let energy = 0;
  for (let i = 0; i < n; i++) energy -= s[i] * (bias[i] + 0.5 * (field[i] - bias[i]));
  const out = new Float64Array(2 ** n);
  let state = 0;
  out[0] = -energy / temperature;
  for (let t = 1; t < out.length; t++) {
    const bit = 31 - Math.clz32(t & -t);
    const delta = (s[bit] === 1 ? off : 1) - s[bit];
    energy -= delta * field[bit];
    s[bit] += delta;
    state ^= 1 << bit;
    const row = bit * n;
    for (let j = 0; j < n; j++) field[j] += weights.data[row + j] * delta;
    out[state] = -energy / temperature;
  }
  const logZ = logSumExp(out);
  for (let i = 0; i < out.length; i++) out[i] -= logZ;
  return out;
}

/** ln Z at temperature T. */
export function exactBmLogPartition(params: BmParams, temperature = 1): number {
  const { nUnits: n, weights, bias, spin } = params;
  const lp = exactBmLogProbs(params, temperature);
  // ln Z = −E(s₀)/T − ln P(s₀) for the all-off state s₀.
  const off = spin ? -1 : 0;
  let e0 = 0;
  for (let i = 0; i < n; i++) {
    e0 -= bias[i] * off;
    for (let j = i + 1; j < n; j++) e0 -= weights.data[i * n + j] * off * off;
  }
  return -e0 / temperature - lp[0];
}

/** ln P(v) of the model's marginal over the visible units (the first nVisible), indexed like {@link exactBmLogProbs}. */
export function exactBmVisibleLogProbs(params: BmParams, temperature = 1, logProbs = exactBmLogProbs(params, temperature)): Float64Array {
  const nv = params.nVisible;
  const vmask = (1 << nv) - 1;
  const max = new Float64Array(1 << nv).fill(-Infinity);
  for (let s = 0; s < logProbs.length; s++) max[s & vmask] = Math.max(max[s & vmask], logProbs[s]);
  const sum = new Float64Array(1 << nv);
  for (let s = 0; s < logProbs.length; s++) sum[s & vmask] += Math.exp(logProbs[s] - max[s & vmask]);
  return max.map((m, v) => m + Math.log(sum[v]));
}

/** The empirical distribution P⁺(v) of the rows of `data` over visible states (values 0/1, or ±1 for spin units). */
export function visibleDistribution(data: Matrix, params: BmParams): Float64Array {
  const nv = params.nVisible;
  if (data.cols !== nv) throw new BoltzflowError('data', `${data.rows}×${data.cols}`, `rows of ${nv} visible values`);
  const p = new Float64Array(1 << nv);
  for (let r = 0; r < data.rows; r++) {
    let v = 0;
    for (let i = 0; i < nv; i++) if (data.data[r * nv + i] > 0) v |= 1 << i;
    p[v] += 1 / data.rows;
  }
  return p;
}

/** G = Σ_v P⁺(v) ln(P⁺(v) / P⁻(v)), the KL divergence from the data's distribution to the model's visible marginal. */
export function exactKl(params: BmParams, dataDistribution: Float64Array, temperature = 1): number {
  const lm = exactBmVisibleLogProbs(params, temperature);
  let g = 0;
  for (let v = 0; v < lm.length; v++) if (dataDistribution[v] > 0) g += dataDistribution[v] * (Math.log(dataDistribution[v]) - lm[v]);
  return g;
}

/**
 * The learning statistics, exactly: p⁺ (visible units clamped to the data's distribution, hidden
 * at equilibrium) and p⁻ (all units free). The gradient of G is ∂G/∂wᵢⱼ = −(p⁺ᵢⱼ − p⁻ᵢⱼ)/T and
 * ∂G/∂θᵢ = −(p⁺ᵢ − p⁻ᵢ)/T.
 */
export function exactBmMoments(
  params: BmParams,
  dataDistribution: Float64Array,
  temperature = 1,
): { positive: BmMoments; negative: BmMoments } {
  const n = params.nUnits,
    nv = params.nVisible,
    off = params.spin ? -1 : 0;
  const lp = exactBmLogProbs(params, temperature);
  const lv = exactBmVisibleLogProbs(params, temperature, lp);
  const vmask = (1 << nv) - 1;
  const positive = { cooccurrence: new Float64Array(n * n), means: new Float64Array(n) };
  const negative = { cooccurrence: new Float64Array(n * n), means: new Float64Array(n) };
  const s = new Float64Array(n);
  for (let state = 0; state < lp.length; state++) {
    const pm = Math.exp(lp[state]);
    const pd = dataDistribution[state & vmask];
    const pp = pd > 0 ? pd * Math.exp(lp[state] - lv[state & vmask]) : 0;
    for (let i = 0; i < n; i++) s[i] = (state >>> i) & 1 ? 1 : off;
    for (let i = 0; i < n; i++) {
      negative.means[i] += pm * s[i];
      positive.means[i] += pp * s[i];
      for (let j = 0; j < n; j++) {
        const c = s[i] * s[j];
        negative.cooccurrence[i * n + j] += pm * c;
        positive.cooccurrence[i * n + j] += pp * c;
      }
    }
  }
  return { positive, negative };
}

function logSumExp(xs: Float64Array): number {
  let max = -Infinity;
  for (const x of xs) max = Math.max(max, x);
  let s = 0;
  for (const x of xs) s += Math.exp(x - max);
  return max + Math.log(s);
}
