import test from 'ava';
import { last, lastValueFrom, toArray } from 'rxjs';
import { exactRbmLogPartition } from '../models/exactRbm.js';
import { freeEnergy } from '../models/freeEnergy.js';
import { mean } from '../models/logProbability.js';
import { withAisEstimate } from '../operators/withAisEstimate.js';
import { withFreeEnergyGap } from '../operators/withFreeEnergyGap.js';
import { withMetrics } from '../operators/withMetrics.js';
import { withPseudoLikelihood } from '../operators/withPseudoLikelihood.js';
import { withReconstructionError } from '../operators/withReconstructionError.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { binaryData, bytesOf } from './helpers.js';

const data = binaryData(60, 10, 1);
const validation = binaryData(30, 10, 2);
const config = { nHidden: 6, batchSize: 10, epochs: 2, seed: 4 };

test('metric taps add their metrics every N steps and leave the trained weights byte-identical', async (t) => {
  const plain = await lastValueFrom(trainRbm({ data, config }).pipe(last()));
  const events = await lastValueFrom(
    trainRbm({ data, config }).pipe(
      withPseudoLikelihood({ data: validation, every: 3 }),
      withReconstructionError({ data: validation, every: 4 }),
      withFreeEnergyGap({ train: data, validation, every: 2 }),
      withAisEstimate({ data: validation, every: 6, steps: 200, runs: 20 }),
      toArray(),
    ),
  );
  const steps = (key: string) => events.filter((e) => key in e.metrics).map((e) => e.step);
  t.deepEqual(steps('pseudoLikelihood'), [3, 6, 9, 12]);
  t.deepEqual(steps('heldOutReconstructionError'), [4, 8, 12]);
  t.deepEqual(steps('freeEnergyGap'), [2, 4, 6, 8, 10, 12]);
  t.deepEqual(steps('logZ'), [6, 12]);
  t.true(bytesOf(events.at(-1)!.model.params.weights.data).equals(bytesOf(plain.model.params.weights.data)));
  t.deepEqual(events.at(-1)!.model.rng.state(), plain.model.rng.state());
});

test('withFreeEnergyGap reports the mean free energies and their difference; withAisEstimate tracks the exact ln Z', async (t) => {
  const e = await lastValueFrom(
    trainRbm({ data, config }).pipe(
      withFreeEnergyGap({ train: data, validation, every: 12 }),
      withAisEstimate({ data, every: 12, steps: 2000 }),
      last(),
    ),
  );
  const ft = mean(freeEnergy(e.model, data)),
    fv = mean(freeEnergy(e.model, validation));
  t.true(Math.abs(e.metrics.freeEnergyTrain - ft) < 1e-9);
  t.true(Math.abs(e.metrics.freeEnergyGap - (fv - ft)) < 1e-9);
  const exact = exactRbmLogPartition(e.model.params);
  t.true(e.metrics.logZLow <= exact && exact <= e.metrics.logZHigh, `${exact} in [${e.metrics.logZLow}, ${e.metrics.logZHigh}]`);
  t.true(Math.abs(e.metrics.logLikelihood - (-ft - e.metrics.logZ)) < 1e-9);
});

test('withMetrics refuses every < 1', (t) => {
  t.throws(() => withMetrics(0, () => ({})), { message: /every: got 0, expected an integer ≥ 1/ });
});
