import test from 'ava';
import { from, last, lastValueFrom, map, of, toArray } from 'rxjs';
import { createUnitStats } from '../kernels/glauber.js';
import { probeSweeps } from '../kernels/glauberProbes.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { annealStates, createBm, encoderMask } from '../models/bm.js';
import { bmKind } from '../models/bmKind.js';
import { clampedMoments } from '../models/bmPhases.js';
import { exactBmMoments } from '../models/exactBm.js';
import { trainingState } from '../models/modelKinds.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import type { Bm } from '../models/bm.js';
import type { BmStatistics } from '../operators/phases.js';
import { ENCODER_ANNEAL, encoderPatterns, encoderUpdate, trainEncoder } from '../pipelines/trainEncoder.js';
import { encoderOptions } from '../cli/encoder.js';
import { encoderFlagsSchema } from '../schemas/encoderFlags.js';

test('noisy clamping turns on-bits off with 0.15 and off-bits on with 0.05 (20,000 presentations: within 4 standard errors, ±0.010 and ±0.006)', (t) => {
  const bm = createBm({ nVisible: 2, nHidden: 1, seed: 3 });
  const rows = 20_000,
    states = Matrix.zeros(rows, 3);
  clampedMoments(
    bm,
    Matrix.from([[1, 0]]),
    { anneal: [{ temperature: 10, sweeps: 1 }], noise: { on: 0.15, off: 0.05 }, repeats: rows },
    states,
  );
  let offs = 0,
    ons = 0;
  for (let r = 0; r < rows; r++) {
    if (states.data[r * 3] === 0) offs++;
    if (states.data[r * 3 + 1] === 1) ons++;
  }
  t.true(Math.abs(offs / rows - 0.15) < 4 * Math.sqrt((0.15 * 0.85) / rows), `on→off ${offs / rows}`);
  t.true(Math.abs(ons / rows - 0.05) < 4 * Math.sqrt((0.05 * 0.95) / rows), `off→on ${ons / rows}`);
});

test("the paper's sweep: as many random single-unit probes as free units (two uniforms each, none for clamped units); the schedule 2@20, 2@15, 2@12, 4@10 then statistics over 10 sweeps at T = 10", (t) => {
  t.deepEqual(
    ENCODER_ANNEAL.map((s) => [s.temperature, s.sweeps]),
    [
      [20, 2],
      [15, 2],
      [12, 2],
      [10, 4],
    ],
  );
  const bm = createBm({ nVisible: 8, nHidden: 2, seed: 5, mask: encoderMask(4, 2, 4), weightStd: 1 });
  const rows = 3,
    states = Matrix.zeros(rows, 10),
    clamped = new Uint8Array(10).fill(1, 0, 8); // 2 free units
  const stats = createUnitStats(10);
  const before = bm.rng.state();
  annealStates(bm, states, [...ENCODER_ANNEAL, { temperature: 10, sweeps: 10 }], clamped, stats, undefined, 'random');
  t.is(stats.samples, rows * 10, 'one sample per chain per statistics sweep, over the last step only');
  const probes = rows * 2 * (2 + 2 + 2 + 4 + 10);
  const rng = Rng.fromState(before);
  for (let k = 0; k < 2 * probes; k++) rng.nextUint32();
  t.deepEqual(Array.from(bm.rng.state()), Array.from(rng.state()), `${probes} probes, 2 uniforms each`);
  for (let r = 0; r < rows; r++) t.deepEqual(Array.from(states.row(r).subarray(0, 8)), Array(8).fill(0), 'clamped units never move');
});

