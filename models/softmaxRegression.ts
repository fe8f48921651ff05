import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';

/** Multinomial logistic regression: P(y = k | x) = softmax(xW + b)ₖ. `weights` is D×K. */
export interface SoftmaxRegression {
  readonly weights: Matrix;
  readonly bias: Float32Array;
}

export interface FitSoftmaxRegressionOptions {
  /** Number of classes K (labels are 0..K−1). */
  classes: number;
  epochs?: number;
  batchSize?: number;
  /** Step size; falls linearly to zero over the run. */
  learningRate?: number;
  momentum?: number;
  /** L2 penalty on the weights (not the bias). */
  weightDecay?: number;
  /** Seed of the shuffling. */
  seed?: number;
  backend?: Backend;
  /** Called after each epoch with the mean cross-entropy over that epoch's minibatches. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/**
 * Fits a softmax (multinomial logistic) regression by minibatch SGD with momentum on the mean
 * cross-entropy: the supervised read-out on raw pixels or on RBM / DBN features. The gradient's
 * products run on the backend; buffers are allocated once.
 *
 * @example
 * ```ts
 * import { fitSoftmaxRegression, predictSoftmax, Matrix } from 'boltzflow';
 * const x = Matrix.from([[0, 0], [0, 1], [1, 0], [1, 1]]);
 * const y = Uint8Array.from([0, 1, 1, 1]);
 * const model = fitSoftmaxRegression(x, y, { classes: 2, epochs: 200, batchSize: 4, learningRate: 1 });
 * console.log(Array.from(predictSoftmax(model, x).labels)); // [0, 1, 1, 1]
 * ```
 */
export function fitSoftmaxRegression(x: Matrix, labels: ArrayLike<number>, options: FitSoftmaxRegressionOptions): SoftmaxRegression {
  const {
    classes: K,
    epochs = 30,
    batchSize = 100,
    learningRate = 0.1,
    momentum = 0.9,
    weightDecay = 1e-4,
    seed = 1,
    backend = jsBackend,
    onEpoch,
  } = options;
  if (!Number.isInteger(K) || K < 2) throw new BoltzflowError('classes', K, 'an integer ≥ 2');
  if (labels.length !== x.rows) throw new BoltzflowError('labels', `${labels.length} labels`, `${x.rows}, one per row`);
  for (let r = 0; r < labels.length; r++)
    if (!Number.isInteger(labels[r]) || labels[r] < 0 || labels[r] >= K)
      throw new BoltzflowError(`labels[${r}]`, labels[r], `an integer in 0..${K - 1}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > x.rows)
    throw new BoltzflowError('batchSize', batchSize, `an integer in [1, ${x.rows}]`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new BoltzflowError('epochs', epochs, 'an integer ≥ 1');
  const D = x.cols;
  const model: SoftmaxRegression = { weights: Matrix.zeros(D, K), bias: new Float32Array(K) };
  const vw = new Float32Array(D * K),
    vb = new Float32Array(K);
  const gw = Matrix.zeros(D, K),
    gb = new Float32Array(K);
  const batch = Matrix.zeros(batchSize, D),
    probs = Matrix.zeros(batchSize, K);
  const ys = new Int32Array(batchSize);
  const perEpoch = Math.ceil(x.rows / batchSize),
    total = epochs * perEpoch;
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = Rng.fromSeed(seed + epoch).permutation(x.rows);
    let loss = 0;
    for (let from = 0; from < x.rows; from += batchSize) {
      const n = Math.min(batchSize, x.rows - from);
      const xb = batch.topRows(n),
        pb = probs.topRows(n);
      for (let r = 0; r < n; r++) {
        xb.data.set(x.row(order[from + r]), r * D);
        ys[r] = labels[order[from + r]];
      }
      loss += softmaxInto(backend, model, xb, pb, ys);
      // (Y − P)/n: the ascent direction of the log-likelihood.
      for (let r = 0; r < n; r++) {
        for (let k = 0; k < K; k++) pb.data[r * K + k] = -pb.data[r * K + k] / n;
        pb.data[r * K + ys[r]] += 1 / n;
      }
      backend.gemm(true, false, 1, xb, pb, 0, gw);
      backend.columnSums(pb, 1, 0, gb);
      const lr = learningRate * (1 - step / total);
      backend.momentumStep(gw.data, vw, model.weights.data, lr, momentum, weightDecay);
      backend.momentumStep(gb, vb, model.bias, lr, momentum, 0);
      step++;
    }
    const meanLoss = loss / x.rows;
    if (!Number.isFinite(meanLoss))
      throw new BoltzflowError(
        `softmax regression epoch ${epoch + 1} loss`,
        meanLoss,
        `a finite value (lower the learning rate, now ${learningRate})`,
      );
    onEpoch?.(epoch + 1, meanLoss);
  }
  return model;
}

/** The most probable class of each row and all class probabilities (B×K). */
export function predictSoftmax(model: SoftmaxRegression, x: Matrix, backend: Backend = jsBackend): { labels: Int32Array; probs: Matrix } {
  if (x.cols !== model.weights.rows) throw new BoltzflowError('predictSoftmax input', `${x.rows}×${x.cols}`, `B×${model.weights.rows}`);
  const K = model.weights.cols;
  const probs = Matrix.zeros(x.rows, K);
  softmaxInto(backend, model, x, probs, null);
  const labels = new Int32Array(x.rows);
  for (let r = 0; r < x.rows; r++) for (let k = 1; k < K; k++) if (probs.data[r * K + k] > probs.data[r * K + labels[r]]) labels[r] = k;
  return { labels, probs };
}

/** The fraction of predictions that differ from the labels. */
export function errorRate(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length)
    throw new BoltzflowError('predicted', `${predicted.length} values`, `${labels.length}, one per label`);
  let wrong = 0;
  for (let r = 0; r < labels.length; r++) if (predicted[r] !== labels[r]) wrong++;
  return wrong / labels.length;
}

/** probs ← softmax(xW + b) row by row; returns Σ −ln P(y | x) when labels are given. */
function softmaxInto(backend: Backend, model: SoftmaxRegression, x: Matrix, probs: Matrix, ys: Int32Array | null): number {
  backend.gemm(false, false, 1, x, model.weights, 0, probs);
  const K = probs.cols;
  let loss = 0;
  for (let r = 0; r < x.rows; r++) {
    const o = r * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, (probs.data[o + k] += model.bias[k]));
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(probs.data[o + k] - max);
    if (ys) loss -= probs.data[o + ys[r]] - max - Math.log(s);
    for (let k = 0; k < K; k++) probs.data[o + k] = Math.exp(probs.data[o + k] - max) / s;
  }
  return loss;
}
