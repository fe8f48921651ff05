import type { Matrix, ReadonlyFloat32Array } from '../kernels/Matrix.js';
import type { Bm, BmParams } from '../models/bm.js';
import type { BmMoments } from '../models/exactBm.js';
import type { Rbm } from '../models/rbm.js';
import type { Dbm, DbmParams } from '../models/dbm.js';
import type { DbmMoments } from '../models/dbmPhases.js';
import type { VisibleUnits } from '../models/visibleUnits.js';

/**
 * The values that flow between the four training operators. Matrices in them are buffers that
 * the operators reuse (no allocation per minibatch): they are valid until the next emission.
 * Copy what you want to keep.
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

/** Output of `clampVisible`: the data clamped on the visible units and the inferred hidden units. */
export interface PositivePhase {
  readonly model: Rbm;
  readonly batch: Minibatch;
  /** v⁰: the clamped data (B×V). */
  readonly visible: Matrix;
  /** P(h | v⁰) (B×H). */
  readonly hiddenProbs: Matrix;
  /** h⁰ ~ P(h | v⁰) (B×H), binary. */
  readonly hidden: Matrix;
}

/** Output of `gibbsStep`: the positive phase plus the model's own samples. */
export interface NegativePhase extends PositivePhase {
  /** Visible states of the negative chains after k steps (N×V, binary). */
  readonly negativeVisible: Matrix;
  /** P(h | negative visible states) (N×H). */
  readonly negativeHiddenProbs: Matrix;
  /** P(v | h⁰): the one-step reconstruction of the data (B×V). */
  readonly reconstruction: Matrix;
  /** The persistent chains' visible states (PCD), or null for chains that restart at the data (CD). */
  readonly persistentChains: Matrix | null;
  /** The persistent chains' hidden states (PCD): h ~ P(h | chains) at this step's end, where the next step starts. */
  readonly persistentHidden?: Matrix | null;
}

/** Parameter-shaped buffers: a gradient, or an optimiser's velocity. */
export interface ParamBuffers {
  readonly weights: Matrix;
  readonly visibleBias: Float32Array;
  readonly hiddenBias: Float32Array;
  /** Gaussian visible units with a learned variance: the ln σ² part. */
  readonly logVariance?: Float32Array;
}

/** Output of `collectStats`: the minibatch's sufficient statistics and metrics. */
export interface Statistics {
  readonly model: Rbm;
  readonly batch: Minibatch;
  /** ⟨vh⟩₊ − ⟨vh⟩₋ and the unit means' differences: the CD/PCD estimate of the log-likelihood gradient. */
  readonly gradient: ParamBuffers;
  readonly metrics: Readonly<Record<string, number>>;
  readonly persistentChains: Matrix | null;
  readonly persistentHidden?: Matrix | null;
}

/** A read-only view of an RBM's parameters. */
export interface ReadonlyRbmParams {
  readonly nVisible: number;
  readonly nHidden: number;
  readonly weights: { readonly rows: number; readonly cols: number; readonly data: ReadonlyFloat32Array };
  readonly visibleBias: ReadonlyFloat32Array;
  readonly hiddenBias: ReadonlyFloat32Array;
  readonly visibleUnits?: VisibleUnits;
  readonly logVariance?: ReadonlyFloat32Array;
}

/** Where a step event sits in the run (shared by the RBM's and the general BM's step events). */
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

/** Output of `applyUpdate`: one event per minibatch, after the parameters moved. */
export interface StepEvent extends StepCounters {
  /** reconstructionError (mean over the minibatch of Σᵢ(vᵢ − P(vᵢ|h⁰))²), weightNorm, … */
  readonly metrics: Readonly<Record<string, number>>;
  /** The parameters after this update, read-only. */
  readonly params: ReadonlyRbmParams;
  /** The model being trained (parameters, backend, generator): what a snapshot sink saves. */
  readonly model: Rbm;
  /** The optimiser's velocity after this update. */
  readonly velocity: ParamBuffers;
  readonly persistentChains: Matrix | null;
  /** The persistent chains' hidden states (PCD), where the next step starts: saved with the chains. */
  readonly persistentHidden?: Matrix | null;
}