test('random probes sample the Boltzmann distribution: unit means and pair statistics of a 4-unit BM at T = 2 within 0.01 of the exact ones (2,000 chains × 50 sweeps)', (t) => {
  const bm = createBm({ nVisible: 4, nHidden: 0, seed: 7, weightStd: 1.5 });
  bm.params.bias.set([0.5, -1, 0.25, 1]);
  const exact = exactBmMoments(bm.params, new Float64Array(16).fill(1 / 16), 2).negative;
  const states = Matrix.zeros(2000, 4),
    stats = createUnitStats(4);
  annealStates(
    bm,
    states,
    [
      { temperature: 2, sweeps: 20 },
      { temperature: 2, sweeps: 50 },
    ],
    null,
    stats,
    undefined,
    'random',
  );
  for (let i = 0; i < 16; i++) {
    const got = stats.cooccurrence[i] / stats.samples;
    t.true(Math.abs(got - exact.cooccurrence[i]) < 0.01, `⟨s${i >> 2} s${i & 3}⟩: ${got} vs ${exact.cooccurrence[i]}`);
  }
});

test("the model's bias is the paper's always-on unit: the same chains and statistics, bit for bit, as a clamped unit whose weights are the biases", (t) => {
  const n = 4,
    bias = Float32Array.of(2, -4, 0, 6);
  const w = Float32Array.from([0, 2, -2, 4, 2, 0, 6, -2, -2, 6, 0, 2, 4, -2, 2, 0]);
  const withBias = { n, weights: w, bias, spin: false };
  const w5 = new Float32Array(25);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) w5[i * 5 + j] = w[i * n + j];
    w5[i * 5 + 4] = w5[4 * 5 + i] = bias[i];
  }
  const withUnit = { n: 5, weights: w5, bias: new Float32Array(5), spin: false };
  const a = new Float32Array(6 * n),
    b = new Float32Array(6 * 5);
  for (let r = 0; r < 6; r++) b[r * 5 + 4] = 1;
  const sa = createUnitStats(n),
    sb = createUnitStats(5);
  probeSweeps(withBias, a, 6, 30, 10, Rng.fromSeed(9), null, sa);
  probeSweeps(withUnit, b, 6, 30, 10, Rng.fromSeed(9), Uint8Array.of(0, 0, 0, 0, 1), sb);
  for (let r = 0; r < 6; r++) t.deepEqual(Array.from(a.subarray(r * n, r * n + n)), Array.from(b.subarray(r * 5, r * 5 + n)));
  for (let i = 0; i < n; i++)
    t.is(sb.cooccurrence[i * 5 + 4], sa.means[i], `the statistic of unit ${i} with the always-on unit is its mean`);
});

test('the update: exactly ±2 in the sign of p⁺ − p⁻ on every connected pair and bias, however small the difference (no dead zone), nothing where they are equal', async (t) => {
  const bm = createBm({ nVisible: 2, nHidden: 1, seed: 1, mask: encoderMask(1, 1, 1) }); // V1 0, V2 1, H 2
  const n = 3,
    state = trainingState(bm);
  const positive = { cooccurrence: new Float64Array(9), means: Float64Array.of(0.5, 0.5, 0.3) }; // hand-made p⁺ and p⁻
  const negative = { cooccurrence: new Float64Array(9), means: Float64Array.of(0.5, 0.4875, 0.6) };
  const set = (m: Float64Array, i: number, j: number, v: number) => (m[i * n + j] = m[j * n + i] = v);
  set(positive.cooccurrence, 0, 2, 0.2625); // p⁺ − p⁻ = +1/80: one sample of 80 (8 annealings × 10 sweeps)
  set(negative.cooccurrence, 0, 2, 0.25);
  set(positive.cooccurrence, 1, 2, 0.1);
  set(negative.cooccurrence, 1, 2, 0.4);
  set(positive.cooccurrence, 0, 1, 0.7); // V1–V2: not connected, no step whatever the statistics say
  const gradient = bmKind.zeros(bm);
  const metrics = bmKind.statistics(bm)(state, { positive, negative, clampedStates: Matrix.zeros(1, n) }, gradient);
  const stats: BmStatistics = {
    model: bm,
    state,
    batch: { data: Matrix.zeros(1, 2), epoch: 0, index: 0, batchesPerEpoch: 1, step: 0 },
    gradient,
    metrics,
  };
  const e = await lastValueFrom(of(stats).pipe(applyUpdate(encoderUpdate())));
  t.deepEqual(Array.from(e.params.weights.data), [0, 0, 2, 0, 0, -2, 2, -2, 0]);
  t.deepEqual(Array.from(e.params.bias), [0, 2, -2], 'biases: equal means no step, +1/80 a step of +2');
});

