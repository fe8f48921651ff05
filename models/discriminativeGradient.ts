import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import type { Rbm } from './rbm.js';
import type { ParamBuffers } from './rbmKind.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import { labelGroupOf, labelLogits } from './classifyByFreeEnergy.js';
import type { SoftmaxGroup } from './visibleUnits.js';

/** What {@link addDiscriminativeGradient} measured on the minibatch, before the update. */
export interface DiscriminativeMetrics {
  /** Mean over the minibatch of ln p(y | x), the discriminative objective. */
  readonly labelLogLikelihood: number;
  /** Fraction of the minibatch whose most probable class is not its label. */
  readonly labelError: number;
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

/** A Float64Array of at least `n` values: `a` itself when long enough, else a new one. */
const atLeast = (a: Float64Array, n: number): Float64Array => (a.length >= n ? a : new Float64Array(n));

/**
 * {@link addDiscriminativeGradient} with its buffers allocated once (in the backend's own memory
 * where it has one) and grown only for a longer minibatch: what training uses.
 */
export function discriminativeGradient(): DiscriminativeGradient {
  let buffers: {
    V: number;
    H: number;
    K: number;
    inputs: (rows: number) => Matrix;
    activation: (rows: number) => Matrix;
    d: (rows: number) => Matrix;
    sig: Array<(rows: number) => Matrix>;
  } | null = null;
  let logits: Float64Array = new Float64Array(0),
    delta: Float64Array = new Float64Array(0),
    column = new Float32Array(0);
  return (rbm, visible, gradient, scale = 1, group) => {
    const { params, backend } = rbm;
    const g = labelGroupOf(rbm, group, 'discriminative gradient');
    const B = visible.rows,
      V = params.nVisible,
      H = params.nHidden,
      K = g.size;
    if (visible.cols !== V) throw new BoltzflowError('discriminative gradient visible', `${B}×${visible.cols}`, `B×${V}, labels included`);
    if (!buffers || buffers.V !== V || buffers.H !== H || buffers.K !== K)
      buffers = {
        V,
        H,
        K,
        inputs: reusableMatrix(V, backend),
        activation: reusableMatrix(H, backend),
        d: reusableMatrix(H, backend),
        sig: Array.from({ length: K }, () => reusableMatrix(H, backend)),
      };
    const inputs = buffers.inputs(B),
      activation = buffers.activation(B),
      d = buffers.d(B),
      sig = buffers.sig.map((m) => m(B));
    logits = atLeast(logits, B * K);
    delta = atLeast(delta, B * K);
    if (column.length < B) column = new Float32Array(B);
    // The inputs alone (label columns zeroed); per class, −F up to a common term, and σ(oₖ) for the gradient.
    inputs.data.set(visible.data);
    for (let r = 0; r < B; r++) inputs.data.fill(0, r * V + g.start, r * V + g.start + K);
    labelLogits(rbm, inputs, g, activation, logits, (k, bias) => backend.sigmoid(activation, bias, 1, sig[k]));
    // tₖ − p(k | x); ln p(y | x) and the error against the label's most probable class.
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
    // D = Σₖ (tₖ − pₖ) σ(oₖ), row by row; Uₖ's gradient (tₖ − pₖ)ᵀ σ(oₖ) and dₖ's Σ (tₖ − pₖ).
    const s = scale / B;
    d.data.fill(0);
    for (let k = 0; k < K; k++) {
      const sk = sig[k];
      let biasStep = 0;
      for (let r = 0; r < B; r++) {
        column[r] = delta[r * K + k];
        biasStep += column[r];
        backend.axpby(column[r], sk.row(r), 1, d.row(r));
      }
      const row = (g.start + k) * H;
      backend.gemm(
        true,
        false,
        s,
        new Matrix(B, 1, column.subarray(0, B)),
        sk,
        1,
        new Matrix(1, H, gradient.weights.data.subarray(row, row + H)),
      );
      gradient.visibleBias[g.start + k] += s * biasStep;
    }
    // Inputs' rows of W: xᵀD (the label columns of `inputs` are 0, so the label rows get nothing more).
    backend.gemm(true, false, s, inputs, d, 1, gradient.weights);
    backend.columnSums(d, s, 1, gradient.hiddenBias);
    return { labelLogLikelihood: logLikelihood / B, labelError: errors / B };
  };
}
