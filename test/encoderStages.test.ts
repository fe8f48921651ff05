import test from 'ava';
import { from, last, lastValueFrom, map, tap, toArray } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { createBm, encoderMask, type Bm } from '../models/bm.js';
import { trainingState, type TrainingState } from '../models/modelKinds.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import { encoderOptions } from '../cli/encoder.js';
import { ENCODER_40_STAGES, ENCODER_ANNEAL, encoderPatterns, trainEncoder } from '../pipelines/trainEncoder.js';
import { decodeModelSnapshot, encodeModelSnapshot } from '../schemas/modelSnapshot.js';
import { encoderFlagsSchema } from '../schemas/encoderFlags.js';
import { encoderSnapshot } from '../sinks/stateSnapshot.js';

const V = 4,
  H = 2,
  n = 2 * V + H;
const isVH = (k: number) => Math.floor(k / n) >= 2 * V !== k % n >= 2 * V;
const noise = { on: 0.15, off: 0.05 };
const stages = [{ cycles: 3, hiddenConnected: false, noise: { on: 0, off: 0 } }, { noise }];
const weights = (e: { model: Bm }) => Array.from(e.model.params.weights.data);

test("stages: H unconnected holds every V–H weight and H's biases at 0 while V–V weights learn; connected again, they move; the same weights, cycle by cycle, as the four operators run stage by stage", async (t) => {
  const hiddenBias: number[][] = [];
  const staged = await lastValueFrom(
    trainEncoder({ visible: V, hidden: H, seed: 4, maxCycles: 6, stages }).pipe(
      tap((e) => hiddenBias.push(Array.from(e.model.params.bias.subarray(2 * V)))),
      map((e) => ({ cycle: e.cycle, weights: weights(e) })),
      toArray(),
    ),
  );
  for (const e of staged.slice(0, 3))
    t.true(
      e.weights.every((w, k) => !isVH(k) || w === 0),
      `cycle ${e.cycle}`,
    );
  t.deepEqual(
    hiddenBias.slice(0, 3),
    [0, 1, 2].map(() => [0, 0]),
  );
  t.true(
    hiddenBias.slice(3).some((b) => b.some((x) => x !== 0)),
    "H's biases learn once connected",
  );
  t.true(staged[2].weights.some((w, k) => !isVH(k) && w !== 0));
  t.true(staged[5].weights.some((w, k) => isVH(k) && w !== 0));
  // The same by hand: stage 1 on a BM without V–H links, exact clamping; stage 2 from its state with them, noisy clamping.
  const patterns = encoderPatterns(V);
  const schedule = { anneal: [...ENCODER_ANNEAL], temperature: 10, k: 10, probes: 'random' as const };
  const stage = (from: Bm | TrainingState<Bm>, first: number, cycles: number, clampNoise: { on: number; off: number }) =>
    lastValueFrom(
      fromCycles(first, cycles).pipe(
        clampVisible<Bm>(from, { ...schedule, noise: clampNoise, repeats: 2 }),
        gibbsStep({ ...schedule, chains: 'random', nChains: 2 * V }),
        collectStats(),
        applyUpdate({ rule: 'sign', stepSize: 2, threshold: 0 }),
        map((e) => ({ cycle: e.step, weights: Array.from(e.params.weights.data), state: e.state })),
        toArray(),
      ),
    );
  const fromCycles = (first: number, cycles: number) =>
    from(Array.from({ length: cycles }, (_, i) => ({ data: patterns, epoch: first + i, index: 0, batchesPerEpoch: 1, step: first + i })));
  const full = encoderMask(V, H, V);
  const bm = createBm({ nVisible: 2 * V, nHidden: H, seed: 4, mask: full.map((m, k) => (isVH(k) ? 0 : m)) });
  const first = await stage(bm, 0, 3, { on: 0, off: 0 });
  const connected = trainingState(first[2].state);
  connected.model.params.mask.set(full);
  connected.model.params.bias.fill(0, 2 * V); // H unconnected had no bias either: the rule moved it, nothing read it
  const second = await stage(connected, 3, 3, noise);
  t.deepEqual(
    staged,
    [...first, ...second].map(({ cycle, weights }) => ({ cycle, weights })),
  );
});

