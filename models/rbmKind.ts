import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import { centerGradient, slideOffsets, type CenteringOffsets } from './centering.js';
import { labelGroupOf } from './classifyByFreeEnergy.js';
import { discriminativeGradient, type DiscriminativeGradient } from './discriminativeGradient.js';
import type { ModelKind, StatisticsOptions } from './ModelKind.js';
import { hiddenProbs, rbmFromParams, zeroRbmParams, type Rbm, type RbmParams } from './rbm.js';
import { rbmSampler } from './rbmSampler.js';
import type { RunState } from './trainingState.js';
import { checkVisibleBatch, visibleUnitsOf, type VisibleUnits } from './visibleUnits.js';

/** Parameter-shaped buffers of an RBM: a gradient, or an optimiser's velocity. */
export interface ParamBuffers {
  readonly weights: Matrix;
  readonly visibleBias: Float32Array;
  readonly hiddenBias: Float32Array;
  /** Gaussian visible units with a learned variance: the ln σ² part. */
  readonly logVariance?: Float32Array;
}

/**
 * An RBM's persistent chains: visible states, and the hidden states where their next step starts
 * (null: sample them); with parallel tempering `visible` is the β = 1 replica and `tempered` the others.
 */
export interface RbmChains {
  readonly visible: Matrix;
  readonly hidden: Matrix | null;
  readonly tempered?: RbmTempering;
}

/** Parallel tempering's other replicas of the N chains (see `temperedSampler`). */
export interface RbmTempering {
  /** Their visible states, replica by replica ((M − 1)·N × V): rows (a − 1)·N … a·N − 1 at inverse temperature `betas[a]`. */
  readonly visible: Matrix;
  /** The M inverse temperatures, 1 = betas[0] > … > betas[M − 1]. */
  readonly betas: Float32Array;
  /** Swap rounds done: the next round pairs (0, 1), (2, 3)… when even, (1, 2), (3, 4)… when odd. */
  rounds: number;
}

/** What the RBM's positive phase adds: the data clamped, P(h | v⁰) and a sample h⁰. */
export interface RbmPositive {
  /** v⁰: the clamped data (B×V). */
  readonly visible: Matrix;
  /** P(h | v⁰) (B×H). */
  readonly hiddenProbs: Matrix;
  /** h⁰ ~ P(h | v⁰) (B×H), binary. */
  readonly hidden: Matrix;
}

/** What the RBM's negative phase adds. */
export interface RbmNegative {
  /** Visible states of the negative chains after k steps (N×V). */
  readonly negativeVisible: Matrix;
  /** P(h | negative visible states) (N×H). */
  readonly negativeHiddenProbs: Matrix;
  /** E[v | h⁰]: the one-step reconstruction of the data (B×V). */
  readonly reconstruction: Matrix;
}

export type RbmState = RunState<Rbm, ParamBuffers, RbmChains>;

/** An RBM's parameter-shaped arrays as a snapshot holds them (the weights flattened V×H). */
export interface RbmSavedTensors {
  readonly weights: Float32Array;
  readonly visibleBias: Float32Array;
  readonly hiddenBias: Float32Array;
  readonly logVariance?: Float32Array;
}

/** An RBM's state as plain arrays (`rbmKind.save`): sizes, visible units, parameters, velocity, chains (flattened rows). */
export interface RbmSaved {
  readonly nVisible: number;
  readonly nHidden: number;
  readonly visibleUnits?: VisibleUnits;
  readonly params: RbmSavedTensors;
  readonly velocity: RbmSavedTensors | null;
  readonly chains: {
    readonly rows: number;
    readonly states: Float32Array;
    readonly hidden?: Float32Array;
    readonly tempered?: { readonly states: Float32Array; readonly betas: Float32Array; readonly rounds: number };
  } | null;
  /** A centered run's offsets μ (V), λ (H) and sliding factor ν; absent otherwise. */
  readonly offsets?: { readonly visible: Float32Array; readonly hidden: Float32Array; readonly sliding: number };
}

/**
 * The weight of the generative statistics (α: 1 for the generative objective, 0 for the
 * discriminative, `generativeWeight` for the hybrid) and the discriminative gradient where the
 * objective has one; a model without a label group is refused for those.
 */
function objectiveOf(model: Rbm, options: StatisticsOptions): { alpha: number; discriminative: DiscriminativeGradient | null } {
  const objective = options.objective ?? 'generative';
  if (objective === 'generative') return { alpha: 1, discriminative: null };
  if (objective !== 'discriminative' && objective !== 'hybrid')
    throw new BoltzflowError('collectStats objective', objective, 'generative, discriminative or hybrid');
  labelGroupOf(model, undefined, `collectStats objective ${objective}`);
  const alpha = objective === 'hybrid' ? (options.generativeWeight ?? 0.01) : 0;
  if (!(Number.isFinite(alpha) && alpha >= 0)) throw new BoltzflowError('collectStats generativeWeight', alpha, 'a finite number ≥ 0');
  return { alpha, discriminative: discriminativeGradient() };
}

