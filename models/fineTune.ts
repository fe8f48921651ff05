import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { sigmoidBackward } from '../kernels/sigmoidBackward.js';
import type { Dbn } from './dbn.js';

/** One logistic layer of a feed-forward network: aₗ = σ(aₗ₋₁ Wₗ + bₗ), `weights` nIn×nOut. */
export interface DenseLayer {
  readonly weights: Matrix;
  readonly bias: Float32Array;
}

/** A feed-forward classifier: logistic hidden layers, then a softmax output layer (`output`, nTop×K). */
export interface FeedForward {
  readonly hidden: readonly DenseLayer[];
  readonly output: DenseLayer;
}

/**
 * A DBN unrolled into a feed-forward classifier for discriminative fine-tuning (Hinton &
 * Salakhutdinov 2006): each RBM's weights and hidden biases become a logistic layer (copies: the
 * DBN is not written), topped by a softmax layer of `classes` units whose weights start at 0.
 *
 * @example
 * ```ts
 * import { createDbn, createRbm, unrollDbn } from 'boltzflow';
 * const dbn = createDbn([createRbm({ nVisible: 4, nHidden: 3, seed: 1 }), createRbm({ nVisible: 3, nHidden: 2, seed: 2 })]);
 * const net = unrollDbn(dbn, 10);
 * console.log(net.hidden.length, net.output.weights.rows, net.output.weights.cols); // 2 2 10
 * ```
 */
export function unrollDbn(dbn: Pick<Dbn, 'layers'>, classes: number): FeedForward {
  if (!Number.isInteger(classes) || classes < 2) throw new BoltzflowError('classes', classes, 'an integer ≥ 2');
  const hidden = dbn.layers.map((l) => ({ weights: l.params.weights.clone(), bias: l.params.hiddenBias.slice() }));
  const top = dbn.layers[dbn.layers.length - 1].params.nHidden;
  return { hidden, output: { weights: Matrix.zeros(top, classes), bias: new Float32Array(classes) } };
}

/** Every layer of the network, the output last. */
const layersOf = (net: FeedForward): DenseLayer[] => [...net.hidden, net.output];

/** Per-layer buffers of a forward and backward pass over `rows` rows. */
interface PassBuffers {
  readonly activations: Matrix[];
  readonly deltas: Matrix[];
}

const passBuffers = (net: FeedForward, rows: number): PassBuffers => ({
  activations: layersOf(net).map((l) => Matrix.zeros(rows, l.weights.cols)),
  deltas: layersOf(net).map((l) => Matrix.zeros(rows, l.weights.cols)),
});

/**
 * The forward pass: each hidden layer's σ, then the output's softmax probabilities (in
 * `activations`, the last being B×K); returns Σ −ln P(y | x) when `labels` are given.
 */
function forward(net: FeedForward, x: Matrix, { activations }: PassBuffers, backend: Backend, labels: ArrayLike<number> | null): number {
  let input = x;
  net.hidden.forEach((layer, l) => {
    backend.gemm(false, false, 1, input, layer.weights, 0, activations[l]);
    backend.sigmoid(activations[l], layer.bias, 1, activations[l]);
    input = activations[l];
  });
  return softmaxInto(backend, net.output, input, activations[net.hidden.length], labels);
}

/** probs ← softmax(xW + b) row by row (the output layer, or a softmax regression); returns Σ −ln P(y | x) when labels are given. */
function softmaxInto(backend: Backend, layer: DenseLayer, x: Matrix, probs: Matrix, labels: ArrayLike<number> | null): number {
  backend.gemm(false, false, 1, x, layer.weights, 0, probs);
  const K = probs.cols;
  let loss = 0;
  for (let r = 0; r < x.rows; r++) {
    const o = r * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, (probs.data[o + k] += layer.bias[k]));
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(probs.data[o + k] - max);
    if (labels) loss -= probs.data[o + labels[r]] - max - Math.log(s);
    for (let k = 0; k < K; k++) probs.data[o + k] = Math.exp(probs.data[o + k] - max) / s;
  }
  return loss;
}

/**
 * The gradient of the mean log-likelihood (1/B) Σ ln P(y | x) of a minibatch by backpropagation,
 * into `gradient` (one { weights, bias } per layer, shaped as the network's, overwritten); returns
 * the summed cross-entropy −Σ ln P(y | x). The output's error is (Y − P)/B; each hidden layer's,
 * the error above times Wᵀ times σ′ = a(1 − a). Products on `backend`.
 */
export function feedForwardGradient(
  net: FeedForward,
  x: Matrix,
  labels: ArrayLike<number>,
  gradient: readonly DenseLayer[],
  backend: Backend = jsBackend,
  buffers: PassBuffers = passBuffers(net, x.rows),
): number {
  const layers = layersOf(net);
  const L = layers.length;
  const loss = forward(net, x, buffers, backend, labels);
  const { activations, deltas } = buffers;
  const probs = activations[L - 1],
    K = probs.cols,
    B = x.rows;
  // (Y − P)/B: the ascent direction of the log-likelihood.
  const top = deltas[L - 1];
  for (let r = 0; r < B; r++) {
    for (let k = 0; k < K; k++) top.data[r * K + k] = -probs.data[r * K + k] / B;
    top.data[r * K + labels[r]] += 1 / B;
  }
  for (let l = L - 1; l >= 0; l--) {
    const input = l === 0 ? x : activations[l - 1];
    backend.gemm(true, false, 1, input, deltas[l], 0, gradient[l].weights);
    backend.columnSums(deltas[l], 1, 0, gradient[l].bias);
    if (l > 0) {
      backend.gemm(false, true, 1, deltas[l], layers[l].weights, 0, deltas[l - 1]);
      sigmoidBackward(activations[l - 1].data, deltas[l - 1].data);
    }
  }
  return loss;
}

