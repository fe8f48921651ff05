import test from 'ava';
import { trainingState } from '../models/modelKinds.js';
import { from, last, lastValueFrom, map, of, tap, toArray } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { bmEnergy, createBm } from '../models/bm.js';
import { exactKl, visibleDistribution } from '../models/exactBm.js';
import { anneal } from '../operators/anneal.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import type { BmStatistics, BmStepEvent } from '../operators/phases.js';
import {
  countRecovered,
  ENCODER_ANNEAL,
  ENCODER_RECALL_VARIANT,
  encoderPatterns,
  recallSchedule,
  trainEncoder,
} from '../pipelines/trainEncoder.js';

const patterns = Matrix.from([
  [1, 1, 1, 0, 0],
  [0, 0, 1, 1, 1],
  [1, 0, 0, 0, 1],
  [0, 1, 0, 1, 0],
]);

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
  const trained = events[events.length - 1].model;
  t.not(trained, bm, 'the run trains its own copy of the model given');
  const end = exactKl(trained.params, p);
  t.log(`exact KL ${start.toFixed(3)} → ${end.toFixed(3)} nats`);
  t.true(end < start / 2);
  t.is(events.length, 300);
  t.true(
    events.every((e) => e.metrics.statisticsGap > 0 && e.metrics.statisticsGap <= 1),
    'the mean |p⁺ᵢⱼ − p⁻ᵢⱼ| is a difference of probabilities',
  );
  const w = trained.params.weights.data,
    n = trained.params.nUnits;
  for (let i = 0; i < n; i++) {
    t.is(w[i * n + i], 0, 'the diagonal stays zero');
    for (let j = 0; j < n; j++) t.is(w[i * n + j], w[j * n + i], 'weights stay symmetric');
  }
});

test('collectStats (general BM) from the phases it is given: p⁺ᵢⱼ − p⁻ᵢⱼ on connected pairs and 0 elsewhere, p⁺ᵢ − p⁻ᵢ for the biases, statisticsGap the mean |p⁺ᵢⱼ − p⁻ᵢⱼ| over connected pairs; exact', async (t) => {
  const bm = createBm({ nVisible: 2, nHidden: 1, seed: 3 });
  bm.params.mask.set([0, 0, 1, 0, 0, 1, 1, 1, 0]); // v₀–h and v₁–h only
  const positive = { cooccurrence: Float64Array.of(0.5, 0.2, 0.4, 0.2, 0.3, 0.1, 0.4, 0.1, 0.6), means: Float64Array.of(0.5, 0.3, 0.6) };
  const negative = { cooccurrence: Float64Array.of(0.4, 0.5, 0.1, 0.5, 0.6, 0.35, 0.1, 0.35, 0.5), means: Float64Array.of(0.4, 0.6, 0.5) };
  const batch = { data: Matrix.zeros(1, 2), epoch: 0, index: 0, batchesPerEpoch: 1, step: 0 };
  const state = trainingState(bm);
  const s = await lastValueFrom(
    of({ model: state.model, state, batch, positive, clampedStates: Matrix.zeros(1, 3), negative }).pipe(collectStats()),
  );
  const want = [0, 0, 0.3, 0, 0, -0.25, 0.3, -0.25, 0];
  Array.from(s.gradient.weights.data).forEach((g, k) => t.true(Math.abs(g - want[k]) < 1e-6, `w[${k}]: ${g} vs ${want[k]}`));
  [0.1, -0.3, 0.1].forEach((b, i) => t.true(Math.abs(s.gradient.bias[i] - b) < 1e-6, `bias[${i}]: ${s.gradient.bias[i]} vs ${b}`));
  t.true(Math.abs(s.metrics.statisticsGap - 0.275) < 1e-9, `statisticsGap ${s.metrics.statisticsGap}`);
});

test('the sign rule through the four operators: each weight moves by exactly stepSize in the sign of its statistic, and one whose statistic is 0 (the diagonal, unconnected pairs) stays put', async (t) => {
  const bm = createBm({ nVisible: 3, nHidden: 1, seed: 2 });
  let gradient = new Float32Array(0);
  const e = await lastValueFrom(
    of(
      Matrix.from([
        [1, 0, 1],
        [1, 1, 0],
      ]),
    ).pipe(
      clampVisible(bm, { k: 5 }),
      gibbsStep({ chains: 'random', k: 5 }),
      collectStats(),
      tap((s) => (gradient = s.gradient.weights.data.slice())),
      applyUpdate({ rule: 'sign', stepSize: 2 }),
      last(),
    ),
  );
  const w = Array.from(e.params.weights.data);
  t.deepEqual(
    w,
    Array.from(gradient, (g) => (g > 0 ? 2 : g < 0 ? -2 : 0)),
  );
  t.true(gradient.some((g) => g === 0) && w.some((x) => x !== 0), 'both cases occur');
  const n = bm.params.nUnits;
  for (let i = 0; i < n; i++) t.is(w[i * n + i], 0, 'the diagonal stays zero');
});