test('snapshots taken in the unconnected stage and after it resume, across the stage boundary, to the same weights as the run straight through', async (t) => {
  const options = { visible: V, hidden: H, seed: 4, maxCycles: 6, stages };
  const bytes = new Map<number, Uint8Array>();
  const straight = await lastValueFrom(
    trainEncoder(options).pipe(
      tap((e) => [1, 3, 4].includes(e.cycle) && bytes.set(e.cycle, encodeModelSnapshot(encoderSnapshot(e, options)))),
      map(weights),
      toArray(),
    ),
  );
  for (const at of [1, 3, 4]) {
    const snap = decodeModelSnapshot(bytes.get(at)!, 'encoder snapshot');
    if (snap.model !== 'bm') return t.fail(`a ${snap.model} snapshot`);
    const resumed = await lastValueFrom(trainEncoder({ ...options, resume: snap }).pipe(map(weights), toArray()));
    t.deepEqual(resumed, straight.slice(at), `resumed after cycle ${at}`);
  }
});

test('stopWhenSolved: false runs every cycle, the solving cycle still the first one (seed 2 solves at 60, kept to 80)', async (t) => {
  const options = { visible: V, hidden: H, seed: 2, maxCycles: 120 };
  const stopping = await lastValueFrom(trainEncoder(options).pipe(last()));
  const going = await lastValueFrom(trainEncoder({ ...options, stopWhenSolved: false }).pipe(last()));
  t.is(stopping.solvedAt, 60);
  t.is(stopping.cycle, 80);
  t.is(going.cycle, 120);
  t.is(going.solvedAt, 60);
  t.true(going.solved);
});

test("40-10-40's defaults are the paper's Figure 5: 300 cycles unconnected, noise 0.1/0.0025 to cycle 800, then exact; one presentation; runs go on once solved; other shapes keep noise throughout", (t) => {
  const forty = encoderOptions(encoderFlagsSchema.parse({}), 40, 10);
  t.deepEqual(forty.stages, ENCODER_40_STAGES);
  t.is(forty.repeats, 1);
  t.false(forty.stopWhenSolved);
  const four = encoderOptions(encoderFlagsSchema.parse({}), 4, 2);
  t.deepEqual(four.stages, [{ noise: { on: 0.15, off: 0.05 } }]);
  t.is(four.repeats, 2);
  t.true(four.stopWhenSolved);
  const asked = encoderOptions(encoderFlagsSchema.parse({ unconnected: 10, 'noise-until': 30, 'noise-on': 0.2, stop: 'end' }), 8, 3);
  t.deepEqual(asked.stages, [
    { cycles: 10, hiddenConnected: false, noise: { on: 0, off: 0 } },
    { cycles: 20, noise: { on: 0.2, off: 0.02 } },
    { noise: { on: 0, off: 0 } },
  ]);
  t.false(asked.stopWhenSolved);
  const e = t.throws(() => encoderOptions(encoderFlagsSchema.parse({ unconnected: 300, 'noise-until': 200 }), 4, 2), {
    instanceOf: BoltzflowError,
  });
  t.is(e?.message, '--noise-until: got 200, expected a cycle after the 300 unconnected ones (--unconnected)');
  // 40-10-40's default end of the noise is not the user's: the flag they gave is named.
  const d = t.throws(() => encoderOptions(encoderFlagsSchema.parse({ unconnected: 900 }), 40, 10), { instanceOf: BoltzflowError });
  t.is(
    d?.message,
    "--unconnected: got 900, expected fewer than 800, the cycle 40-10-40's noisy clamping ends by default (or pass --noise-until)",
  );
});

test('stages are checked: every stage but the last needs a whole number of cycles ≥ 1, named by its index', (t) => {
  for (const cycles of [2.5, -3, 0, undefined]) {
    const e = t.throws(() => trainEncoder({ visible: V, hidden: H, seed: 1, stages: [{ cycles, hiddenConnected: false }, {}] }), {
      instanceOf: BoltzflowError,
    });
    t.regex(e?.message ?? '', /^stages\[0\]\.cycles: got .*, expected a whole number of cycles ≥ 1/);
  }
});