test('every weight and bias starts at 0: after the first cycle each is exactly −2, 0 or +2 (random initial weights are an option)', async (t) => {
  const first = await lastValueFrom(trainEncoder({ visible: 4, hidden: 2, seed: 3, maxCycles: 1 }).pipe(last()));
  const p = first.model.params;
  for (const v of [...p.weights.data, ...p.bias]) t.true(v === -2 || v === 0 || v === 2, `${v}`);
  t.true(p.weights.data.some((v) => v !== 0));
  const random = await lastValueFrom(trainEncoder({ visible: 4, hidden: 2, seed: 3, maxCycles: 1, weightStd: 0.5 }).pipe(last()));
  t.true(random.model.params.weights.data.some((v) => v !== -2 && v !== 0 && v !== 2));
});

test("trainEncoder's defaults are the 1985 protocol: the same weights, cycle by cycle, as the four operators given it explicitly (2 clamped and 2 free annealings per pattern, random probes, noise 0.15/0.05, ±2 wherever p⁺ ≠ p⁻, weights from 0)", async (t) => {
  const cycles = 5,
    patterns = encoderPatterns(4);
  const runs = await lastValueFrom(trainEncoder({ visible: 4, hidden: 2, seed: 11, maxCycles: cycles }).pipe(toArray()));
  const bm = createBm({ nVisible: 8, nHidden: 2, seed: 11, mask: encoderMask(4, 2, 4) });
  const schedule = { anneal: [...ENCODER_ANNEAL], temperature: 10, k: 10, probes: 'random' as const };
  const batches = Array.from({ length: cycles }, (_, step) => ({ data: patterns, epoch: step, index: 0, batchesPerEpoch: 1, step }));
  const explicit = await lastValueFrom(
    from(batches).pipe(
      clampVisible<Bm>(bm, { ...schedule, noise: { on: 0.15, off: 0.05 }, repeats: 2 }),
      gibbsStep({ ...schedule, chains: 'random', nChains: 8 }),
      collectStats(),
      applyUpdate({ rule: 'sign', stepSize: 2, threshold: 0 }),
      toArray(),
    ),
  );
  t.is(runs.length, cycles);
  t.deepEqual(Array.from(runs[cycles - 1].model.params.weights.data), Array.from(explicit[cycles - 1].params.weights.data));
  t.deepEqual(Array.from(runs[cycles - 1].model.params.bias), Array.from(explicit[cycles - 1].params.bias));
});

test('--weight-decay shrinks the weights (not the biases) by its fraction of themselves each cycle, besides the ±2 step; the paper has none', async (t) => {
  const o = encoderOptions(encoderFlagsSchema.parse({ 'weight-decay': 0.25 }), 4, 2);
  t.is(o.weightDecay, 0.25);
  t.is(encoderOptions(encoderFlagsSchema.parse({}), 4, 2).weightDecay, 0);
  // The first cycle starts from 0 (nothing to shrink), so both runs take the same samples and steps on the second.
  const run = (weightDecay: number) =>
    lastValueFrom(
      trainEncoder({ ...o, weightDecay, visible: 4, hidden: 2, seed: 5, maxCycles: 2 }).pipe(
        map((e) => ({ weights: Array.from(e.model.params.weights.data), bias: Array.from(e.model.params.bias) })), // copies: the model learns in place
        toArray(),
      ),
    );
  const [plain, decayed] = [await run(0), await run(0.25)];
  t.deepEqual(decayed[0], plain[0]);
  t.true(plain[0].weights.some((w) => w !== 0));
  t.deepEqual(
    decayed[1].weights.map((w, i) => w - plain[1].weights[i]),
    plain[0].weights.map((w) => (w === 0 ? 0 : -0.25 * w)),
  );
  t.deepEqual(decayed[1].bias, plain[1].bias);
});
