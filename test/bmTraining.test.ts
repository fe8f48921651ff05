import test from 'ava';
import { from, last, lastValueFrom, map, of, toArray } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { bmEnergy, createBm } from '../models/bm.js';
import { exactKl, visibleDistribution } from '../models/exactBm.js';
import { anneal } from '../operators/anneal.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import type { BmStepEvent } from '../operators/phases.js';
import { countRecovered, ENCODER_ANNEAL, encoderPatterns, recallSchedule, trainEncoder } from '../pipelines/trainEncoder.js';

const patterns = Matrix.from([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 0, 0, 0, 1], [0, 1, 0, 1, 0]]);

test('a general BM with hidden units, trained through the four operators, lowers the exact KL divergence by more than half', async (t) => {
  const bm = createBm({ nVisible: 5, nHidden: 3, seed: 1, weightStd: 0.1 });
  const p = visibleDistribution(patterns, bm.params);
  const start = exactKl(bm.params, p);
  const events: BmStepEvent[] = await lastValueFrom(
    from(Array.from({ length: 300 }, () => patterns)).pipe(
      clampVisible(bm, { anneal: [{ temperature: 2, sweeps: 5 }], k: 10, repeats: 10 }),
      gibbsStep({ chains: 'persistent', nChains: 80, k: 10 }),
      collectStats(),
      applyUpdate({ learningRate: 1 }),
      toArray(),
    ),
  );
  const end = exactKl(bm.params, p);
  t.log(`exact KL ${start.toFixed(3)} → ${end.toFixed(3)} nats`);
  t.true(end < start / 2);
  t.is(events.length, 300);
  t.true(events.every((e) => typeof e.metrics.statisticsGap === 'number'));
  const w = bm.params.weights.data, n = bm.params.nUnits;
  for (let i = 0; i < n; i++) {
    t.is(w[i * n + i], 0, 'the diagonal stays zero');
    for (let j = 0; j < n; j++) t.is(w[i * n + j], w[j * n + i], 'weights stay symmetric');
  }
});

test('the sign rule moves every connected weight by ±stepSize (or not at all inside the threshold)', async (t) => {
  const bm = createBm({ nVisible: 3, nHidden: 1, seed: 2 });
  const e = await lastValueFrom(
    of(Matrix.from([[1, 0, 1], [1, 1, 0]])).pipe(
      clampVisible(bm, { k: 5 }),
      gibbsStep({ chains: 'random', k: 5 }),
      collectStats(),
      applyUpdate({ rule: 'sign', stepSize: 2 }),
      last(),
    ),
  );
  t.true(Array.from(e.params.weights.data).every((x) => x === 0 || x === 2 || x === -2));
  t.true(Array.from(e.params.weights.data).some((x) => x !== 0));
});

test('the 4-2-4 encoder is learned: every pattern recovered from V1 alone', async (t) => {
  const end = await lastValueFrom(trainEncoder({ visible: 4, hidden: 2, seed: 1, maxCycles: 2000 }).pipe(last()));
  t.log(`solved after ${end.cycle} cycles`);
  t.true(end.solved);
  t.is(countRecovered(end.model, 4, recallSchedule(ENCODER_ANNEAL, 10), 20), 4, 'a second, independent recall test agrees');
  t.deepEqual(encoderPatterns(2).toArrays(), [[1, 0, 1, 0], [0, 1, 0, 1]]);
});

test('anneal(schedule) emits annealed copies that reach low energies, leaving its input untouched', async (t) => {
  const bm = createBm({ nVisible: 6, nHidden: 0, seed: 3, weightStd: 1, spin: true });
  const input = Matrix.from([[1, 1, 1, 1, 1, 1], [-1, -1, -1, -1, -1, -1]]);
  const before = input.clone();
  const out = await lastValueFrom(of(input).pipe(anneal(bm, [{ temperature: 3, sweeps: 20 }, { temperature: 0.01, sweeps: 20 }]), map((m) => m.toArrays())));
  t.deepEqual(input.data, before.data);
  let min = Infinity;
  for (let k = 0; k < 64; k++) min = Math.min(min, bmEnergy(bm.params, Array.from({ length: 6 }, (_, i) => ((k >> i) & 1 ? 1 : -1))));
  for (const s of out) t.true(bmEnergy(bm.params, s) <= min + 1e-6 || bmEnergy(bm.params, s) < bmEnergy(bm.params, before.row(0)));
  t.throws(() => anneal(bm, [{ temperature: -1, sweeps: 2 }]), { message: /schedule.0.temperature: got -1, expected a number > 0/ });
});
