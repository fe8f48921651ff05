import type { Backend } from '../kernels/Backend.js';
import { Rng } from '../kernels/Rng.js';
import { copyOffsets, type CenteringOffsets } from './centering.js';
import type { AnyKind, ModelKind } from './ModelKind.js';

/** Where a run stands: `step` updates done; the next minibatch is number `index` of epoch `epoch`. */
export interface RunCounters {
  step: number;
  epoch: number;
  index: number;
}

/**
 * The whole state of one training run, for a model `M` with parameter-shaped buffers `G` and
 * persistent chains `C` (see `TrainingState` for the kinds' own): the model (its parameters, its
 * backend and the run's generator), the optimiser's velocity, the persistent chains with whatever
 * the sampler keeps, and the counters. The four operators read and write it and nothing else;
 * `clampVisible` makes one per subscription (two subscriptions never share one); a snapshot is
 * this state encoded, and resuming is starting from it.
 */
export interface RunState<M, G, C> {
  /** The model kind that knows the phases of `model`. */
  readonly kind: AnyKind;
  /** The run's own model: parameters and generator are written by the run. */
  readonly model: M;
  /** The optimiser's velocity; null before the first update. */
  velocity: G | null;
  /** Persistent chains (PCD) with what the sampler keeps; null when chains restart each minibatch. */
  chains: C | null;
  /** A centered RBM's offsets (`trainConfig.centering`): absent when the run does not centre its gradient. */
  offsets?: CenteringOffsets;
  counters: RunCounters;
}

/** A fresh state for `model`: its own copy of the parameters and generator, no velocity, no chains, at step 0. */
export function startState<M, G, C>(kind: AnyKind, model: M): RunState<M, G, C> {
  return { kind, model: kind.copy(model) as M, velocity: null, chains: null, counters: { step: 0, epoch: 0, index: 0 } };
}

/** A deep copy of a state (model, velocity, chains, offsets, counters): the copy and the original never share a buffer. */
export function copyState<M, G, C>(state: RunState<M, G, C>): RunState<M, G, C> {
  const { kind } = state;
  const model = kind.copy(state.model) as M;
  let velocity: G | null = null;
  if (state.velocity) {
    velocity = kind.zeros(model) as G;
    const to = kind.tensors(model, velocity),
      from = kind.tensors(state.model, state.velocity);
    to.forEach((t, i) => t.set(from[i]));
  }
  const chains = state.chains ? (kind.copyChains(state.chains) as C) : null;
  return {
    kind,
    model,
    velocity,
    chains,
    ...(state.offsets ? { offsets: copyOffsets(state.offsets) } : {}),
    counters: { ...state.counters },
  };
}

/**
 * A run's state from what its kind saved (`kind.save`, the arrays of a snapshot), the generator's
 * state words and the counters: every array the run's own copy (the weights in `backend`'s memory
 * where the kind has one), so that resuming it continues the saved run bit for bit.
 */
export function restoreRun<M, G, C, S>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  kind: ModelKind<M, any, G, any, any, C, any, S>,
  saved: S,
  run: { readonly rng: readonly number[]; readonly counters: RunCounters; readonly backend?: Backend },
): RunState<M, G, C> {
  return copyState({ kind, ...kind.view(saved, Rng.fromState(run.rng), run.backend), counters: run.counters });
}
