import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import type { Rng } from '../kernels/Rng.js';
import type { AnnealSchedule, SweepProbes } from './bm.js';
import type { RunState } from './trainingState.js';

/**
 * How the negative phase samples, as the kinds receive it (`gibbsStep`'s options, parsed): k
 * steps or sweeps at `temperature` after an optional annealing, chains started at the data, kept
 * (PCD), kept with tempered replicas (RBM parallel tempering) or random.
 */
export interface SamplerOptions {
  readonly k: number;
  readonly chains: 'data' | 'persistent' | 'tempered' | 'random';
  readonly temperature: number;
  readonly anneal?: AnnealSchedule;
  readonly nChains?: number;
  /** RBM persistent chains: keep the hidden states between steps (default false; see `gibbsStep`). */
  readonly keepHidden?: boolean;
  /** General BM: what a sweep is (`annealStates`). */
  readonly probes?: SweepProbes;
  /** RBM tempered chains: replicas of each chain (default 10) and the hottest replica's β (default 0); see `gibbsStep`. */
  readonly replicas?: number;
  readonly minBeta?: number;
}

/**
 * What `collectStats` computes (`collectStats(options)`): the statistics of ln P(v), the
 * generative objective (the default, every kind); those of ln p(y | x) of a classification RBM,
 * inputs and a one-of-K label (`'discriminative'`, Larochelle & Bengio 2008); or of
 * ln p(y | x) + α ln P(v) (`'hybrid'`, α = `generativeWeight`, default 0.01).
 */
export interface StatisticsOptions {
  readonly objective?: 'generative' | 'discriminative' | 'hybrid';
  readonly generativeWeight?: number;
}

/** Refuses an objective other than the generative one, for a kind that has no labels to predict. */
export function generativeOnly(options: StatisticsOptions | undefined, kind: string): void {
  const objective = options?.objective ?? 'generative';
  if (objective !== 'generative')
    throw new BoltzflowError(
      'collectStats objective',
      objective,
      `generative for ${kind} (discriminative and hybrid train a classification RBM)`,
    );
}

/** One array the optimiser moves, in the order {@link ModelKind.tensors} gives them. */
export type Tensors = readonly Float32Array[];

/**
 * Everything the four training operators need to know about one kind of model (RBM, general BM,
 * DBM): they hold no knowledge of their own and never ask which kind they have. Each stage is a
 * factory called once per subscription (so that its buffers are allocated once and belong to that
 * run) returning the per-minibatch function. All of them read and write one {@link TrainingState}.
 *
 * - `M` the model; `P` its parameters; `G` parameter-shaped buffers (gradient, velocity).
 * - `Pos`, `Neg` what the positive and negative phases add to the values flowing between the operators.
 * - `C` the persistent chains with whatever the sampler keeps; `O` `clampVisible`'s options.
 * - `S` the state as plain arrays: the part of a snapshot that is this kind's own.
 */
export interface ModelKind<M, P, G, Pos, Neg, C, O, S> {
  readonly name: string;
  /** Visible units (columns of a minibatch). */
  nVisible(model: M): number;
  /** The backend that does the model's arithmetic. */
  backend(model: M): Backend;
  /** Throws a `BoltzflowError` naming `where` unless `data` is a minibatch this model can clamp. */
  checkData(model: M, data: Matrix, where: string): void;
  /** A model with its own copy of the parameters and the generator (same backend). */
  copy(model: M): M;
  /** The model's parameters. */
  params(model: M): P;
  /** Zero parameter-shaped buffers (in the backend's own memory where it has one). */
  zeros(model: M): G;
  /** The arrays the optimiser moves, of the parameters (`of = params`) or of gradient-shaped buffers, always in the same order. */
  tensors(model: M, of: P | G): Tensors;
  /** For each of {@link tensors}: whether weight decay applies (weights yes, biases no). */
  decays(model: M): readonly boolean[];
  /** A deep copy of chains (a snapshot's, or another run's). */
  copyChains(chains: C): C;
  /** The positive phase's per-minibatch function. */
  positive(model: M, options: O): (state: RunState<M, G, C>, data: Matrix) => Pos;
  /** The negative phase's: reads and writes `state.chains` (persistent chains live there). */
  negative(options: SamplerOptions): (state: RunState<M, G, C>, pos: Pos) => Neg;
  /** Fills `gradient` with the statistics' difference (positive less negative) of the objective `options` names; returns the minibatch's metrics. */
  statistics(model: M, options?: StatisticsOptions): (state: RunState<M, G, C>, phase: Pos & Neg, gradient: G) => Record<string, number>;
  /** The state's model, velocity and chains as plain arrays, what a snapshot holds of this kind (views of the state: encode them before the next step). */
  save(state: RunState<M, G, C>): S;
  /** The model, velocity and chains (and an RBM's centering offsets) that `saved` holds, as views of its arrays, with the generator `rng` (on `backend` where the kind has one); `restoreRun` makes them a run's own. */
  view(saved: S, rng: Rng, backend?: Backend): Pick<RunState<M, G, C>, 'model' | 'velocity' | 'chains' | 'offsets'>;
}

/** A model kind with its type parameters left open: what the operators hold. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKind = ModelKind<any, any, any, any, any, any, any, any>;
