import test from 'ava';
import { lastValueFrom, toArray } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { createDbn, dbnFeatures, sampleDbn } from '../models/dbn.js';
import { createRbm, hiddenProbs } from '../models/rbm.js';
import { errorRate, fitSoftmaxRegression, predictSoftmax } from '../models/softmaxRegression.js';
import { trainDbn } from '../pipelines/trainDbn.js';
import { loadLabels, oneHot } from '../sources/loadLabels.js';

/** Bars and stripes on a 4×4 grid (Hinton & Sejnowski; MacKay): 30 distinct patterns, repeated with 5% pixel noise. */
function barsAndStripes(rows: number, seed: number): Matrix {
  const rng = Rng.fromSeed(seed);
  const m = Matrix.zeros(rows, 16);
  for (let r = 0; r < rows; r++) {
    const vertical = rng.uniform() < 0.5;
    const on = Array.from({ length: 4 }, () => rng.uniform() < 0.5);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) m.data[r * 16 + i * 4 + j] = (on[vertical ? j : i] ? 1 : 0) ^ (rng.uniform() < 0.05 ? 1 : 0);
  }
  return m;
}

test("greedy DBN training on bars and stripes lowers each layer's mean reconstruction error by at least 20% from its first epoch to its last", async (t) => {
  const data = barsAndStripes(500, 1);
  const layer = { epochs: 25, batchSize: 10, learningRate: 0.3, method: 'cd', backend: 'js' } as const;
  const layers = [
    { ...layer, nHidden: 16 },
    { ...layer, nHidden: 8, seed: 2 },
  ];
  const events = await lastValueFrom(trainDbn({ data, layers }).pipe(toArray()));
  t.is(events.length, 2 * 25 * 50);
  for (const layer of [0, 1]) {
    const mine = events.filter((e) => e.layer === layer);
    const epochMean = (epoch: number) => {
      const es = mine.filter((e) => e.epoch === epoch);
      return es.reduce((s, e) => s + e.metrics.reconstructionError, 0) / es.length;
    };
    const first = epochMean(0),
      lastEpoch = epochMean(24);
    t.log(`layer ${layer}: reconstruction error ${first.toFixed(3)} → ${lastEpoch.toFixed(3)}`);
    t.true(lastEpoch < 0.8 * first, `layer ${layer}: ${first} → ${lastEpoch}`);
  }
  const dbn = events.at(-1)!.dbn;
  t.is(dbn.layers.length, 2);
  // Layer 2 was trained on layer 1's hidden probabilities: the features are that composition.
  const h1 = hiddenProbs(dbn.layers[0], data, Matrix.zeros(data.rows, 16));
  const h2 = hiddenProbs(dbn.layers[1], h1, Matrix.zeros(data.rows, 8));
  t.deepEqual(dbnFeatures(dbn, data, 2, 64).data, h2.data);
  const samples = sampleDbn(dbn, 20, { gibbsSteps: 200 });
  t.is(samples.cols, 16);
  t.true(samples.data.every((p) => p >= 0 && p <= 1));
});

test('createDbn refuses layers whose sizes do not chain, naming the layer', (t) => {
  t.throws(() => createDbn([createRbm({ nVisible: 4, nHidden: 3, seed: 1 }), createRbm({ nVisible: 5, nHidden: 2, seed: 1 })]), {
    message: /layers\[1\]\.nVisible.*5.*3/,
  });
  t.throws(() => trainDbn({ data: Matrix.zeros(10, 4), layers: [{ nHidden: 3 }, { nHidden: 0 }] }), { message: /layers\[1\]\.nHidden/ });
});

test('softmax regression separates a linearly separable 3-class problem (0 errors) and the probabilities sum to 1', (t) => {
  const rng = Rng.fromSeed(4);
  const n = 300;
  const x = Matrix.zeros(n, 2);
  const y = new Uint8Array(n);
  const centres = [
    [0, 3],
    [3, -2],
    [-3, -2],
  ];
  for (let r = 0; r < n; r++) {
    y[r] = r % 3;
    x.data.set([centres[y[r]][0] + 0.5 * rng.normal(), centres[y[r]][1] + 0.5 * rng.normal()], 2 * r);
  }
  const losses: number[] = [];
  const model = fitSoftmaxRegression(x, y, { classes: 3, epochs: 20, batchSize: 30, learningRate: 0.1, onEpoch: (_, l) => losses.push(l) });
  const { labels, probs } = predictSoftmax(model, x);
  t.is(errorRate(labels, y), 0);
  t.true(losses.at(-1)! < 0.1 * losses[0], `cross-entropy ${losses[0]} → ${losses.at(-1)}`);
  for (let r = 0; r < n; r++) t.true(Math.abs(probs.row(r).reduce((a, b) => a + b, 0) - 1) < 1e-5);
  t.throws(
    () =>
      fitSoftmaxRegression(
        x,
        Uint8Array.from(y, (v) => (v === 2 ? 7 : v)),
        { classes: 3 },
      ),
    { message: /labels\[2\].*7.*0\.\.2/ },
  );
});

test("loadLabels reads MNIST's test labels (the first are 7 2 1 0 4; all 10,000 in 0..9) and oneHot appends them to inputs", async (t) => {
  const labels = await loadLabels('mnist:test');
  t.is(labels.length, 10_000);
  t.deepEqual(Array.from(labels.subarray(0, 5)), [7, 2, 1, 0, 4]);
  t.true(labels.every((y) => y <= 9));
  t.deepEqual(oneHot([1], 3, Matrix.from([[0.5, 0.25]])).toArrays(), [[0.5, 0.25, 0, 1, 0]]);
  await t.throwsAsync(loadLabels('no-such-file.idx'), { message: /no-such-file/ });
});