/**
 * The restricted Boltzmann machine as a model kind: exact P(h | v) for the positive phase, block
 * Gibbs for the negative ({@link rbmSampler}), and the CD/PCD statistics ΔW = ⟨v hᵀ⟩₊ − ⟨v hᵀ⟩₋,
 * Δb = ⟨v⟩₊ − ⟨v⟩₋, Δc = ⟨h⟩₊ − ⟨h⟩₋ (positive averages over the minibatch, negative over the
 * chains) with the metric `reconstructionError`, the mean over the minibatch of Σᵢ (v⁰ᵢ − E[vᵢ | h⁰])².
 * Gaussian visible units see vᵢ/σᵢ² in ΔW and Δb, and a learned variance gets
 * Δzᵢ = ⟨e^{−zᵢ}((vᵢ − bᵢ)²/2 − vᵢ(W P(h|v))ᵢ)⟩₊ − ⟨…⟩₋ (the derivatives of −F(v)).
 * A state with centering offsets (`state.offsets`) first slides them to the minibatch's
 * positive-phase means (`slideOffsets`), then turns the statistics into the centered step
 * (`centerGradient`). With `collectStats({ objective })` a classification RBM (a label group) learns
 * ln p(y | x) instead (`'discriminative'`: {@link addDiscriminativeGradient}, no generative
 * statistics) or ln p(y | x) + α ln P(v) (`'hybrid'`), with the metrics `labelLogLikelihood` and
 * `labelError` of the minibatch.
 */
export const rbmKind: ModelKind<Rbm, RbmParams, ParamBuffers, RbmPositive, RbmNegative, RbmChains, Record<string, never>, RbmSaved> = {
  name: 'rbm',
  nVisible: (m) => m.params.nVisible,
  backend: (m) => m.backend,
  checkData: (m, data, where) => checkVisibleBatch(visibleUnitsOf(m.params), data, where, m.backend),
  copy(m) {
    const p = m.params;
    const params = zeroRbmParams(p.nVisible, p.nHidden, p.visibleUnits, m.backend);
    params.weights.data.set(p.weights.data);
    params.visibleBias.set(p.visibleBias);
    params.hiddenBias.set(p.hiddenBias);
    if (p.logVariance) params.logVariance!.set(p.logVariance);
    return rbmFromParams(params, Rng.fromState(m.rng.state()), m.backend);
  },
  params: (m) => m.params,
  zeros: (m) => zeroRbmParams(m.params.nVisible, m.params.nHidden, m.params.visibleUnits, m.backend),
  tensors(m, t) {
    const learnVariance = m.params.visibleUnits?.type === 'gaussian' && m.params.visibleUnits.learnVariance && t.logVariance;
    return learnVariance ? [t.weights.data, t.visibleBias, t.hiddenBias, t.logVariance] : [t.weights.data, t.visibleBias, t.hiddenBias];
  },
  decays: () => [true, false, false, false],
  copyChains: (c) => ({
    visible: c.visible.clone(),
    hidden: c.hidden ? c.hidden.clone() : null,
    ...(c.tempered
      ? { tempered: { visible: c.tempered.visible.clone(), betas: c.tempered.betas.slice(), rounds: c.tempered.rounds } }
      : {}),
  }),
  positive(model) {
    const hp = reusableMatrix(model.params.nHidden, model.backend);
    const hs = reusableMatrix(model.params.nHidden, model.backend);
    return ({ model }, data) => {
      const probs = hiddenProbs(model, data, hp(data.rows));
      const hidden = hs(data.rows);
      model.backend.bernoulli(probs.data, model.rng, hidden.data);
      return { visible: data, hiddenProbs: probs, hidden };
    };
  },
  negative: rbmSampler,
  statistics(model, options = {}) {
    const backProjection = reusableMatrix(model.params.nVisible, model.backend);
    let centered: { gradient: ParamBuffers; offsets: CenteringOffsets; apply: () => void } | null = null;
    const { alpha, discriminative } = objectiveOf(model, options);
    return ({ model, offsets }, phase, gradient) => {
      const { visible, hiddenProbs, negativeVisible, negativeHiddenProbs, reconstruction } = phase;
      const { backend } = model;
      const b = visible.rows,
        n = negativeVisible.rows;
      if (alpha > 0) {
        backend.gemm(true, false, alpha / b, visible, hiddenProbs, 0, gradient.weights);
        backend.gemm(true, false, -alpha / n, negativeVisible, negativeHiddenProbs, 1, gradient.weights);
        backend.columnSums(visible, alpha / b, 0, gradient.visibleBias);
        backend.columnSums(negativeVisible, -alpha / n, 1, gradient.visibleBias);
        backend.columnSums(hiddenProbs, alpha / b, 0, gradient.hiddenBias);
        backend.columnSums(negativeHiddenProbs, -alpha / n, 1, gradient.hiddenBias);
        if (visibleUnitsOf(model.params).type === 'gaussian') gaussianStatistics(model, phase, gradient, backProjection);
      } else {
        gradient.weights.data.fill(0);
        gradient.visibleBias.fill(0);
        gradient.hiddenBias.fill(0);
      }
      // ln p(y | x)'s gradient, added at the parameters before this update (as the generative statistics were taken).
      const labelMetrics = discriminative ? discriminative(model, visible, gradient) : {};
      if (offsets) {
        slideOffsets(backend, offsets, visible, hiddenProbs);
        if (centered?.gradient !== gradient || centered.offsets !== offsets)
          centered = { gradient, offsets, apply: centerGradient(backend, gradient, offsets) };
        centered.apply();
      }
      return { reconstructionError: backend.squaredDistance(visible.data, reconstruction.data) / b, ...labelMetrics };
    };
  },
  save({ model: { params: p }, velocity, chains, offsets }) {
    return {
      nVisible: p.nVisible,
      nHidden: p.nHidden,
      ...(p.visibleUnits ? { visibleUnits: p.visibleUnits } : {}),
      params: savedTensors(p),
      velocity: velocity && savedTensors(velocity),
      chains: chains && {
        rows: chains.visible.rows,
        states: chains.visible.data,
        ...(chains.hidden ? { hidden: chains.hidden.data } : {}),
        ...(chains.tempered
          ? { tempered: { states: chains.tempered.visible.data, betas: chains.tempered.betas, rounds: chains.tempered.rounds } }
          : {}),
      },
      ...(offsets ? { offsets: { visible: offsets.visible, hidden: offsets.hidden, sliding: offsets.sliding } } : {}),
    };
  },
  view(s, rng, backend) {
    const { nVisible: V, nHidden: H } = s;
    const tensors = (t: RbmSavedTensors): ParamBuffers => ({
      weights: new Matrix(V, H, t.weights),
      visibleBias: t.visibleBias,
      hiddenBias: t.hiddenBias,
      ...(t.logVariance ? { logVariance: t.logVariance } : {}),
    });
    const params = { nVisible: V, nHidden: H, ...(s.visibleUnits ? { visibleUnits: s.visibleUnits } : {}), ...tensors(s.params) };
    const chains = s.chains && {
      visible: new Matrix(s.chains.rows, V, s.chains.states),
      hidden: s.chains.hidden ? new Matrix(s.chains.rows, H, s.chains.hidden) : null,
      ...(s.chains.tempered
        ? {
            tempered: {
              visible: new Matrix((s.chains.tempered.betas.length - 1) * s.chains.rows, V, s.chains.tempered.states),
              betas: s.chains.tempered.betas,
              rounds: s.chains.tempered.rounds,
            },
          }
        : {}),
    };
    const offsets = s.offsets && { visible: s.offsets.visible, hidden: s.offsets.hidden, sliding: s.offsets.sliding };
    return {
      model: rbmFromParams(params, rng, backend),
      velocity: s.velocity && tensors(s.velocity),
      chains,
      ...(offsets ? { offsets } : {}),
    };
  },
};

