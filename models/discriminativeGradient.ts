import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import type { Rbm } from './rbm.js';
import type { ParamBuffers } from './rbmKind.js';
import { visibleUnitsOf, type SoftmaxGroup } from './visibleUnits.js';

/** What {@link addDiscriminativeGradient} measured on the minibatch, before the update. */
export interface DiscriminativeMetrics {
  /** Mean over the minibatch of ln p(y | x), the discriminative objective. */
  readonly labelLogLikelihood: number;
  /** Fraction of the minibatch whose most probable class is not its label. */
  readonly labelError: number;
}

/** The label group of a classification RBM: the given one, else its last softmax group. */
export function labelGroupOf(rbm: Rbm, group?: SoftmaxGroup): SoftmaxGroup {
  const units = visibleUnitsOf(rbm.params);
  const g = group ?? (units.type === 'bernoulli' ? units.softmaxGroups?.at(-1) : undefined);
  if (!g) throw new BoltzflowError('objective', 'discriminative', 'a model with a softmax (label) group: a classification RBM');
  return g;
}

/** {@link addDiscriminativeGradient}'s signature: what {@link discriminativeGradient} returns. */
export type DiscriminativeGradient = (
  rbm: Rbm,
  visible: Matrix,
  gradient: ParamBuffers,
  scale?: number,
  group?: SoftmaxGroup,
) => DiscriminativeMetrics;

/**
 * Adds `scale` times the gradient of the mean over the minibatch of Σₖ tₖ ln p(k | x) to
 * `gradient`, for a classification RBM (Larochelle & Bengio 2008): inputs x and a label in the
 * visible units' label group (t its values: one-hot, or any distribution over the K classes),
 * p(k | x) ∝ exp(dₖ + Σⱼ softplus(oₖⱼ)), oₖⱼ = cⱼ + Uₖⱼ + Σᵢ Wᵢⱼ xᵢ (d the label units' visible
 * biases, U their rows of W). Computed exactly, one pass per class: ∂/∂dₖ = tₖ − p(k | x);
 * ∂/∂Uₖⱼ = σ(oₖⱼ)(tₖ − p(k | x)); with Dⱼ = Σₖ (tₖ − p(k | x)) σ(oₖⱼ), ∂/∂cⱼ = Dⱼ and
 * ∂/∂Wᵢⱼ = xᵢ Dⱼ; the inputs' visible biases get 0. `visible` holds the inputs and the labels
 * (B×V); returns the minibatch's mean ln p(y | x) and its error (y the most probable label).
 *
 * @example
 * ```ts
 * import { addDiscriminativeGradient, createRbm, Matrix, zeroRbmParams } from 'boltzflow';
 * const visibleUnits = { type: 'bernoulli', softmaxGroups: [{ start: 3, size: 2 }] } as const;
 * const rbm = createRbm({ nVisible: 5, nHidden: 4, seed: 1, visibleUnits });
 * const gradient = zeroRbmParams(5, 4, visibleUnits);
 * const { labelLogLikelihood } = addDiscriminativeGradient(rbm, Matrix.from([[1, 0, 1, 1, 0]]), gradient);
 * console.log(labelLogLikelihood < 0, gradient.visibleBias[3] + gradient.visibleBias[4]); // true 0
 * ```
 */
export const addDiscriminativeGradient: DiscriminativeGradient = (...args) => discriminativeGradient()(...args);

/** {@link addDiscriminativeGradient} with its buffers allocated once and reused from one minibatch to the next (what training uses). */
export function discriminativeGradient(): DiscriminativeGradient {
  let buffers: { inputs: Matrix; activation: Matrix; d: Matrix; sig: Matrix[] } | null = null;
  return (rbm, visible, gradient, scale = 1, group) => {
    const { params, backend } = rbm;
    const g = labelGroupOf(rbm, group);
    const B = visible.rows,
      V = params.nVisible,
      H = params.nHidden,
      K = g.size;
    if (visible.cols !== V) throw new BoltzflowError('discriminative gradient visible', `${B}×${visible.cols}`, `B×${V}, labels included`);
    if (!buffers || buffers.inputs.rows !== B || buffers.inputs.cols !== V || buffers.d.cols !== H || buffers.sig.length !== K)
      buffers = {
        inputs: Matrix.zeros(B, V),
        activation: Matrix.zeros(B, H),
        d: Matrix.zeros(B, H),
        sig: Array.from({ length: K }, () => Matrix.zeros(B, H)),
      };
    const { inputs, activation, d, sig } = buffers;
    // The inputs alone (label columns zeroed) and their activation x·W.
    inputs.data.set(visible.data);
    for (let r = 0; r < B; r++) inputs.data.fill(0, r * V + g.start, r * V + g.start + K);
    backend.gemm(false, false, 1, inputs, params.weights, 0, activation);
    // Per class: σ(oₖ) (kept for the gradient) and −F up to a term common to every class.
    const logits = new Float64Array(B * K);
    const sums = new Float64Array(B),
      twin = new Float64Array(B);
    const bias = new Float32Array(H);
    for (let k = 0; k < K; k++) {
      const row = (g.start + k) * H;
      for (let j = 0; j < H; j++) bias[j] = params.hiddenBias[j] + params.weights.data[row + j];
      backend.sigmoid(activation, bias, 1, sig[k]);
      // The fused pair (AIS's kernel, native on every backend that has one) at β = 1 twice: one pass.
      backend.softplusRowSumPair(activation, bias, 1, 1, sums, twin);
      for (let r = 0; r < B; r++) logits[r * K + k] = params.visibleBias[g.start + k] + sums[r];
    }
    // p(k | x), then tₖ − p(k | x) in place; ln p(y | x) and the error against the label's most probable class.
    const delta = new Float64Array(B * K);
    let logLikelihood = 0,
      errors = 0;
    for (let r = 0; r < B; r++) {
      let max = -Infinity,
        best = 0,
        label = 0;
      for (let k = 0; k < K; k++) {
        if (logits[r * K + k] > max) {
          max = logits[r * K + k];
          best = k;
        }
        if (visible.data[r * V + g.start + k] > visible.data[r * V + g.start + label]) label = k;
      }
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(logits[r * K + k] - max);
      for (let k = 0; k < K; k++) {
        const t = visible.data[r * V + g.start + k];
        delta[r * K + k] = t - Math.exp(logits[r * K + k] - max) / z;
        if (t > 0) logLikelihood += t * (logits[r * K + k] - max - Math.log(z));
      }
      if (best !== label) errors++;
    }
    // D = Σₖ (tₖ − pₖ) σ(oₖ); the label rows of W and the label biases.
    const s = scale / B;
    d.data.fill(0);
    for (let k = 0; k < K; k++) {
      const sk = sig[k].data,
        row = (g.start + k) * H;
      let biasStep = 0;
      for (let r = 0; r < B; r++) {
        const at = r * H,
          e = delta[r * K + k];
        biasStep += e;
        for (let j = 0; j < H; j++) {
          const term = e * sk[at + j];
          d.data[at + j] += term;
          gradient.weights.data[row + j] += s * term;
        }
      }
      gradient.visibleBias[g.start + k] += s * biasStep;
    }
    // Inputs' rows of W: xᵀD (the label columns of `inputs` are 0, so the label rows get nothing more).
    backend.gemm(true, false, s, inputs, d, 1, gradient.weights);
    backend.columnSums(d, s, 1, gradient.hiddenBias);
    return { labelLogLikelihood: logLikelihood / B, labelError: errors / B };
  };
}
