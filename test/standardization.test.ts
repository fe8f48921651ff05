import test from 'ava';
import { lastValueFrom } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { completePattern } from '../models/completePattern.js';
import { createRbm } from '../models/rbm.js';
import { fitStandardization } from '../models/standardize.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../schemas/snapshot.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { toSnapshot } from '../sinks/stateSnapshot.js';

test('fitStandardization: two passes, so a large mean does not swamp the spread (1e7 ± 1: sd 1 to 1e-6; one pass gives 0.31)', (t) => {
  const data = new Matrix(
    1000,
    1,
    Float32Array.from({ length: 1000 }, (_, r) => 1e7 + (r % 2 ? 1 : -1)),
  );
  const s = fitStandardization(data, 1e-9);
  t.is(s.mean[0], 1e7);
  t.true(Math.abs(s.std[0] - 1) < 1e-6, `std ${s.std[0]}`);
});

test('fitStandardization with a floor relative to |mean|: a small spread in small units is kept, a constant column maps to 0', (t) => {
  // Column 0: ±1e-4 around 0 (a spread an absolute 1e-2 floor would flatten); column 1: constant 5.
  const data = new Matrix(4, 2, Float32Array.of(-1e-4, 5, 1e-4, 5, -1e-4, 5, 1e-4, 5));
  const s = fitStandardization(data, { absolute: 1e-30, relative: 1e-6 });
  t.true(Math.abs(s.std[0] - 1e-4) < 1e-10, `std ${s.std[0]}`);
  t.is(s.std[1], Math.fround(5e-6));
  t.is(fitStandardization(data).std[0], Math.fround(1e-2), 'the default absolute floor is unchanged');
  t.throws(() => fitStandardization(data, { absolute: 0, relative: 1 }), { message: /minStd: got .*, expected an absolute floor > 0/ });
});

/** A 1-step Gaussian run's snapshot, with `standardization` in its data description. */
async function gaussianSnapshot(
  standardization?: { mean: Float32Array; std: Float32Array },
  visibleUnits: 'gaussian' | 'bernoulli' = 'gaussian',
): Promise<Snapshot> {
  const rng = Rng.fromSeed(1);
  const data = new Matrix(
    4,
    3,
    Float32Array.from({ length: 12 }, () => (visibleUnits === 'gaussian' ? rng.normal() : rng.uniform())),
  );
  const config = trainConfigSchema.parse({ nHidden: 2, batchSize: 4, visibleUnits, backend: 'js' });
  const e = await lastValueFrom(trainRbm({ data, config }));
  return toSnapshot(e, config, { name: 'x', rows: 4, imageShape: null, binarize: 'none', ...(standardization ? { standardization } : {}) });
}

test('snapshot: the standardisation round-trips; a wrong length, a NaN, a std ≤ 0, or one on a Bernoulli model is refused, naming the field', async (t) => {
  const good = { mean: Float32Array.of(1, 2, 3), std: Float32Array.of(1, 0.5, 2) };
  const back = decodeSnapshot(encodeSnapshot(await gaussianSnapshot(good)), 'snap');
  t.deepEqual(back.data.standardization, good);
  t.is(decodeSnapshot(encodeSnapshot(await gaussianSnapshot()), 'snap').data.standardization, undefined, 'optional');
  const bad: [{ mean: Float32Array; std: Float32Array }, RegExp][] = [
    [{ mean: Float32Array.of(1, 2), std: good.std }, /snap data\.standardization\.mean.*length 3/],
    [{ mean: Float32Array.of(1, NaN, 3), std: good.std }, /snap data\.standardization\.mean.*finite values only/],
    [{ mean: good.mean, std: Float32Array.of(1, 0, 2) }, /snap data\.standardization\.std.*values > 0 only/],
  ];
  for (const [s, message] of bad)
    t.throws(() => decodeSnapshot(encodeSnapshot(Object.assign(back, { data: { ...back.data, standardization: s } })), 'snap'), {
      message,
    });
  const bern = await gaussianSnapshot(good, 'bernoulli');
  t.throws(() => decodeSnapshot(encodeSnapshot(bern), 'snap'), {
    message: /snap data\.standardization.*absent \(only Gaussian visible units/,
  });
});

test('completePattern with Gaussian visible units draws real values for the unknown units (not 0/1 coins)', (t) => {
  const rbm = createRbm({ nVisible: 4, nHidden: 3, seed: 2, weightStd: 0.5, visibleUnits: { type: 'gaussian', learnVariance: false } });
  const c = completePattern(rbm, Float32Array.of(1.5, -0.5, 0, 0), Uint8Array.of(1, 1, 0, 0), { samples: 50, steps: 20 });
  t.deepEqual(Array.from(c.state.subarray(0, 2)), [1.5, -0.5]);
  t.false([0, 1].includes(c.state[2]) && [0, 1].includes(c.state[3]), `state ${Array.from(c.state).join(', ')}`);
  t.is(c.probability, 1 / 50, 'every real-valued sample is distinct');
});