const savedTensors = (t: ParamBuffers): RbmSavedTensors => ({
  weights: t.weights.data,
  visibleBias: t.visibleBias,
  hiddenBias: t.hiddenBias,
  ...(t.logVariance ? { logVariance: t.logVariance } : {}),
});

/**
 * Gaussian visible units: rescales the Bernoulli-form ΔW and Δb by 1/σᵢ² = e^{−zᵢ} (row i of ΔW,
 * entry i of Δb: the bᵢ terms cancel; nothing to do where every zᵢ is 0) and, when the variance is
 * learned, fills Δz. All of it on the model's backend (`expScaleRows`, `varianceGradient`,
 * `expScaleColumns`): no per-element loop here.
 */
function gaussianStatistics(model: Rbm, phase: RbmPositive & RbmNegative, gradient: ParamBuffers, scratch: (rows: number) => Matrix): void {
  const { params, backend } = model;
  const z = params.logVariance!;
  if (backend.firstOutside(z, 0, 0) >= 0) {
    backend.expScaleRows(gradient.weights.data, z, -1);
    backend.expScaleRows(gradient.visibleBias, z, -1);
  }
  const g = gradient.logVariance;
  if (!g || !(params.visibleUnits?.type === 'gaussian' && params.visibleUnits.learnVariance)) return;
  g.fill(0);
  const add = (v: Matrix, hp: Matrix, sign: number) => {
    const wh = scratch(v.rows);
    backend.gemm(false, true, 1, hp, params.weights, 0, wh);
    backend.varianceGradient(v.data, wh.data, params.visibleBias, sign / v.rows, g);
  };
  add(phase.visible, phase.hiddenProbs, 1);
  add(phase.negativeVisible, phase.negativeHiddenProbs, -1);
  backend.expScaleColumns(g, z, -1, g);
}