test('the sign rule: +stepSize where the statistic > threshold, −stepSize where < −threshold, nothing at exactly ±threshold or inside; less weightDecay·W on the weights only; exact', async (t) => {
  const bm = createBm({ nVisible: 3, nHidden: 0, seed: 2 });
  const w0 = [0.5, -1, 2, 0, 1, -0.5, 3, 0.25, -2];
  bm.params.weights.data.set(w0);
  bm.params.bias.set([1, -1, 0.5]);
  const g = [0.5, 0.25, 0.1, 0, -0.1, -0.25, -0.5, 0.2500001, -0.2500001];
  const bg = [0.25, -0.3, 0];
  const state = trainingState(bm);
  const stats: BmStatistics = {
    model: state.model,
    state,
    batch: { data: Matrix.zeros(1, 3), epoch: 0, index: 0, batchesPerEpoch: 1, step: 0 },
    gradient: { weights: new Matrix(3, 3, Float32Array.from(g)), bias: Float32Array.from(bg) },
    metrics: { statisticsGap: 0 },
  };
  const e = await lastValueFrom(of(stats).pipe(applyUpdate({ rule: 'sign', stepSize: 0.5, threshold: 0.25, weightDecay: 0.1 })));
  const step = (x: number) => (Math.fround(x) > 0.25 ? 0.5 : Math.fround(x) < -0.25 ? -0.5 : 0);
  const want = w0.map((w, k) => w + step(g[k]) - 0.1 * w);
  Array.from(e.params.weights.data).forEach((w, k) =>
    t.true(Math.abs(w - want[k]) < 1e-6, `w[${k}] with statistic ${g[k]}: ${w} vs ${want[k]}`),
  );
  t.deepEqual(Array.from(e.params.bias), [1, -1.5, 0.5], 'biases: a step where |statistic| > threshold, no decay');
  // Threshold 0 (the default): a zero statistic still moves nothing.
  const zero = createBm({ nVisible: 2, nHidden: 0, seed: 1 });
  const z = await lastValueFrom(
    of({
      ...stats,
      model: zero,
      state: trainingState(zero),
      gradient: { weights: new Matrix(2, 2, Float32Array.of(0, 1e-6, -1e-6, 0)), bias: Float32Array.of(0, 0) },
    }).pipe(applyUpdate({ rule: 'sign', stepSize: 2 })),
  );
  t.deepEqual(Array.from(z.params.weights.data), [0, 2, -2, 0]);
  t.deepEqual(Array.from(z.params.bias), [0, 0]);
});

test('the 4-2-4 encoder is learned with the recall variant: every pattern recovered from V1 alone', async (t) => {
  const end = await lastValueFrom(
    trainEncoder({ visible: 4, hidden: 2, seed: 1, maxCycles: 2000, ...ENCODER_RECALL_VARIANT }).pipe(last()),
  );
  t.log(`solved after ${end.cycle} cycles`);
  t.true(end.solved);
  t.is(countRecovered(end.model, 4, recallSchedule(ENCODER_ANNEAL, 10), 20), 4, 'a second, independent recall test agrees');
  t.deepEqual(encoderPatterns(2).toArrays(), [
    [1, 0, 1, 0],
    [0, 1, 0, 1],
  ]);
});

test('anneal(schedule) emits annealed copies that reach low energies, leaving its input untouched', async (t) => {
  const bm = createBm({ nVisible: 6, nHidden: 0, seed: 3, weightStd: 1, spin: true });
  const input = Matrix.from([
    [1, 1, 1, 1, 1, 1],
    [-1, -1, -1, -1, -1, -1],
  ]);
  const before = input.clone();
  const out = await lastValueFrom(
    of(input).pipe(
      anneal(bm, [
        { temperature: 3, sweeps: 20 },
        { temperature: 0.01, sweeps: 20 },
      ]),
      map((m) => m.toArrays()),
    ),
  );
  t.deepEqual(input.data, before.data);
  let min = Infinity;
  for (let k = 0; k < 64; k++)
    min = Math.min(
      min,
      bmEnergy(
        bm.params,
        Array.from({ length: 6 }, (_, i) => ((k >> i) & 1 ? 1 : -1)),
      ),
    );
  for (const s of out) t.true(bmEnergy(bm.params, s) <= min + 1e-6 || bmEnergy(bm.params, s) < bmEnergy(bm.params, before.row(0)));
  t.throws(() => anneal(bm, [{ temperature: -1, sweeps: 2 }]), { message: /schedule.0.temperature: got -1, expected a number > 0/ });
});
