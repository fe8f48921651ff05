import test from 'ava';
import { from, lastValueFrom, map, tap, toArray, type OperatorFunction } from 'rxjs';
import type { Matrix } from '../kernels/Matrix.js';
import { createBm, type Bm } from '../models/bm.js';
import { createDbm, type Dbm } from '../models/dbm.js';
import { kindOf, type AnyModel, type TrainingState } from '../models/modelKinds.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import type { Minibatch, StepEvent } from '../operators/phases.js';
import { trainDbn } from '../pipelines/trainDbn.js';
import { dbmConfigSchema } from '../schemas/dbmConfig.js';
import { decodeModelSnapshot, encodeModelSnapshot, type BmSnapshot, type DbmSnapshot, type DbnSnapshot } from '../schemas/modelSnapshot.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { bmSnapshot, dbmSnapshot, dbnSnapshot } from '../sinks/stateSnapshot.js';
import { minibatches } from '../sources/minibatches.js';
import { bmSnapshotState, dbmSnapshotState } from '../sources/restoreState.js';
import { binaryData } from './helpers.js';

// Snapshots (encoded and decoded, as on disk) carry everything a run needs to go on bit for bit:
// a general BM's and a DBM's velocity (momentum) and persistent chains, and a DBN's layer in
// training. Each resumed run is held to the run straight through, byte for byte, and the snapshot
// is checked to hold a non-zero velocity and the chains (so that a field left out cannot pass
// unnoticed, as it would for a run without momentum or with chains restarting).

const data = binaryData(40, 6, 3);
const info = { name: 'test', rows: data.rows, imageShape: null, binarize: 'none' as const };
const batches = (start = { epoch: 0, index: 0 }) => from(minibatches(data, { batchSize: 10, epochs: 3, seed: 7, start }));
const roundTrip = <S>(snap: unknown): S => decodeModelSnapshot(encodeModelSnapshot(snap as never), 'test') as S;

function steps<M extends AnyModel>(start: M | TrainingState<M>, clamp?: object): OperatorFunction<Minibatch, StepEvent<M>> {
  return (source) =>
    source.pipe(
      clampVisible<M>(start, clamp as never),
      gibbsStep<M>({ k: 2, chains: 'persistent', nChains: 5 }),
      collectStats<M>(),
      applyUpdate<M>({ learningRate: 0.05, momentum: 0.5, weightDecay: 1e-3 }),
    );
}

/** Parameters, velocity, chains and generator of a state, as bytes. */
function fingerprint<M extends AnyModel>(state: TrainingState<M>): Buffer[] {
  const kind = kindOf(state.model);
  const bytes = (a: Float32Array | Uint32Array) => Buffer.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const chains = Object.values((state.chains ?? {}) as Record<string, Matrix | readonly Matrix[]>).flatMap((c) =>
    Array.isArray(c) ? c : [c as Matrix],
  );
  return [
    ...kind.tensors(state.model, kind.params(state.model)).map(bytes),
    ...(state.velocity ? kind.tensors(state.model, state.velocity).map(bytes) : []),
    ...chains.map((m) => bytes(m.data)),
    bytes(Uint32Array.from((state.model as { rng: { state(): Uint32Array } }).rng.state())),
  ];
}

const nonZero = (arrays: readonly Float32Array[]) => arrays.some((a) => a.some((x) => x !== 0));

async function resumeTest<M extends AnyModel, S>(
  make: () => M,
  clamp: object,
  save: (e: StepEvent<M>) => S,
  check: (snap: S) => void,
  restore: (snap: S) => TrainingState<M>,
): Promise<{ a: Buffer[]; b: Buffer[] }> {
  let snap: S | null = null;
  const straight = await lastValueFrom(
    batches().pipe(
      steps(make(), clamp),
      tap((e) => e.step === 5 && (snap = roundTrip<S>(save(e)))),
      toArray(),
    ),
  );
  check(snap!);
  const state = restore(snap!);
  const resumed = await lastValueFrom(batches(state.counters).pipe(steps(state, clamp), toArray()));
  return { a: fingerprint(straight.at(-1)!.state), b: fingerprint(resumed.at(-1)!.state) };
}

test('a general BM with momentum and persistent chains resumed from its snapshot at step 5 ends with the same bytes as the run straight through', async (t) => {
  const { a, b } = await resumeTest<Bm, BmSnapshot>(
    () => createBm({ nVisible: 6, nHidden: 2, seed: 1, weightStd: 0.1 }),
    { k: 2, repeats: 1 },
    (e) => bmSnapshot(e, {}),
    (snap) => {
      t.true(snap.velocity !== null && nonZero([snap.velocity.weights, snap.velocity.bias]), 'the snapshot holds the velocity');
      t.is(snap.chains?.rows, 5, 'the snapshot holds the 5 chains');
    },
    bmSnapshotState,
  );
  t.is(a.length, b.length);
  a.forEach((x, i) => t.true(x.equals(b[i]), `array ${i} differs`));
});

test('a DBM with momentum and persistent chains resumed from its snapshot at step 5 ends with the same bytes as the run straight through', async (t) => {
  const config = dbmConfigSchema.parse({});
  const { a, b } = await resumeTest<Dbm, DbmSnapshot>(
    () => createDbm({ sizes: [6, 4, 3], seed: 1 }),
    { tolerance: 1e-3 },
    (e) => dbmSnapshot(e, config, info),
    (snap) => {
      t.true(snap.velocity !== null && nonZero([...snap.velocity.weights, ...snap.velocity.biases]), 'the snapshot holds the velocity');
      t.is(snap.chains?.layers.length, 3, 'the snapshot holds the chains of every layer');
    },
    (snap) => dbmSnapshotState(snap),
  );
  t.is(a.length, b.length);
  a.forEach((x, i) => t.true(x.equals(b[i]), `array ${i} differs`));
});

test('a DBN resumed from its snapshot mid-way through its second layer continues that layer from the step after the snapshot (not from its start) and ends with the same bytes', async (t) => {
  const layers = [
    trainConfigSchema.parse({ nHidden: 4, batchSize: 10, epochs: 2 }),
    trainConfigSchema.parse({ nHidden: 3, batchSize: 10, epochs: 2 }),
  ];
  let snap: DbnSnapshot | null = null;
  const weights = (e: { model: { params: { weights: Matrix } } }) => Array.from(e.model.params.weights.data);
  const straight = await lastValueFrom(
    trainDbn({ data, layers }).pipe(
      tap((e) => e.totalStep === 11 && (snap = roundTrip<DbnSnapshot>(dbnSnapshot(e, layers, info)))),
      map((e) => ({ layer: e.layer, step: e.step, totalStep: e.totalStep, weights: weights(e) })),
      toArray(),
    ),
  );
  t.is(snap!.trained.length, 1, 'the snapshot is in the second layer');
  const resumed = await lastValueFrom(
    trainDbn({ data, layers: [], resume: snap! }).pipe(
      map((e) => ({ layer: e.layer, step: e.step, totalStep: e.totalStep, weights: weights(e) })),
      toArray(),
    ),
  );
  t.deepEqual(
    resumed.map((e) => e.totalStep),
    straight.slice(11).map((e) => e.totalStep),
    'the resumed run makes the steps after the snapshot, once each',
  );
  t.deepEqual(resumed.at(-1), straight.at(-1));
});
