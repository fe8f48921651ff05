import { allocateMatrix } from '../kernels/allocateMatrix.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Backend } from '../kernels/Backend.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import { Rng } from '../kernels/Rng.js';
import type { AnnealSchedule, Bm, BmParams, SweepProbes } from './bm.js';
import { clampedMoments, createBmPhaseBuffers, freeMoments, type BmPhaseBuffers, type ClampOptions } from './bmPhases.js';
import type { BmMoments } from './exactBm.js';
import { generativeOnly, type ModelKind } from './ModelKind.js';
import type { RunState } from './trainingState.js';
import { BERNOULLI, checkVisibleBatch } from './visibleUnits.js';

/** A general BM's parameter-shaped buffers (gradient, velocity). */
export interface BmBuffers {
  readonly weights: Matrix;
  readonly bias: Float32Array;
}

/** A general BM's persistent chains: the states of all its units (N×n). */
export interface BmChains {
  readonly states: Matrix;
}

/** What the general BM's positive phase adds: the clamped ("wake") statistics p⁺. */
export interface BmPositive {
  /** ⟨sᵢ sⱼ⟩⁺ and ⟨sᵢ⟩⁺, visible units clamped, hidden at equilibrium. */
  readonly positive: BmMoments;
  /** The clamped chains' final states (rows × units). */
  readonly clampedStates: Matrix;
}

/** What its negative phase adds: the free-running ("dream") statistics p⁻. */
export interface BmNegative {
  readonly negative: BmMoments;
}

/** `clampVisible`'s options for a general BM, parsed: the annealing and statistics of the clamped phase. */
export interface BmClampSettings {
  readonly anneal?: AnnealSchedule;
  readonly temperature: number;
  readonly k: number;
  readonly noise?: { on: number; off: number };
  readonly repeats: number;
  /** What a sweep is (`annealStates`; default `shuffled`). */
  readonly probes?: SweepProbes;
}

export type BmState = RunState<Bm, BmBuffers, BmChains>;

