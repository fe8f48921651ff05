import test from 'ava';
import { from, last, lastValueFrom } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { availableBackends, selectBackend } from '../kernels/selectBackend.js';
import { createDbm } from '../models/dbm.js';
import { centeredStart } from '../models/centeredStart.js';
import { createRbm, logOdds, rbmFromParams, type Rbm } from '../models/rbm.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { toSnapshot } from '../sinks/stateSnapshot.js';
import { minibatches } from '../sources/minibatches.js';
import { snapshotModel } from '../sources/readSnapshot.js';
import { binaryData, bytesOf } from './helpers.js';

const fastest = Object.values(availableBackends())[0];

test('createRbm, rbmFromParams, snapshotModel and createDbm default to the fastest backend; an explicit one is kept', async (t) => {
  t.is(selectBackend('auto'), fastest);
  if (Object.keys(availableBackends()).length > 1) t.not(fastest.name, 'js', 'this build has a faster backend than js');
  const rbm = createRbm({ nVisible: 3, nHidden: 2, seed: 1 });
  t.is(rbm.backend, fastest);
  t.is(rbmFromParams(rbm.params, Rng.fromSeed(1)).backend, fastest);
  t.is(createRbm({ nVisible: 3, nHidden: 2, seed: 1, backend: jsBackend }).backend, jsBackend);
  const data = binaryData(4, 3, 1);
  const config = trainConfigSchema.parse({ nHidden: 2, batchSize: 2, backend: 'js' });
  const e = await lastValueFrom(trainRbm({ data, config }).pipe(last()));
  const snap = toSnapshot(e, config, { name: 'test', rows: 4, imageShape: null, binarize: 'none' });
  t.is(snapshotModel(snap).backend, fastest);
  t.is(snapshotModel(snap, { copy: true }).backend, fastest);
  t.is(snapshotModel(snap, { backend: jsBackend }).backend, jsBackend);
  t.is(createDbm({ sizes: [3, 2, 2], seed: 1 }).backend, fastest);
  const stack = [
    createRbm({ nVisible: 3, nHidden: 2, seed: 1, backend: jsBackend }),
    createRbm({ nVisible: 2, nHidden: 2, seed: 2, backend: jsBackend }),
  ];
  t.is(createDbm({ rbms: stack, seed: 1 }).backend, jsBackend, 'given RBMs, their backend');
});

test('createRbm({ data }) starts the visible biases at the log-odds of the data’s unit means (Gaussian units: at the means)', (t) => {
  const data = Matrix.from([
    [1, 0, 1],
    [1, 1, 0],
    [1, 0, 0],
    [0, 0, 0],
  ]);
  const rbm = createRbm({ nVisible: 3, nHidden: 2, seed: 1, data, backend: jsBackend });
  t.deepEqual(Array.from(rbm.params.visibleBias), Array.from(logOdds([0.75, 0.25, 0.25])));
  t.deepEqual(
    bytesOf(rbm.params.visibleBias),
    bytesOf(createRbm({ nVisible: 3, nHidden: 2, seed: 1, visibleMeans: [0.75, 0.25, 0.25] }).params.visibleBias),
  );
  t.true(Math.abs(rbm.params.visibleBias[0] - Math.log(3)) < 1e-6);
  t.deepEqual(Array.from(rbm.params.hiddenBias), [0, 0]);
  // The weights come from the seed alone: the same with or without data.
  t.deepEqual(
    bytesOf(rbm.params.weights.data),
    bytesOf(createRbm({ nVisible: 3, nHidden: 2, seed: 1, backend: jsBackend }).params.weights.data),
  );
  const real = Matrix.from([
    [0.5, -1, 2],
    [1.5, 1, 0],
  ]);
  const gaussian = createRbm({ nVisible: 3, nHidden: 2, seed: 1, data: real, visibleUnits: { type: 'gaussian', learnVariance: false } });
  t.deepEqual(Array.from(gaussian.params.visibleBias), [1, 0, 1]);
  t.throws(() => createRbm({ nVisible: 4, nHidden: 2, seed: 1, data }), {
    instanceOf: BoltzflowError,
    message: 'data: got "4×3", expected at least one row of 4 columns (nVisible)',
  });
  t.throws(() => createRbm({ nVisible: 3, nHidden: 2, seed: 1, data: Matrix.zeros(0, 3) }), {
    instanceOf: BoltzflowError,
    message: /^data: got "0×3"/,
  });
  t.throws(() => createRbm({ nVisible: 3, nHidden: 2, seed: 1, data, visibleMeans: [0.5, 0.5, 0.5] }), {
    instanceOf: BoltzflowError,
    message: /^visibleMeans: got "given with data", expected one of data or visibleMeans/,
  });
});

test("the README's hand-composed loop, given the data, trains the same model as trainRbm with the same settings, bit for bit: centered from centeredStart as by default, ordinary from the bare model as with centering off", async (t) => {
  const data = binaryData(200, 24, 5);
  const settings = { learningRate: 0.05, momentum: 0.5, weightDecay: 1e-4 };
  const rbm = createRbm({ nVisible: 24, nHidden: 8, seed: 1, data });
  const hand = (start: typeof rbm | ReturnType<typeof centeredStart>) =>
    lastValueFrom(
      from(minibatches(data, { batchSize: 20, epochs: 2, seed: 1 })).pipe(
        clampVisible<Rbm>(start),
        gibbsStep({ k: 1, chains: 'persistent' }),
        collectStats(),
        applyUpdate(settings),
        last(),
      ),
    );
  const piped = (centering?: boolean) =>
    lastValueFrom(
      trainRbm({
        data,
        config: { nHidden: 8, method: 'pcd', k: 1, epochs: 2, batchSize: 20, learningRateSchedule: 'constant', centering, ...settings },
      }).pipe(last()),
    );
  for (const [h, p] of [
    [await hand(centeredStart(rbm)), await piped()],
    [await hand(rbm), await piped(false)],
  ]) {
    t.is(h.step, p.step);
    t.is(h.model.backend, p.model.backend, 'the same (fastest) backend by default');
    t.deepEqual(bytesOf(h.model.params.weights.data), bytesOf(p.model.params.weights.data));
    t.deepEqual(bytesOf(h.model.params.visibleBias), bytesOf(p.model.params.visibleBias));
    t.is(h.metrics.reconstructionError, p.metrics.reconstructionError);
  }
});
