import { checkVisibleRows } from './checkVisibleRows.js';
import { requireBinaryVisible } from './visibleUnits.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import type { RbmParams } from './rbm.js';

/** Largest layer that exact enumeration will walk (2^25 ≈ 3.4e7 states). */
export const MAX_ENUMERATED_UNITS = 25;

/** The gradient of the mean log-likelihood, in float64, laid out like the parameters. */
export interface RbmGradient {
  readonly weights: Float64Array;
  readonly visibleBias: Float64Array;
  readonly hiddenBias: Float64Array;
}

/**
 * ln Z of an RBM, exactly, by enumerating the smaller layer (2^min(V,H) states) with the other
 * layer summed out analytically. Float64 throughout, with a streaming log-sum-exp, so large
 * weights do not overflow.
 *
 * @example
 * ```ts
 * import { exactRbmLogPartition, zeroRbmParams } from 'boltzflow';
 * console.log(exactRbmLogPartition(zeroRbmParams(3, 2))); // 5·ln 2 ≈ 3.4657
 * ```
 */
export function exactRbmLogPartition(params: RbmParams): number {
  return enumerate(params, false).logZ;
}

/**
 * Exact ln P(v) = −F(v) − ln Z of each row of `data`, in float64 with ln Z by enumeration (or the
 * `logZ` given). One value per row, like every evaluation function; `mean` of it is the exact
 * log-likelihood of the data.
 *
 * @example
 * ```ts
 * import { exactRbmLogProbability, mean, zeroRbmParams, Matrix } from 'boltzflow';
 * const lp = exactRbmLogProbability(zeroRbmParams(3, 2), Matrix.from([[1, 0, 1], [0, 0, 0]]));
 * console.log(mean(lp)); // −3·ln 2 ≈ −2.079: every visible state is equally likely
 * ```
 */
export function exactRbmLogProbability(params: RbmParams, data: Matrix, logZ = exactRbmLogPartition(params)): Float64Array {
  checkVisibleRows(data, params.nVisible, 'exactRbmLogProbability(data)');
  const out = new Float64Array(data.rows);
  for (let r = 0; r < data.rows; r++) out[r] = -exactFreeEnergy(params, data.row(r)) - logZ;
  return out;
}

/**
 * The exact gradient of the mean log-likelihood over `data`:
 * ∂/∂W_ij = ⟨vᵢ hⱼ⟩_data − ⟨vᵢ hⱼ⟩_model, and likewise for the biases.
 */
export function exactRbmGradient(params: RbmParams, data: Matrix): RbmGradient {
  checkVisibleRows(data, params.nVisible, 'exactRbmGradient(data)');
  const { nVisible: nv, nHidden: nh, weights, hiddenBias } = params;
  const model = enumerate(params, true).moments!;
  const g: RbmGradient = {
    weights: new Float64Array(nv * nh),
    visibleBias: new Float64Array(nv),
    hiddenBias: new Float64Array(nh),
  };
  const ph = new Float64Array(nh);
  for (let r = 0; r < data.rows; r++) {
    const v = data.row(r);
    for (let j = 0; j < nh; j++) {
      let x = hiddenBias[j];
      for (let i = 0; i < nv; i++) x += v[i] * weights.data[i * nh + j];
      ph[j] = 1 / (1 + Math.exp(-x));
      g.hiddenBias[j] += ph[j] / data.rows;
    }
    for (let i = 0; i < nv; i++) {
      g.visibleBias[i] += v[i] / data.rows;
      for (let j = 0; j < nh; j++) g.weights[i * nh + j] += (v[i] * ph[j]) / data.rows;
    }
  }
  for (let i = 0; i < g.weights.length; i++) g.weights[i] -= model.weights[i];
  for (let i = 0; i < nv; i++) g.visibleBias[i] -= model.visibleBias[i];
  for (let j = 0; j < nh; j++) g.hiddenBias[j] -= model.hiddenBias[j];
  return g;
}

/** F(v) = −bᵀv − Σⱼ softplus(c_j + (vW)_j) in float64, for one visible vector. */
export function exactFreeEnergy(params: RbmParams, v: ArrayLike<number>): number {
  const { nVisible: nv, nHidden: nh, weights, visibleBias, hiddenBias } = params;
  let f = 0;
  for (let i = 0; i < nv; i++) f -= visibleBias[i] * v[i];
  for (let j = 0; j < nh; j++) {
    let x = hiddenBias[j];
    for (let i = 0; i < nv; i++) x += v[i] * weights.data[i * nh + j];
    f -= softplus(x);
  }
  return f;
}

/**
 * ln P(v) for every visible state v, indexed by the integer whose bit i is vᵢ (V ≤ 20).
 * For tests that hold a sampler's empirical distribution against the exact one.
 */
