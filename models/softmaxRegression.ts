import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { fineTune, predictFeedForward, type FineTuneOptions } from './fineTune.js';

/** Multinomial logistic regression: P(y = k | x) = softmax(xW + b)ₖ. `weights` is D×K. */
export interface SoftmaxRegression {
  readonly weights: Matrix;
  readonly bias: Float32Array;
}

/** {@link fineTune}'s options (the same defaults, but 30 epochs) and the number of classes. */
export interface FitSoftmaxRegressionOptions extends Omit<FineTuneOptions, 'onEpoch' | 'name'> {
  /** Number of classes K (labels are 0..K−1). */
  classes: number;
  /** Called after each epoch with the mean cross-entropy over that epoch's minibatches. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/**
 * Fits a softmax (multinomial logistic) regression by minibatch SGD with momentum on the mean
 * cross-entropy: the supervised read-out on raw pixels or on RBM / DBN features. It is
 * {@link fineTune} of a network with no hidden layer: the products run on the backend; buffers
 * are allocated once.
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
  const { classes: K, epochs = 30, onEpoch, ...training } = options;
  if (!Number.isInteger(K) || K < 2) throw new BoltzflowError('classes', K, 'an integer ≥ 2');
  // A network with no hidden layer: the softmax layer alone, from zero weights.
  const model: SoftmaxRegression = { weights: Matrix.zeros(x.cols, K), bias: new Float32Array(K) };
  fineTune({ hidden: [], output: model }, x, labels, {
    ...training,
    epochs,
    name: 'softmax regression',
    onEpoch: onEpoch && ((epoch, loss) => onEpoch(epoch, loss)),
  });
  return model;
}

/** The most probable class of each row and all class probabilities (B×K). */
export function predictSoftmax(model: SoftmaxRegression, x: Matrix, backend: Backend = jsBackend): { labels: Int32Array; probs: Matrix } {
  if (x.cols !== model.weights.rows) throw new BoltzflowError('predictSoftmax input', `${x.rows}×${x.cols}`, `B×${model.weights.rows}`);
  return predictFeedForward({ hidden: [], output: model }, x, backend);
}

/** The fraction of predictions that differ from the labels. */
export function errorRate(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length)
    throw new BoltzflowError('predicted', `${predicted.length} values`, `${labels.length}, one per label`);
  let wrong = 0;
  for (let r = 0; r < labels.length; r++) if (predicted[r] !== labels[r]) wrong++;
  return wrong / labels.length;
}
