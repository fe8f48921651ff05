import type { Matrix } from '../kernels/Matrix.js';
import type { Bm } from '../models/bm.js';
import type { Dbm } from '../models/dbm.js';
import type { AnyModel, TrainingState, TypesOf } from '../models/modelKinds.js';
import type { Rbm } from '../models/rbm.js';

export type { ParamBuffers } from '../models/rbmKind.js';
export type { BmBuffers } from '../models/bmKind.js';

/**
 * The values that flow between the four training operators, one generic shape for every model
 * kind `M` (an RBM by default): the run's {@link TrainingState}, the minibatch, and what each
 * stage adds (the kind's own fields: `hiddenProbs` for an RBM, `positive` moments for a general BM,
 * `meanField` for a DBM, …; see `models/rbmKind.ts`, `bmKind.ts`, `dbmKind.ts`). Matrices in them
 * are buffers that the operators reuse (no allocation per minibatch): they are valid until the
 * next emission. Copy what you want to keep.
 */

/** One minibatch of visible vectors, with where it sits in the run. */
export interface Minibatch {
  /** B×V visible vectors, values in [0, 1]. */
  readonly data: Matrix;
  /** 0-based epoch. */
  readonly epoch: number;
  /** 0-based index of this minibatch within its epoch. */
  readonly index: number;
  /** Minibatches per epoch (Infinity for an unbounded feed). */
  readonly batchesPerEpoch: number;
  /** 0-based global index of this minibatch: the number of updates made before it. */
  readonly step: number;
}

/** What every phase carries: the run's state (whose `model` is the one being trained) and the minibatch. */
export interface Phase<M extends AnyModel = Rbm> {
  /** The model being trained: `state.model`. */
  readonly model: M;
  readonly state: TrainingState<M>;
  readonly batch: Minibatch;
}

/** Output of `clampVisible`: the data clamped on the visible units and the latent units inferred. */
export type PositivePhase<M extends AnyModel = Rbm> = Phase<M> & TypesOf<M>['positive'];

/** Output of `gibbsStep`: the positive phase plus the model's own samples. */
export type NegativePhase<M extends AnyModel = Rbm> = PositivePhase<M> & TypesOf<M>['negative'];

/** Output of `collectStats`: the minibatch's sufficient statistics (positive less negative) and metrics. */
export interface Statistics<M extends AnyModel = Rbm> extends Phase<M> {
  readonly gradient: TypesOf<M>['buffers'];
  readonly metrics: Readonly<Record<string, number>>;
}

/** Where a step event sits in the run. */
export interface StepCounters {
  /** Updates made so far, this one included. */
  readonly step: number;
  readonly epoch: number;
  /** Index of this minibatch within its epoch. */
  readonly index: number;
  readonly batchesPerEpoch: number;
  /** Rows in this minibatch. */
  readonly batchSize: number;
}

/** The metrics a model kind's `collectStats` computes at every step. */
type KindMetrics<M extends AnyModel> = M extends Dbm
  ? { meanFieldIterations: number; reconstructionError: number }
  : M extends Bm
    ? { statisticsGap: number }
    : { reconstructionError: number };

/**
 * A step's metrics: `weightNorm` and `learningRate` at every step, those its model kind computes
 * (`reconstructionError` for an RBM and a DBM, `meanFieldIterations` for a DBM, `statisticsGap` for a
 * general BM; a DBM's from its mean field, an RBM's from sampled hidden states), and any that taps add by name (`pseudoLikelihood`, …: absent on the steps they skip).
 */
export type StepMetrics<M extends AnyModel = Rbm> = Readonly<
  { weightNorm: number; learningRate: number } & KindMetrics<M> & Record<string, number>
>;

/** Output of `applyUpdate`: one event per minibatch, after the parameters moved. */
export interface StepEvent<M extends AnyModel = Rbm> extends StepCounters {
  /** The minibatch's metrics: see {@link StepMetrics}. */
  readonly metrics: StepMetrics<M>;
  /** The parameters after this update: read them, never write them. */
  readonly params: TypesOf<M>['params'];
  /** The model being trained (parameters, backend, generator): `state.model`. */
  readonly model: M;
  /** The optimiser's velocity after this update: `state.velocity`. */
  readonly velocity: TypesOf<M>['buffers'];
  /** The whole state of the run after this update (what a snapshot saves): read it, never write it. */
  readonly state: TrainingState<M>;
}

/** The positive phase of a general BM. */
export type BmPositivePhase = PositivePhase<Bm>;
/** The negative phase of a general BM. */
export type BmNegativePhase = NegativePhase<Bm>;
/** The statistics of a general BM: p⁺ᵢⱼ − p⁻ᵢⱼ on connected pairs, p⁺ᵢ − p⁻ᵢ. */
export type BmStatistics = Statistics<Bm>;
/** A general BM's step event. */
export type BmStepEvent = StepEvent<Bm>;
/** The positive phase of a DBM. */
export type DbmPositivePhase = PositivePhase<Dbm>;
/** The negative phase of a DBM. */
export type DbmNegativePhase = NegativePhase<Dbm>;
/** The statistics of a DBM. */
export type DbmStatistics = Statistics<Dbm>;
/** A DBM's step event. */
export type DbmStepEvent = StepEvent<Dbm>;