export function exactRbmVisibleLogProbs(params: RbmParams): Float64Array {
  const nv = params.nVisible;
  if (nv > 20) throw new BoltzflowError('nVisible', nv, 'at most 20 units to list all 2^V visible states');
  const logZ = exactRbmLogPartition(params);
  const out = new Float64Array(1 << nv);
  const v = new Float64Array(nv);
  for (let s = 0; s < out.length; s++) {
    for (let i = 0; i < nv; i++) v[i] = (s >>> i) & 1;
    out[s] = -exactFreeEnergy(params, v) - logZ;
  }
  return out;
}

export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * Walks all 2^n states s of the smaller layer A in Gray-code order, keeping the other layer's
 * input x = bias_B + W·s up to date with one column per step. ln of each unnormalised
 * marginal is bias_Aᵀs + Σ softplus(x). With `moments`, also accumulates the model's
 * ⟨vᵢhⱼ⟩, ⟨vᵢ⟩, ⟨hⱼ⟩ (weights streamed with the same running maximum as Z).
 */
function enumerate(params: RbmParams, withMoments: boolean): { logZ: number; moments?: RbmGradient } {
  requireBinaryVisible(params, 'exact enumeration');
  const { nVisible: nv, nHidden: nh, weights, visibleBias, hiddenBias } = params;
  const overHidden = nh <= nv;
  const n = overHidden ? nh : nv;
  const m = overHidden ? nv : nh;
  if (n > MAX_ENUMERATED_UNITS)
    throw new BoltzflowError('layer size', n, `at most ${MAX_ENUMERATED_UNITS} units in the smaller layer for exact enumeration`);
  const biasA = overHidden ? hiddenBias : visibleBias;
  const biasB = overHidden ? visibleBias : hiddenBias;
  // wAB[a*m + b] = weight between unit a of A and unit b of B.
  const wAB = new Float64Array(n * m);
  for (let i = 0; i < nv; i++)
    for (let j = 0; j < nh; j++) {
      const w = weights.data[i * nh + j];
      if (overHidden) wAB[j * m + i] = w;
      else wAB[i * m + j] = w;
    }
  const x = Float64Array.from(biasB);
  const s = new Uint8Array(n);
  let aDot = 0;
  let maxLog = -Infinity;
  let sum = 0;
  const mAB = withMoments ? new Float64Array(n * m) : undefined;
  const mA = withMoments ? new Float64Array(n) : undefined;
  const mB = withMoments ? new Float64Array(m) : undefined;
  const sig = withMoments ? new Float64Array(m) : undefined;
  const total = 2 ** n;
  for (let t = 0; t < total; t++) {
    if (t > 0) {
      const bit = 31 - Math.clz32(t & -t); // the bit that the Gray code flips at step t
      const sign = s[bit] ? -1 : 1;
      s[bit] ^= 1;
      aDot += sign * biasA[bit];
      const o = bit * m;
      for (let b = 0; b < m; b++) x[b] += sign * wAB[o + b];
    }
    let logp = aDot;
    for (let b = 0; b < m; b++) logp += softplus(x[b]);
    if (logp > maxLog) {
      const r = Math.exp(maxLog - logp);
      sum *= r;
      if (withMoments) {
        scaleAll(mAB!, r);
        scaleAll(mA!, r);
        scaleAll(mB!, r);
      }
      maxLog = logp;
    }
    const p = Math.exp(logp - maxLog);
    sum += p;
    if (withMoments) {
      for (let b = 0; b < m; b++) {
        sig![b] = 1 / (1 + Math.exp(-x[b]));
        mB![b] += p * sig![b];
      }
      for (let a = 0; a < n; a++) {
        if (!s[a]) continue;
        mA![a] += p;
        const o = a * m;
        for (let b = 0; b < m; b++) mAB![o + b] += p * sig![b];
      }
    }
  }
  const logZ = maxLog + Math.log(sum);
  if (!withMoments) return { logZ };
  const moments: RbmGradient = {
    weights: new Float64Array(nv * nh),
    visibleBias: new Float64Array(nv),
    hiddenBias: new Float64Array(nh),
  };
  for (let a = 0; a < n; a++)
    for (let b = 0; b < m; b++) {
      const e = mAB![a * m + b] / sum;
      if (overHidden) moments.weights[b * nh + a] = e;
      else moments.weights[a * nh + b] = e;
    }
  const [vMean, hMean] = overHidden ? [mB!, mA!] : [mA!, mB!];
  for (let i = 0; i < nv; i++) moments.visibleBias[i] = vMean[i] / sum;
  for (let j = 0; j < nh; j++) moments.hiddenBias[j] = hMean[j] / sum;
  return { logZ, moments };
}

function scaleAll(a: Float64Array, r: number): void {
  for (let i = 0; i < a.length; i++) a[i] *= r;
}
