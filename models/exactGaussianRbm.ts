import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { RbmParams } from './rbm.js';

/**
 * ln P(h) + ln Z for every hidden state of a Gaussian-visible RBM (indexed by the integer whose
 * bit j is hⱼ; H ≤ 20): the visible units integrated out in closed form,
 * ∫ e^{−E(v,h)} dv = e^{cᵀh} Πᵢ √(2πσᵢ²) exp(((bᵢ + (Wh)ᵢ)² − bᵢ²)/(2σᵢ²)).
 */
export function gaussianHiddenLogWeights(params: RbmParams): Float64Array {
  const { nVisible: V, nHidden: H, weights, visibleBias: b, hiddenBias: c, logVariance: z } = params;
  if (params.visibleUnits?.type !== 'gaussian' || !z)
    throw new BoltzflowError('visibleUnits', params.visibleUnits?.type ?? 'bernoulli', 'gaussian');
  if (H > 20) throw new BoltzflowError('nHidden', H, 'at most 20 units to list all 2^H hidden states');
  const out = new Float64Array(1 << H);
  let constant = 0;
  for (let i = 0; i < V; i++) constant += 0.5 * (Math.log(2 * Math.PI) + z[i]);
  for (let s = 0; s < out.length; s++) {
    let w = constant;
    for (let j = 0; j < H; j++) if ((s >>> j) & 1) w += c[j];
    for (let i = 0; i < V; i++) {
      let a = 0;
      for (let j = 0; j < H; j++) if ((s >>> j) & 1) a += weights.data[i * H + j];
      w += ((b[i] + a) ** 2 - b[i] ** 2) / (2 * Math.exp(z[i]));
    }
    out[s] = w;
  }
  return out;
}

/**
 * The exact log partition function ln Z = ln Σ_h ∫ e^{−E(v,h)} dv of a Gaussian-visible RBM with
 * at most 20 hidden units: the oracle for tests and for small models' exact log-likelihoods.
 *
 * @example
 * ```ts
 * import { createRbm, exactGaussianRbmLogPartition } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 1, nHidden: 1, seed: 1, weightStd: 0, visibleUnits: { type: 'gaussian', learnVariance: false } });
 * console.log(exactGaussianRbmLogPartition(rbm.params)); // ln(2·√(2π)) ≈ 1.612
 * ```
 */
export function exactGaussianRbmLogPartition(params: RbmParams): number {
  const w = gaussianHiddenLogWeights(params);
  let max = -Infinity;
  for (const x of w) max = Math.max(max, x);
  let sum = 0;
  for (const x of w) sum += Math.exp(x - max);
  return max + Math.log(sum);
}
