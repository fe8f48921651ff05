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
  const { params } = rbm;
  const g = labelGroupOf(rbm, group, 'classifyByFreeEnergy');
  if (x.cols !== params.nVisible)
    throw new BoltzflowError('classifyByFreeEnergy input', `${x.rows}×${x.cols}`, `B×${params.nVisible}, label columns included (ignored)`);
  const K = g.size;
  const inputs = x.clone();
  for (let r = 0; r < x.rows; r++) inputs.data.fill(0, r * x.cols + g.start, r * x.cols + g.start + K);
  const logProbs = new Float64Array(x.rows * K);
  labelLogits(rbm, inputs, g, Matrix.zeros(x.rows, params.nHidden), logProbs);
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

/** The label group of a classification RBM: `group`, else its visible units' last softmax group; `where` names the caller in the error. */
export function labelGroupOf(rbm: Rbm, group: SoftmaxGroup | undefined, where: string): SoftmaxGroup {
  const units = visibleUnitsOf(rbm.params);
  const g = group ?? (units.type === 'bernoulli' ? units.softmaxGroups?.at(-1) : undefined);
  if (!g) throw new BoltzflowError(`${where}: visible units`, units.type, 'a model with a softmax (label) group: a classification RBM');
  return g;
}

/**
 * −F(x, eₖ) for each row and class k, up to a term that does not depend on k, into `logits`
 * (row-major B×K): dₖ + Σⱼ softplus(aⱼ + cⱼ + Uₖⱼ), a = x·W of `inputs` whose label columns are 0
 * (into `activation`, B×H). `perClass(k, bias)` sees each class's hidden bias c + Uₖ while it is
 * current (the discriminative gradient takes σ(a + c + Uₖ) there). One GEMM and K fused
 * softplus passes (`softplusRowSumPair`, the kernel every backend runs natively, its second sum unused).
 */
export function labelLogits(
  rbm: Rbm,
  inputs: Matrix,
  g: SoftmaxGroup,
  activation: Matrix,
  logits: Float64Array,
  perClass?: (k: number, bias: Float32Array) => void,
): void {
  const { params, backend } = rbm;
  const B = inputs.rows,
    H = params.nHidden,
    K = g.size;
  backend.gemm(false, false, 1, scaledVisible(params, inputs, backend), params.weights, 0, activation);
  const bias = new Float32Array(H);
  const sums = new Float64Array(B),
    unused = new Float64Array(B);
  for (let k = 0; k < K; k++) {
    const row = (g.start + k) * H;
    for (let j = 0; j < H; j++) bias[j] = params.hiddenBias[j] + params.weights.data[row + j];
    perClass?.(k, bias);
    backend.softplusRowSumPair(activation, bias, 1, 1, sums, unused);
    for (let r = 0; r < B; r++) logits[r * K + k] = params.visibleBias[g.start + k] + sums[r];
  }
}