/** A general BM's weights (flattened n×n) and biases as a snapshot holds them. */
export interface BmSavedTensors {
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/** A general BM's state as plain arrays (`bmKind.save`): sizes, connectivity, parameters, velocity, chains (flattened rows). */
export interface BmSaved {
  readonly nUnits: number;
  readonly nVisible: number;
  readonly spin: boolean;
  readonly mask: Uint8Array;
  readonly params: BmSavedTensors;
  readonly velocity: BmSavedTensors | null;
  readonly chains: { readonly rows: number; readonly states: Float32Array } | null;
}

const backendOf = (m: Bm): Backend => m.backend ?? jsBackend;

/**
 * The general Boltzmann machine as a model kind (Ackley, Hinton & Sejnowski 1985): the positive
 * phase anneals the hidden units with the data clamped and averages ⟨sᵢ sⱼ⟩⁺ over k sweeps at the
 * final temperature; the negative phase runs all units free (from the clamped states, from
 * persistent chains or from random states) with the statistics ⟨sᵢ sⱼ⟩⁻ over its last k sweeps;
 * the statistics are p⁺ᵢⱼ − p⁻ᵢⱼ on connected pairs and p⁺ᵢ − p⁻ᵢ, with the metric
 * `statisticsGap` (mean |p⁺ᵢⱼ − p⁻ᵢⱼ| over connected pairs).
 */
export const bmKind: ModelKind<Bm, BmParams, BmBuffers, BmPositive, BmNegative, BmChains, BmClampSettings, BmSaved> = {
  name: 'bm',
  nVisible: (m) => m.params.nVisible,
  backend: backendOf,
  checkData: (m, data, where) => checkVisibleBatch(BERNOULLI, data, where, backendOf(m)),
  copy: (m) => ({
    ...m,
    params: {
      ...m.params,
      weights: allocateMatrix(m.backend, m.params.nUnits, m.params.nUnits).copyFrom(m.params.weights),
      bias: m.params.bias.slice(),
      mask: m.params.mask.slice(),
    },
    rng: Rng.fromState(m.rng.state()),
  }),
  params: (m) => m.params,
  zeros: (m) => ({ weights: Matrix.zeros(m.params.nUnits, m.params.nUnits), bias: new Float32Array(m.params.nUnits) }),
  tensors: (_m, t) => [t.weights.data, t.bias],
  decays: () => [true, false],
  copyChains: (c) => ({ states: c.states.clone() }),
  positive(model, o) {
    const clamp: ClampOptions = {
      anneal: [...(o.anneal ?? []), { temperature: o.temperature, sweeps: o.k }],
      noise: o.noise,
      repeats: o.repeats,
      probes: o.probes,
    };
    const states = reusableMatrix(model.params.nUnits);
    const buffers = createBmPhaseBuffers(model);
    return ({ model }, data) => {
      const buffer = states(data.rows * (clamp.repeats ?? 1));
      return { positive: clampedMoments(model, data, clamp, buffer, buffers), clampedStates: buffer };
    };
  },
  negative(o) {
    if (o.chains === 'tempered')
      throw new BoltzflowError(
        'gibbsStep chains',
        'tempered',
        `data, persistent or random for a general BM (parallel tempering is the RBM's)`,
      );
    const schedule = [...(o.anneal ?? []), { temperature: o.temperature, sweeps: o.k }];
    let mine: BmChains | null = null;
    let fresh: ((rows: number) => Matrix) | null = null;
    let buffers: BmPhaseBuffers | null = null;
    return (state, pos) => {
      const { model } = state;
      const n = model.params.nUnits;
      let states: Matrix;
      if (o.chains === 'persistent') {
        if (state.chains && state.chains !== mine) {
          if (state.chains.states.cols !== n)
            throw new BoltzflowError('chains', `${state.chains.states.rows}×${state.chains.states.cols}`, `N×${n} unit states`);
          mine = { states: state.chains.states.clone() };
        }
        mine ??= { states: startFrom(pos.clampedStates, o.nChains ?? pos.clampedStates.rows) };
        state.chains = mine;
        states = mine.states;
      } else {
        fresh ??= reusableMatrix(n, model.backend);
        states = fresh(o.chains === 'data' ? pos.clampedStates.rows : (o.nChains ?? pos.clampedStates.rows));
        if (o.chains === 'data') states.data.set(pos.clampedStates.data);
      }
      buffers ??= createBmPhaseBuffers(model);
      return { negative: freeMoments(model, states, schedule, o.chains === 'random', buffers, o.probes) };
    };
  },
  statistics(_model, options) {
    generativeOnly(options, 'a general BM');
    return (state, { positive, negative }, gradient) => {
      const backend = backendOf(state.model);
      const pairs = backend.maskedDifference(positive.cooccurrence, negative.cooccurrence, state.model.params.mask, gradient.weights.data);
      backend.maskedDifference(positive.means, negative.means, null, gradient.bias);
      return { statisticsGap: pairs.count ? pairs.sum / pairs.count : 0 };
    };
  },
  save({ model: { params: p }, velocity, chains }) {
    const tensors = (t: BmBuffers) => ({ weights: t.weights.data, bias: t.bias });
    return {
      nUnits: p.nUnits,
      nVisible: p.nVisible,
      spin: p.spin,
      mask: p.mask,
      params: tensors(p),
      velocity: velocity && tensors(velocity),
      chains: chains && { rows: chains.states.rows, states: chains.states.data },
    };
  },
  view(s, rng, backend) {
    const n = s.nUnits;
    const tensors = (t: BmSavedTensors) => ({ weights: new Matrix(n, n, t.weights), bias: t.bias });
    const params = { nUnits: n, nVisible: s.nVisible, spin: s.spin, mask: s.mask, ...tensors(s.params) };
    return {
      model: { kind: 'bm', params, rng, ...(backend ? { backend } : {}) },
      velocity: s.velocity && tensors(s.velocity),
      chains: s.chains && { states: new Matrix(s.chains.rows, n, s.chains.states) },
    };
  },
};

/** Chains starting from the rows of `from` (cycled). */
function startFrom(from: Matrix, n: number): Matrix {
  const chains = Matrix.zeros(n, from.cols);
  for (let r = 0; r < n; r++) chains.row(r).set(from.row(r % from.rows));
  return chains;
}