// The general Boltzmann machine flows through the same four operators with these phases.

/** Output of `clampVisible` for a general BM: the clamped ("wake") statistics p⁺. */
export interface BmPositivePhase {
  readonly model: Bm;
  readonly batch: Minibatch;
  /** ⟨sᵢ sⱼ⟩⁺ and ⟨sᵢ⟩⁺, visible units clamped, hidden at equilibrium. */
  readonly positive: BmMoments;
  /** The clamped chains' final states (rows × units). */
  readonly clampedStates: Matrix;
}

/** Output of `gibbsStep` for a general BM: adds the free-running ("dream") statistics p⁻. */
export interface BmNegativePhase extends BmPositivePhase {
  readonly negative: BmMoments;
  readonly persistentChains: Matrix | null;
}

/** A general BM's parameter-shaped buffers. */
export interface BmBuffers {
  readonly weights: Matrix;
  readonly bias: Float32Array;
}

/** What `collectStats` emits for a model M whose gradient buffers have the shape G. */
export interface StatisticsFor<M, G> {
  readonly model: M;
  readonly batch: Minibatch;
  readonly gradient: G;
  readonly metrics: Readonly<Record<string, number>>;
  readonly persistentChains: Matrix | null;
}

/** What `applyUpdate` emits for a model M with parameters P and velocity buffers V. */
export interface StepEventFor<M, P, V> extends StepCounters {
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: P;
  readonly model: M;
  readonly velocity: V;
  readonly persistentChains: Matrix | null;
}

/** Output of `collectStats` for a general BM: p⁺ᵢⱼ − p⁻ᵢⱼ on connected pairs, p⁺ᵢ − p⁻ᵢ. */
export type BmStatistics = StatisticsFor<Bm, BmBuffers>;

/** Output of `applyUpdate` for a general BM. */
export type BmStepEvent = StepEventFor<Bm, BmParams, BmBuffers>;

// The deep Boltzmann machine flows through the same four operators with these phases.

/** Output of `clampVisible` for a DBM: the mean-field posterior of the hidden layers. */
export interface DbmPositivePhase {
  readonly model: Dbm;
  readonly batch: Minibatch;
  /** Layer 0 is the data (B×V); layer l ≥ 1 holds qˡ, the mean-field probabilities (B×nₗ). */
  readonly meanField: readonly Matrix[];
  /** Mean-field passes this minibatch took to reach the tolerance (or the cap). */
  readonly iterations: number;
}

/** Output of `gibbsStep` for a DBM: adds the chains' states after block Gibbs over alternate layers. */
export interface DbmNegativePhase extends DbmPositivePhase {
  /** The chains' states, layer by layer (N×nₗ, binary). */
  readonly negativeStates: readonly Matrix[];
  /** The persistent chains' visible states (PCD), or null. */
  readonly persistentChains: Matrix | null;
}

/** Output of `collectStats` for a DBM: ⟨hˡ⁻¹hˡᵀ⟩₊ − ⟨hˡ⁻¹hˡᵀ⟩₋ per weight matrix, ⟨hˡ⟩₊ − ⟨hˡ⟩₋ per layer. */
export type DbmStatistics = StatisticsFor<Dbm, DbmMoments>;

/** Output of `applyUpdate` for a DBM. */
export type DbmStepEvent = StepEventFor<Dbm, DbmParams, DbmMoments>;

/** The negative phase that follows a positive phase of any kind. */
export type NegativeOf<P> = P extends BmPositivePhase ? BmNegativePhase : P extends DbmPositivePhase ? DbmNegativePhase : NegativePhase;
/** The statistics of a negative phase of any kind. */
export type StatisticsOf<N> = N extends BmNegativePhase ? BmStatistics : N extends DbmNegativePhase ? DbmStatistics : Statistics;
/** The step event that statistics of any kind produce. */
export type StepOf<S> = S extends BmStatistics ? BmStepEvent : S extends DbmStatistics ? DbmStepEvent : StepEvent;