/** What {@link fineTune} takes besides the network and the data. */
export interface FineTuneOptions {
  epochs?: number;
  batchSize?: number;
  /** Step size, falling linearly to zero over the run (default 0.1). */
  learningRate?: number;
  momentum?: number;
  /** L2 penalty on the weights (not the biases). */
  weightDecay?: number;
  /** Seed of the shuffling. */
  seed?: number;
  backend?: Backend;
  /** Called after each epoch with the mean cross-entropy over its minibatches and the network (read it, do not write it). */
  onEpoch?: (epoch: number, loss: number, net: FeedForward) => void;
  /** What a diverged epoch's error calls the training (default `fine-tuning`). */
  name?: string;
}

/**
 * Discriminative fine-tuning: minibatch SGD with momentum on the mean log-likelihood of the labels
 * through the whole network (backpropagation), in place on `net` (a DBN's {@link unrollDbn}).
 * The products run on the backend's GEMM; buffers are allocated once.
 *
 * @example
 * ```ts
 * import { createDbn, createRbm, fineTune, Matrix, predictFeedForward, unrollDbn } from 'boltzflow';
 * const x = Matrix.from([[0, 0], [0, 1], [1, 0], [1, 1]]);
 * const y = Uint8Array.from([0, 1, 1, 0]); // XOR: no linear read-out learns it
 * const net = fineTune(unrollDbn(createDbn([createRbm({ nVisible: 2, nHidden: 8, seed: 3, weightStd: 1 })]), 2), x, y, { epochs: 2000, batchSize: 4, learningRate: 1 });
 * console.log(Array.from(predictFeedForward(net, x).labels)); // [0, 1, 1, 0]
 * ```
 */
export function fineTune(net: FeedForward, x: Matrix, labels: ArrayLike<number>, options: FineTuneOptions = {}): FeedForward {
  const {
    epochs = 20,
    batchSize = 100,
    learningRate = 0.1,
    momentum = 0.9,
    weightDecay = 1e-4,
    seed = 1,
    backend = jsBackend,
    onEpoch,
    name = 'fine-tuning',
  } = options;
  const K = net.output.weights.cols;
  if (labels.length !== x.rows) throw new BoltzflowError('labels', `${labels.length} labels`, `${x.rows}, one per row`);
  for (let r = 0; r < labels.length; r++)
    if (!Number.isInteger(labels[r]) || labels[r] < 0 || labels[r] >= K)
      throw new BoltzflowError(`labels[${r}]`, labels[r], `an integer in 0..${K - 1}`);
  if (x.cols !== net.hidden[0]?.weights.rows && !(net.hidden.length === 0 && x.cols === net.output.weights.rows))
    throw new BoltzflowError('fineTune input', `${x.rows}×${x.cols}`, `B×${(net.hidden[0] ?? net.output).weights.rows}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > x.rows)
    throw new BoltzflowError('batchSize', batchSize, `an integer in [1, ${x.rows}]`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new BoltzflowError('epochs', epochs, 'an integer ≥ 1');
  const layers = layersOf(net);
  const gradient = layers.map((l) => ({ weights: Matrix.zeros(l.weights.rows, l.weights.cols), bias: new Float32Array(l.bias.length) }));
  const velocity = layers.map((l) => ({ weights: new Float32Array(l.weights.data.length), bias: new Float32Array(l.bias.length) }));
  const full = passBuffers(net, batchSize);
  const batch = Matrix.zeros(batchSize, x.cols);
  const ys = new Int32Array(batchSize);
  const total = epochs * Math.ceil(x.rows / batchSize);
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = Rng.fromSeed(seed + epoch).permutation(x.rows);
    let loss = 0;
    for (let from = 0; from < x.rows; from += batchSize) {
      const n = Math.min(batchSize, x.rows - from);
      const xb = batch.topRows(n);
      for (let r = 0; r < n; r++) {
        xb.data.set(x.row(order[from + r]), r * x.cols);
        ys[r] = labels[order[from + r]];
      }
      const buffers = { activations: full.activations.map((m) => m.topRows(n)), deltas: full.deltas.map((m) => m.topRows(n)) };
      loss += feedForwardGradient(net, xb, ys.subarray(0, n), gradient, backend, buffers);
      const lr = learningRate * (1 - step / total);
      layers.forEach((layer, l) => {
        backend.momentumStep(gradient[l].weights.data, velocity[l].weights, layer.weights.data, lr, momentum, weightDecay);
        backend.momentumStep(gradient[l].bias, velocity[l].bias, layer.bias, lr, momentum, 0);
      });
      step++;
    }
    const meanLoss = loss / x.rows;
    if (!Number.isFinite(meanLoss))
      throw new BoltzflowError(
        `${name} epoch ${epoch + 1} loss`,
        meanLoss,
        `a finite value (lower the learning rate, now ${learningRate})`,
      );
    onEpoch?.(epoch + 1, meanLoss, net);
  }
  return net;
}

/** The most probable class of each row under the network, and every class's probability (B×K). */
export function predictFeedForward(net: FeedForward, x: Matrix, backend: Backend = jsBackend): { labels: Int32Array; probs: Matrix } {
  const buffers = passBuffers(net, x.rows);
  forward(net, x, buffers, backend, null);
  const probs = buffers.activations[buffers.activations.length - 1];
  const K = probs.cols;
  const labels = new Int32Array(x.rows);
  for (let r = 0; r < x.rows; r++) for (let k = 1; k < K; k++) if (probs.data[r * K + k] > probs.data[r * K + labels[r]]) labels[r] = k;
  return { labels, probs };
}
