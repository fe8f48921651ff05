import test from 'ava';
import { last, lastValueFrom, toArray } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { aisBetas, baseRateBias, createAis } from '../models/ais.js';
import { exactRbmLogProbability, exactRbmLogPartition } from '../models/exactRbm.js';
import { logProbability, mean } from '../models/logProbability.js';
import { estimateLogPartition } from '../pipelines/estimateLogPartition.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { loadDataset } from '../sources/loadDataset.js';
import { binaryData, randomRbm } from './helpers.js';

test("aisBetas(14500) is Salakhutdinov & Murray's schedule; shorter ones keep its shape", (t) => {
  const b = aisBetas();
  t.is(b.length, 14_501);
  t.is(b[0], 0);
  t.is(b[500], 0.5);
  t.is(b[4500], 0.9);
  t.is(b[14_500], 1);
  t.true(Math.abs(b[1] - 0.001) < 1e-15 && Math.abs(b[501] - 0.5001) < 1e-12 && Math.abs(b[4501] - 0.90001) < 1e-12);
  t.true(b.every((x, i) => i === 0 || x > b[i - 1]));
  const s = aisBetas(1450);
  t.is(s.length, 1451);
  t.is(s[50], 0.5);
  t.is(s[450], 0.9);
  t.throws(() => aisBetas(2), { instanceOf: BoltzflowError, message: /AIS steps: got 2/ });
});

for (const [nv, nh, scale] of [
  [10, 6, 1],
  [12, 4, 2],
  [6, 12, 0.5],
  [8, 8, 1.5],
] as const)
  test(`AIS agrees with enumeration on a ${nv}v·${nh}h RBM (weights ×${scale}): within its ±3σ bounds and 0.1 nats (2,000 steps, 100 runs)`, (t) => {
    const rbm = randomRbm(nv, nh, nv * nh, scale);
    const data = binaryData(50, nv, 1);
    const exact = exactRbmLogPartition(rbm.params);
    const ais = createAis(rbm, { baseVisibleBias: baseRateBias(data), betas: aisBetas(2000), runs: 100, seed: 3 });
    ais.advance(Infinity);
    const est = ais.result();
    t.log(`exact ${exact.toFixed(4)}, AIS ${est.logZ.toFixed(4)} [${est.logZLow.toFixed(4)}, ${est.logZHigh.toFixed(4)}]`);
    t.true(est.logZLow <= exact && exact <= est.logZHigh, 'exact value within the ±3σ bounds');
    t.true(Math.abs(est.logZ - exact) < 0.1);
  });

test('AIS on a 784-visible, 10-hidden RBM trained on MNIST agrees with the exact ln Z within its bounds and 0.5 nats', async (t) => {
  const { data } = await loadDataset('mnist', { limit: 2000, binarize: 'stochastic' });
  const final = await lastValueFrom(trainRbm({ data, config: { nHidden: 10, method: 'cd', epochs: 2, seed: 1 } }).pipe(last()));
  const exact = exactRbmLogPartition(final.model.params);
  const ais = createAis(final.model, { baseVisibleBias: baseRateBias(data), betas: aisBetas(1000), runs: 100 });
  ais.advance(Infinity);
  const est = ais.result();
  t.log(`exact ${exact.toFixed(3)}, AIS ${est.logZ.toFixed(3)} [${est.logZLow.toFixed(3)}, ${est.logZHigh.toFixed(3)}]`);
  t.true(est.logZLow <= exact && exact <= est.logZHigh);
  t.true(Math.abs(est.logZ - exact) < 0.5);
  // and the average log-probability from the exact ln Z equals the exact log-likelihood
  t.true(
    Math.abs(
      mean(logProbability(final.model, data.topRows(100), exact)) - mean(exactRbmLogProbability(final.model.params, data.topRows(100))),
    ) < 1e-3,
  );
});

test('AIS does not touch the model or its generator, and the same seed gives the same estimate', (t) => {
  const rbm = randomRbm(8, 5, 2);
  const before = rbm.rng.state();
  const w = rbm.params.weights.data.slice();
  const run = (seed: number) => {
    const ais = createAis(rbm, { baseVisibleBias: new Float32Array(8), betas: aisBetas(300), runs: 20, seed });
    ais.advance(100);
    ais.advance(1000);
    return ais.result().logZ;
  };
  t.is(run(5), run(5));
  t.not(run(5), run(6));
  t.deepEqual(rbm.rng.state(), before);
  t.deepEqual(rbm.params.weights.data, w);
});

test('estimateLogPartition emits progress up to the last step, then the same estimate as the stepper', async (t) => {
  const rbm = randomRbm(7, 4, 8);
  const options = { baseVisibleBias: new Float32Array(7), betas: aisBetas(500), runs: 30, seed: 2, reports: 10 };
  const events = await lastValueFrom(estimateLogPartition(rbm, options).pipe(toArray()));
  const progress = events.filter((e) => e.event === 'progress');
  t.is(progress.length, 10);
  t.deepEqual(progress.at(-1), { event: 'progress', done: 500, steps: 500 });
  const result = events.at(-1);
  const ais = createAis(rbm, options);
  ais.advance(Infinity);
  t.is(result?.event === 'result' ? result.estimate.logZ : NaN, ais.result().logZ);
});

test('AIS refuses a bad schedule, too few runs and a base rate of the wrong size', (t) => {
  const rbm = randomRbm(4, 2, 1);
  t.throws(() => createAis(rbm, { baseVisibleBias: new Float32Array(4), betas: Float64Array.of(0, 0.5, 0.4, 1) }), {
    message: /AIS betas/,
  });
  t.throws(() => createAis(rbm, { baseVisibleBias: new Float32Array(4), runs: 1 }), {
    message: /AIS runs: got 1, expected an integer ≥ 2/,
  });
  t.throws(() => createAis(rbm, { baseVisibleBias: new Float32Array(3) }), {
    message: /baseVisibleBias: got "length 3", expected length 4/,
  });
});

test('the base rate is the clipped log-odds of the data means', (t) => {
  const b = baseRateBias(
    Matrix.from([
      [1, 0, 1],
      [1, 0, 0],
    ]),
  );
  t.true(Math.abs(b[0] - Math.log(0.999 / 0.001)) < 1e-3);
  t.true(Math.abs(b[1] - Math.log(0.001 / 0.999)) < 1e-3);
  t.is(b[2], 0);
});
