import test from 'ava';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { createDbm, meanField } from '../models/dbm.js';
import { createDbn } from '../models/dbn.js';
import { feedForwardGradient, fineTune, predictFeedForward, unrollDbn, type FeedForward } from '../models/fineTune.js';
import { createRbm } from '../models/rbm.js';
import { dbmAugmentedInput, unrollDbm } from '../models/unrollDbm.js';
import { centralDifference } from './helpers.js';

// Backpropagation through an unrolled DBN, held against finite differences of the exact mean
// ln P(y | x) of the network's softmax output.

/** A 3-4-3 DBN unrolled with a 3-way softmax, every weight and bias N(0, 1) (the output's too). */
function randomNet(seed: number): FeedForward {
  const dbn = createDbn([
    createRbm({ nVisible: 3, nHidden: 4, seed, backend: jsBackend }),
    createRbm({ nVisible: 4, nHidden: 3, seed: seed + 1, backend: jsBackend }),
  ]);
  const net = unrollDbn(dbn, 3);
  const rng = Rng.fromSeed(seed + 100);
  for (const l of [...net.hidden, net.output])
    for (const a of [l.weights.data, l.bias]) for (let k = 0; k < a.length; k++) a[k] = rng.normal();
  return net;
}

const x = Matrix.from([
  [1, 0, 1],
  [0, 1, 1],
  [1, 1, 0],
  [0, 0, 1],
  [1, 1, 1],
]);
const y = Uint8Array.from([0, 1, 2, 1, 0]);

/** Mean ln P(y | x) under the network, exactly (its forward pass). */
function objective(net: FeedForward): number {
  const { probs } = predictFeedForward(net, x);
  let sum = 0;
  for (let r = 0; r < x.rows; r++) sum += Math.log(probs.get(r, y[r]));
  return sum / x.rows;
}

test('feedForwardGradient equals finite differences of the exact mean ln P(y | x) for every weight and bias of every layer; h = 1e-2, tolerance 1e-4', (t) => {
  const net = randomNet(4);
  const layers = [...net.hidden, net.output];
  const gradient = layers.map((l) => ({ weights: Matrix.zeros(l.weights.rows, l.weights.cols), bias: new Float32Array(l.bias.length) }));
  const loss = feedForwardGradient(net, x, y, gradient);
  t.true(Math.abs(-loss / x.rows - objective(net)) < 1e-6, 'the loss it returns is −Σ ln P(y | x)');
  let worst = 0;
  layers.forEach((layer, l) => {
    for (const [name, param, grad] of [
      ['W', layer.weights.data, gradient[l].weights.data],
      ['b', layer.bias, gradient[l].bias],
    ] as const) {
      param.forEach((_, k) => {
        const numeric = centralDifference(param, k, () => objective(net), 1e-2);
        worst = Math.max(worst, Math.abs(numeric - grad[k]));
        t.true(
          Math.abs(numeric - grad[k]) < 1e-4,
          `layer ${l + 1} ${name}[${k}]: finite differences ${numeric}, backpropagation ${grad[k]}`,
        );
      });
      t.true(
        grad.some((g) => Math.abs(g) > 1e-3),
        `layer ${l + 1} ${name}: some gradient`,
      );
    }
  });
  t.log(`worst |finite differences − backpropagation| ${worst.toExponential(2)}`);
});

test('fineTune lowers the cross-entropy epoch after epoch and learns XOR, which a linear read-out of the inputs cannot', (t) => {
  const xor = Matrix.from([
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ]);
  const labels = Uint8Array.from([0, 1, 1, 0]);
  const losses: number[] = [];
  const net = fineTune(unrollDbn(createDbn([createRbm({ nVisible: 2, nHidden: 8, seed: 3, weightStd: 1 })]), 2), xor, labels, {
    epochs: 2000,
    batchSize: 4,
    learningRate: 1,
    onEpoch: (_e, loss) => losses.push(loss),
  });
  t.deepEqual(Array.from(predictFeedForward(net, xor).labels), [0, 1, 1, 0]);
  t.true(losses.at(-1)! < 0.1 * losses[0], `${losses[0]} → ${losses.at(-1)}`);
  t.throws(() => fineTune(net, xor, Uint8Array.from([0, 1, 2, 0])), { message: /^labels\[2\]: got 2, expected an integer in 0\.\.1/ });
});

test("unrollDbm: on dbmAugmentedInput the network's hidden layers compute mean field's fixed point, σ(b¹ + vW¹ + q²W²ᵀ) = q¹ and σ(b² + q¹W²) = q² (5-4-3 DBM, random weights; tolerance 1e-4, mean field's own)", (t) => {
  const dbm = createDbm({ sizes: [5, 4, 3], seed: 2, weightStd: 1, backend: jsBackend });
  const rng = Rng.fromSeed(9);
  for (const b of dbm.params.biases) for (let k = 0; k < b.length; k++) b[k] = rng.normal();
  const v = Matrix.from([
    [1, 0, 1, 1, 0],
    [0, 1, 1, 0, 0],
    [1, 1, 1, 1, 1],
  ]);
  const q = dbm.params.sizes.map((n, l) => (l === 0 ? v : Matrix.zeros(v.rows, n)));
  meanField(dbm, q, { tolerance: 1e-7, maxIterations: 500 });
  const x = dbmAugmentedInput(dbm, v, { tolerance: 1e-7, maxIterations: 500 });
  t.deepEqual([x.rows, x.cols], [3, 8]);
  for (let r = 0; r < v.rows; r++) t.deepEqual(Array.from(x.row(r)), [...v.row(r), ...q[2].row(r)]);
  const net = unrollDbm(dbm, 2);
  t.deepEqual(
    net.hidden.map((l) => [l.weights.rows, l.weights.cols]),
    [
      [8, 4],
      [4, 3],
    ],
  );
  // The network's activations, by hand: a = σ(xW + b), layer by layer.
  const layer = (input: Matrix, { weights, bias }: (typeof net.hidden)[number]) => {
    const out = Matrix.zeros(input.rows, weights.cols);
    for (let r = 0; r < input.rows; r++)
      for (let j = 0; j < weights.cols; j++) {
        let z = bias[j];
        for (let i = 0; i < weights.rows; i++) z += input.get(r, i) * weights.get(i, j);
        out.set(r, j, 1 / (1 + Math.exp(-z)));
      }
    return out;
  };
  const a1 = layer(x, net.hidden[0]);
  const a2 = layer(a1, net.hidden[1]);
  for (const [a, want] of [
    [a1, q[1]],
    [a2, q[2]],
  ] as const)
    for (let k = 0; k < a.data.length; k++) t.true(Math.abs(a.data[k] - want.data[k]) < 1e-4, `${k}: ${a.data[k]} vs ${want.data[k]}`);
  // The DBM is copied, not shared.
  net.hidden[1].weights.data[0] += 1;
  t.not(net.hidden[1].weights.data[0], dbm.params.weights[1].data[0]);
});

test('dbmAugmentedInput refuses a chunk that is not a positive integer (0 looped forever), naming the option', (t) => {
  const dbm = createDbm({ sizes: [4, 3, 2], seed: 1 });
  const x = Matrix.from([[1, 0, 1, 0]]);
  for (const chunk of [0, 1.5, -1])
    t.throws(() => dbmAugmentedInput(dbm, x, { chunk }), { message: new RegExp(`^chunk: got ${chunk}, expected an integer ≥ 1`) });
  t.is(dbmAugmentedInput(dbm, x, { chunk: 1 }).cols, 6);
});
