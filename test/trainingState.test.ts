import test from 'ava';
import { defer, from, lastValueFrom, take, tap, toArray, type OperatorFunction } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { createBm } from '../models/bm.js';
import { createDbm } from '../models/dbm.js';
import { kindOf, trainingState, type AnyModel, type TrainingState } from '../models/modelKinds.js';
import { createRbm } from '../models/rbm.js';
import { copyState } from '../models/trainingState.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import type { Minibatch, StepEvent } from '../operators/phases.js';
import { minibatches } from '../sources/minibatches.js';
import { ENCODER_RECALL_VARIANT, trainEncoder, type EncoderOptions } from '../pipelines/trainEncoder.js';
import { decodeModelSnapshot, encodeModelSnapshot, type DbnSnapshot } from '../schemas/modelSnapshot.js';
import { dbnSnapshot, encoderSnapshot } from '../sinks/stateSnapshot.js';
import { trainDbn } from '../pipelines/trainDbn.js';
import { toSnapshot } from '../sinks/stateSnapshot.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { decodeSnapshot } from '../schemas/snapshot.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { binaryData, bytesOf } from './helpers.js';

const data = binaryData(40, 6, 3);
const batches = (start = { epoch: 0, index: 0 }) => from(minibatches(data, { batchSize: 10, epochs: 3, seed: 7, start }));

/** The four operators for a model kind, with PCD (chains kept in the state) and momentum (velocity kept in the state). */
function steps<M extends AnyModel>(from: M | TrainingState<M>, clamp?: object): OperatorFunction<Minibatch, StepEvent<M>> {
  return (source) =>
    source.pipe(
      clampVisible<M>(from, clamp as never),
      gibbsStep<M>({ k: 2, chains: 'persistent', nChains: 5 }),
      collectStats<M>(),
      applyUpdate<M>({ learningRate: 0.05, momentum: 0.5, weightDecay: 1e-3 }),
    );
}

/** Every array of a state, as bytes: parameters, velocity, chains, generator. */
function fingerprint<M extends AnyModel>(state: TrainingState<M>): Buffer[] {
  const kind = kindOf(state.model);
  const chains = state.chains as Record<string, Matrix | readonly Matrix[] | null> | null;
  const chainArrays = chains ? Object.values(chains).flatMap((c) => (c === null ? [] : Array.isArray(c) ? c : [c as Matrix])) : [];
  return [
    ...kind.tensors(state.model, kind.params(state.model)).map(bytesOf),
    ...(state.velocity ? kind.tensors(state.model, state.velocity).map(bytesOf) : []),
    ...chainArrays.map((m) => bytesOf(m.data)),
    Buffer.from(Uint32Array.from((state.model as { rng: { state(): Uint32Array } }).rng.state()).buffer),
  ];
}

const kinds: [string, () => AnyModel, object | undefined][] = [
  ['rbm', () => createRbm({ nVisible: 6, nHidden: 4, seed: 1, weightStd: 0.1 }), undefined],
  [
    'gaussian rbm with a learned variance',
    () => createRbm({ nVisible: 6, nHidden: 4, seed: 1, weightStd: 0.1, visibleUnits: { type: 'gaussian', learnVariance: true } }),
    undefined,
  ],
  ['general bm', () => createBm({ nVisible: 6, nHidden: 2, seed: 1, weightStd: 0.1 }), { k: 2, repeats: 1 }],
  ['dbm', () => createDbm({ sizes: [6, 4, 3], seed: 1 }), { tolerance: 1e-3 }],
];

