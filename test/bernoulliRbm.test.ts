import test from 'ava';
import { lastValueFrom } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { pseudoLikelihood } from '../models/pseudoLikelihood.js';
import { BernoulliRBM } from '../pipelines/BernoulliRBM.js';
import { trainOnline } from '../pipelines/trainOnline.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { snapshotModel } from '../sources/readSnapshot.js';
import { binaryData } from './helpers.js';

const data = binaryData(60, 10, 3);
const rows = Array.from({ length: data.rows }, (_, r) => Array.from(data.data.subarray(r * 10, (r + 1) * 10)));
const options = { nHidden: 6, epochs: 3, batchSize: 10, seed: 5 };

test('fit is trainRbm underneath: the same parameters, bit for bit, from number[][] or a Matrix', async (t) => {
  const viaRows = await new BernoulliRBM(options).fit(rows);
  const viaMatrix = await new BernoulliRBM(options).fit(data);
  const direct = await lastValueFrom(trainRbm({ data, config: options }));
  t.deepEqual(viaRows.snapshot!.params.weights, direct.model.params.weights.data);
  t.deepEqual(viaMatrix.snapshot!.params.hiddenBias, direct.model.params.hiddenBias);
  t.is(viaRows.snapshot!.counters.step, 18);
});

test('transform is P(h = 1 | x), scoreSamples the pseudo-log-likelihood, of the fitted model; Matrix in, Matrix out', async (t) => {
  const rbm = await new BernoulliRBM(options).fit(rows);
  const { weights, hiddenBias } = rbm.snapshot!.params;
  const features = rbm.transform(rows.slice(0, 3));
  t.is(features.length, 3);
  for (let r = 0; r < 3; r++)
    for (let j = 0; j < 6; j++) {
      let a = hiddenBias[j];
      for (let i = 0; i < 10; i++) a += rows[r][i] * weights[i * 6 + j];
      t.true(Math.abs(features[r][j] - 1 / (1 + Math.exp(-a))) < 1e-6, `row ${r} unit ${j}`);
    }
  t.true(rbm.transform(data) instanceof Matrix);
  t.deepEqual(rbm.scoreSamples(rows), pseudoLikelihood(snapshotModel(rbm.snapshot!), data));
  t.is(rbm.sample(4, { steps: 10 }).length, 4);
});

test('partialFit is one trainOnline pass that continues the model, at a constant rate', async (t) => {
  const rbm = new BernoulliRBM(options);
  await rbm.partialFit(rows.slice(0, 30));
  const first = await lastValueFrom(
    trainOnline({
      records: (async function* () {
        for (let r = 0; r < 30; r++) yield { values: Float32Array.from(rows[r]), where: `row ${r}` };
      })(),
      config: { ...options, learningRateSchedule: 'constant' },
    }),
  );
  t.deepEqual(rbm.snapshot!.params.weights, first.model.params.weights.data, 'a first partialFit is an online run from its rows');
  const afterFirst = rbm.snapshot!;
  await rbm.partialFit(rows.slice(30));
  t.is(rbm.snapshot!.counters.step, 6, 'the second call continues the step count');
  const second = await lastValueFrom(
    trainOnline({
      records: (async function* () {
        for (let r = 30; r < 60; r++) yield { values: Float32Array.from(rows[r]), where: `row ${r}` };
      })(),
      resume: afterFirst,
    }),
  );
  t.deepEqual(
    rbm.snapshot!.params.weights,
    second.model.params.weights.data,
    'the second is trainOnline resumed from the first snapshot, bit for bit',
  );
  t.is(rbm.snapshot!.data.rows, 60);
  t.notDeepEqual(rbm.snapshot!.params.weights, first.model.params.weights.data);
});

test('misuse is one clear error', async (t) => {
  t.throws(() => new BernoulliRBM().transform(rows), {
    message: /^transform: got "an unfitted BernoulliRBM", expected fit\(x\) or partialFit\(x\) first$/,
  });
  t.throws(() => new BernoulliRBM({ nHidden: 0 }), { message: /^options\.nHidden: got 0/ });
  const rbm = await new BernoulliRBM(options).fit(rows);
  t.throws(() => rbm.transform([[1, 0]]), { message: /^transform\(x\): got "2 columns", expected 10, as the model has$/ });
  await t.throwsAsync(rbm.partialFit([[1, 0]]), { message: /^partialFit\(x\): got "2 columns", expected 10/ });
});
