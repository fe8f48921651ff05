import test from 'ava';
import { from, lastValueFrom, tap, toArray, type OperatorFunction } from 'rxjs';
import type { Matrix } from '../kernels/Matrix.js';
import { createBm } from '../models/bm.js';
import { createDbm } from '../models/dbm.js';
import { kindOf, type AnyModel, type TrainingState } from '../models/modelKinds.js';
import { createRbm } from '../models/rbm.js';
import { copyState } from '../models/trainingState.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import type { Minibatch, StepEvent } from '../operators/phases.js';
import { minibatches } from '../sources/minibatches.js';
import { binaryData } from './helpers.js';

// copyState while the run goes on: the copy shares no buffer with the running state (parameters,
// velocity, chains with the sampler's hidden states, generator), so that the run writing its own
// buffers after the copy changes nothing in it, and a run resumed from it ends as the run straight
// through. (trainingState.test.ts copies at the last step of a run that stops there, which cannot
// see a buffer shared with the original.)

const data = binaryData(40, 6, 3);
const batches = (start = { epoch: 0, index: 0 }) => from(minibatches(data, { batchSize: 10, epochs: 3, seed: 7, start }));

function steps<M extends AnyModel>(start: M | TrainingState<M>, clamp?: object): OperatorFunction<Minibatch, StepEvent<M>> {
  return (source) =>
    source.pipe(
      clampVisible<M>(start, clamp as never),
      gibbsStep<M>({ k: 2, chains: 'persistent', nChains: 5, keepHidden: true }), // an RBM's chains keep their hidden states: one more matrix to copy
      collectStats<M>(),
      applyUpdate<M>({ learningRate: 0.05, momentum: 0.5, weightDecay: 1e-3 }),
    );
}

/** Every array of a state, copied out as bytes: parameters, velocity, chains (all their matrices), generator. */
function frozen<M extends AnyModel>(state: TrainingState<M>): Buffer[] {
  const kind = kindOf(state.model);
  const copy = (a: Float32Array | Uint32Array) => Buffer.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const chains = Object.values((state.chains ?? {}) as Record<string, Matrix | readonly Matrix[] | null>).flatMap((c) =>
    c === null ? [] : Array.isArray(c) ? c : [c as Matrix],
  );
  return [
    ...kind.tensors(state.model, kind.params(state.model)).map(copy),
    ...(state.velocity ? kind.tensors(state.model, state.velocity).map(copy) : []),
    ...chains.map((m) => copy(m.data)),
    copy(Uint32Array.from((state.model as { rng: { state(): Uint32Array } }).rng.state())),
  ];
}

const kinds: [string, () => AnyModel, object | undefined, number][] = [
  ['rbm', () => createRbm({ nVisible: 6, nHidden: 4, seed: 1, weightStd: 0.1 }), undefined, 2],
  [
    'gaussian rbm with a learned variance',
    () => createRbm({ nVisible: 6, nHidden: 4, seed: 1, weightStd: 0.1, visibleUnits: { type: 'gaussian', learnVariance: true } }),
    undefined,
    2,
  ],
  ['general bm', () => createBm({ nVisible: 6, nHidden: 2, seed: 1, weightStd: 0.1 }), { k: 2, repeats: 1 }, 1],
  ['dbm', () => createDbm({ sizes: [6, 4, 3], seed: 1 }), { tolerance: 1e-3 }, 3],
];

for (const [name, make, clamp, nChainArrays] of kinds)
  test(`${name}: a copy of the state taken at step 5 of a run that goes on is untouched by the run's later steps, and resuming from it ends with the straight run's bytes`, async (t) => {
    let copy: TrainingState<AnyModel> | null = null;
    let atCopy: Buffer[] = [];
    const straight = await lastValueFrom(
      batches().pipe(
        steps(make(), clamp),
        tap((e) => {
          if (e.step !== 5) return;
          copy = copyState(e.state);
          atCopy = frozen(copy);
        }),
        toArray(),
      ),
    );
    const state: TrainingState<AnyModel> = copy!;
    const chains = Object.values(state.chains as object)
      .filter((c) => c !== null)
      .flat().length;
    t.is(chains, nChainArrays, 'the copy holds every chain matrix (an RBM its hidden states too)');
    frozen(state).forEach((bytes, i) => t.true(bytes.equals(atCopy[i]), `array ${i} of the copy was written by the run after the copy`));
    const resumed = await lastValueFrom(batches(state.counters).pipe(steps(state, clamp), toArray()));
    const a = frozen(straight[straight.length - 1].state),
      b = frozen(resumed[resumed.length - 1].state);
    t.is(a.length, b.length);
    a.forEach((bytes, i) => t.true(bytes.equals(b[i]), `array ${i}: resumed from the copy differs from straight through`));
  });