for (const [name, make, clamp] of kinds) {
  test(`${name}: a run restarted from a copy of its state after 5 steps ends with the same bytes as the run straight through (parameters, velocity, chains, generator)`, async (t) => {
    const straight = await lastValueFrom(batches().pipe(steps(make(), clamp), toArray()));
    let saved: TrainingState<AnyModel> | null = null;
    await lastValueFrom(
      batches().pipe(
        steps(make(), clamp),
        take(5),
        tap((e) => (saved = copyState(e.state))),
        toArray(),
      ),
    );
    const state = saved!;
    t.deepEqual(state.counters, { step: 5, epoch: 1, index: 1 }, 'the counters say where the run stands: 4 minibatches an epoch');
    const resumed = await lastValueFrom(batches(state.counters).pipe(steps(state, clamp), toArray()));
    t.is(resumed.length, straight.length - 5);
    const a = fingerprint(straight[straight.length - 1].state),
      b = fingerprint(resumed[resumed.length - 1].state);
    t.true(a.length >= 5, `${a.length} arrays compared`);
    a.forEach((bytes, i) => t.true(bytes.equals(b[i]), `array ${i} differs`));
    t.is(resumed[0].step, 6);
  });

  test(`${name}: two subscriptions of one pipeline train two models from the same start, and the model given is never written`, async (t) => {
    const model = make();
    const before = fingerprint(trainingState(model));
    const pipeline = defer(() => batches()).pipe(steps(model, clamp));
    const [one, two] = await Promise.all([lastValueFrom(pipeline.pipe(toArray())), lastValueFrom(pipeline.pipe(toArray()))]);
    const x = one[one.length - 1],
      y = two[two.length - 1];
    t.not(x.state, y.state);
    t.not(x.model, y.model);
    t.not(x.model, model);
    fingerprint(x.state).forEach((bytes, i) => t.true(bytes.equals(fingerprint(y.state)[i]), `array ${i}: the runs are the same`));
    fingerprint(trainingState(model)).forEach((bytes, i) => t.true(bytes.equals(before[i]), `array ${i} of the model given was written`));
    t.false(fingerprint(x.state)[0].equals(before[0]), "training moved the run's own weights");
  });
}

test('the encoder resumed from its snapshot (encoded and decoded) at cycle 50, one recall test passed, continues as the run straight through: the same recall tests, passes, solution and weights, bit for bit', async (t) => {
  const options = { visible: 4, hidden: 2, seed: 4, maxCycles: 80, checkEvery: 5, ...ENCODER_RECALL_VARIANT }; // passes its first recall test at cycle 50, its second at 55
  let bytes: Uint8Array | null = null; // encoded during the run: an event's state is the live one, valid until the next cycle
  const straight = await lastValueFrom(
    trainEncoder(options).pipe(
      tap((e) => e.cycle === 50 && (bytes = encodeModelSnapshot(encoderSnapshot(e, options)))),
      toArray(),
    ),
  );
  if (!bytes) return t.fail('no snapshot at cycle 50');
  const snap = decodeModelSnapshot(bytes, 'encoder snapshot');
  if (snap.model !== 'bm') return t.fail(`a ${snap.model} snapshot`);
  const resumed = await lastValueFrom(trainEncoder({ ...(snap.config as unknown as EncoderOptions), resume: snap }).pipe(toArray()));
  const rest = straight.slice(50);
  t.is(resumed.length, rest.length);
  t.true(
    rest.some((e) => e.recovered !== null),
    'recall tests happen after the snapshot',
  );
  t.deepEqual(
    resumed.map((e) => [e.cycle, e.recovered, e.passes, e.solved]),
    rest.map((e) => [e.cycle, e.recovered, e.passes, e.solved]),
  );
  const [a, b] = [straight[straight.length - 1], resumed[resumed.length - 1]];
  t.true(bytesOf(a.model.params.weights.data).equals(bytesOf(b.model.params.weights.data)));
  t.deepEqual(Array.from(a.model.rng.state()), Array.from(b.model.rng.state()));
});

