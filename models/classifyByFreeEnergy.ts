import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import type { Rbm } from './rbm.js';
import { scaledVisible, visibleUnitsOf, type SoftmaxGroup } from './visibleUnits.js';

/** What {@link classifyByFreeEnergy} returns. */
export interface Classification {
  /** The most probable class of each row. */
  readonly labels: Int32Array;
  /** ln P(y = k | x), row-major B×K. */
  readonly logProbs: Float64Array;
}

/**
 * Classifies with an RBM that models inputs and a one-of-K label jointly (a classification RBM,
 * Larochelle & Bengio 2008): P(y = k | x) ∝ exp(−F(x, e_k)), with F the free energy of the visible
 * vector whose label group is the one-hot e_k. The label group's columns of `x` are ignored.
 * Costs one GEMM for the inputs and K row-wise softplus sums.
 *
 * @example
 * ```ts
 * import { classifyByFreeEnergy, createRbm, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 5, nHidden: 4, seed: 1, visibleUnits: { type: 'bernoulli', softmaxGroups: [{ start: 3, size: 2 }] } });
 * const { labels, logProbs } = classifyByFreeEnergy(rbm, Matrix.from([[1, 0, 1, 0, 0]]));
 * console.log(labels[0], Math.exp(logProbs[0]) + Math.exp(logProbs[1])); // 0 or 1, 1
 * ```
 */
export function classifyByFreeEnergy(rbm: Rbm, x: Matrix, group?: SoftmaxGroup): Classification {
  const { params, backend } = rbm;
  const units = visibleUnitsOf(params);
  const g = group ?? (units.type === 'bernoulli' ? units.softmaxGroups?.at(-1) : undefined);
  if (!g) throw new BoltzflowError('classifyByFreeEnergy: visible units', units.type, 'a model with a softmax (label) group');
  if (x.cols !== params.nVisible)
    throw new BoltzflowError('classifyByFreeEnergy input', `${x.rows}×${x.cols}`, `B×${params.nVisible}, label columns included (ignored)`);
  const H = params.nHidden,
    K = g.size;
  const inputs = x.clone();
  for (let r = 0; r < x.rows; r++) inputs.data.fill(0, r * x.cols + g.start, r * x.cols + g.start + K);
  const activation = Matrix.zeros(x.rows, H);
  backend.gemm(false, false, 1, scaledVisible(params, inputs, backend), params.weights, 0, activation);
  const bias = new Float32Array(H);
  const sums = new Float64Array(x.rows);
  const logProbs = new Float64Array(x.rows * K);
  for (let k = 0; k < K; k++) {
    const row = (g.start + k) * H;
    for (let j = 0; j < H; j++) bias[j] = params.hiddenBias[j] + params.weights.data[row + j];
    backend.softplusRowSums(activation, bias, 1, sums);
    // −F(x, e_k) up to terms that do not depend on k.
    for (let r = 0; r < x.rows; r++) logProbs[r * K + k] = params.visibleBias[g.start + k] + sums[r];
  }
  const labels = new Int32Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++)
      if (logProbs[r * K + k] > max) {
        max = logProbs[r * K + k];
        labels[r] = k;
      }
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(logProbs[r * K + k] - max);
    const lse = max + Math.log(s);
    for (let k = 0; k < K; k++) logProbs[r * K + k] -= lse;
  }
  return { labels, logProbs };
}