test('a classification RBM (a one-of-K label group beside the data) resumed from its encoded snapshot ends with the same bytes as the run straight through', async (t) => {
  const rows = 40,
    width = 6,
    classes = 3;
  const x = binaryData(rows, width, 5);
  const labelled = Matrix.zeros(rows, width + classes);
  for (let r = 0; r < rows; r++) {
    labelled.row(r).set(x.row(r));
    labelled.data[r * (width + classes) + width + (r % classes)] = 1;
  }
  const visibleUnits = { type: 'bernoulli' as const, softmaxGroups: [{ start: width, size: classes }] };
  const config = { nHidden: 5, batchSize: 10, epochs: 3, method: 'pcd' as const, momentum: 0.5 };
  const info = { name: 'test', rows, imageShape: null, binarize: 'none' as const };
  let saved: Uint8Array | null = null;
  const straight = await lastValueFrom(
    trainRbm({ data: labelled, config, visibleUnits }).pipe(
      tap((e) => e.step === 5 && (saved = encodeModelSnapshot(toSnapshot(e, trainConfigSchema.parse(config), info)))),
      toArray(),
    ),
  );
  if (!saved) return t.fail('no snapshot at step 5');
  const snap = decodeSnapshot(saved, 'classification RBM snapshot');
  t.deepEqual(snap.visibleUnits, visibleUnits, 'the label group is saved');
  const resumed = await lastValueFrom(trainRbm({ data: labelled, resume: snap }).pipe(toArray()));
  t.is(resumed.length, straight.length - 5);
  const a = fingerprint(straight[straight.length - 1].state as TrainingState<AnyModel>),
    b = fingerprint(resumed[resumed.length - 1].state as TrainingState<AnyModel>);
  a.forEach((bytes, i) => t.true(bytes.equals(b[i]), `array ${i} differs`));
});

test('an encoder snapshot of its solving cycle resumes solved: no more cycles', async (t) => {
  const options = { visible: 4, hidden: 2, seed: 4, maxCycles: 80, checkEvery: 5, ...ENCODER_RECALL_VARIANT };
  let bytes: Uint8Array | null = null;
  const straight = await lastValueFrom(
    trainEncoder(options).pipe(
      tap((e) => e.solved && (bytes = encodeModelSnapshot(encoderSnapshot(e, options)))),
      toArray(),
    ),
  );
  t.true(straight[straight.length - 1].solved);
  if (!bytes) return t.fail('no snapshot of the solving cycle');
  const snap = decodeModelSnapshot(bytes, 'encoder snapshot');
  if (snap.model !== 'bm') return t.fail(snap.model);
  t.deepEqual(await lastValueFrom(trainEncoder({ ...options, resume: snap }).pipe(toArray())), []);
});

test('a DBN snapshot whose trained layer has a short log-variance, or a layer size other than its config says, is refused naming the field', async (t) => {
  const x = binaryData(20, 6, 2);
  const layers = [
    trainConfigSchema.parse({ nHidden: 4, batchSize: 10, visibleUnits: 'gaussian', learnVariance: true, learningRate: 0.001 }),
    trainConfigSchema.parse({ nHidden: 3, batchSize: 10 }),
  ];
  const info = { name: 'test', rows: 20, imageShape: null, binarize: 'none' as const };
  let good: DbnSnapshot | null = null;
  await lastValueFrom(
    trainDbn({ data: x, layers }).pipe(
      tap(
        (e) =>
          e.layer === 1 && !good && (good = decodeModelSnapshot(encodeModelSnapshot(dbnSnapshot(e, layers, info)), 'dbn') as DbnSnapshot),
      ),
      toArray(),
    ),
  );
  const snap = good as DbnSnapshot | null;
  if (!snap) return t.fail('no snapshot in the second layer');
  t.is(snap.trained[0].logVariance?.length, 6);
  const bad = (trained: DbnSnapshot['trained'][number]) => () =>
    decodeModelSnapshot(encodeModelSnapshot({ ...snap, trained: [trained] }), 'dbn');
  t.throws(bad({ ...snap.trained[0], logVariance: new Float32Array(2) }), { message: /trained\.0\.logVariance/ });
  t.throws(bad({ ...snap.trained[0], logVariance: new Float32Array(6).fill(NaN) }), { message: /trained\.0\.logVariance.*finite/ });
  t.throws(bad({ ...snap.trained[0], nHidden: 5, weights: new Float32Array(30), hiddenBias: new Float32Array(5) }), {
    message: /trained\.0\.nHidden/,
  });
});
