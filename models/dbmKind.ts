import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { allocateMatrix } from '../kernels/allocateMatrix.js';
import { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import { Rng } from '../kernels/Rng.js';
import { selectBackend } from '../kernels/selectBackend.js';
import {
  dbmGibbsSweeps,
  dbmLayerBuffers,
  layerProbs,
  meanField,
  zeroDbmParams,
  type Dbm,
  type DbmParams,
  type MeanFieldOptions,
} from './dbm.js';
import { accumulateDbmMoments, dbmChainsFromData, zeroDbmMoments, type DbmMoments } from './dbmPhases.js';
import { generativeOnly, type ModelKind } from './ModelKind.js';
import type { RunState } from './trainingState.js';
import { BERNOULLI, checkVisibleBatch } from './visibleUnits.js';

/** A DBM's persistent chains: the states of every layer (N×nₗ, binary; layer 0 visible). */
export interface DbmChains {
  readonly layers: readonly Matrix[];
}

/** What the DBM's positive phase adds: the mean-field posterior of the hidden layers. */
export interface DbmPositive {
  /** Layer 0 is the data (B×V); layer l ≥ 1 holds qˡ, the mean-field probabilities (B×nₗ). */
  readonly meanField: readonly Matrix[];
  /** Mean-field passes this minibatch took to reach the tolerance (or the cap). */
  readonly iterations: number;
}

/** What its negative phase adds: the chains' states after block Gibbs over alternate layers. */
export interface DbmNegative {
  readonly negativeStates: readonly Matrix[];
}

export type DbmState = RunState<Dbm, DbmMoments, DbmChains>;

/** A DBM's weights (each flattened nₗ×nₗ₊₁) and biases as a snapshot holds them. */
export interface DbmSavedTensors {
  readonly weights: Float32Array[];
  readonly biases: Float32Array[];
}

/** A DBM's state as plain arrays (`dbmKind.save`): layer sizes, parameters, velocity, the chains of every layer (flattened rows). */
export interface DbmSaved {
  readonly sizes: number[];
  readonly params: DbmSavedTensors;
  readonly velocity: DbmSavedTensors | null;
  readonly chains: { readonly rows: number; readonly layers: Float32Array[] } | null;
}

/**
 * The deep Boltzmann machine as a model kind (Salakhutdinov & Hinton 2009): mean field over the
 * hidden layers to a tolerance for the positive phase; chains over all layers — started at the data
 * and its mean-field posterior (kept for PCD, restarted for CD) or random — advanced by block Gibbs
 * over alternate layers for the negative; statistics ⟨hˡ⁻¹hˡᵀ⟩ and ⟨hˡ⟩ under the posterior less the
 * same over the chains, with the metrics `meanFieldIterations` and `reconstructionError`, the mean
 * over the minibatch of Σᵢ (vᵢ − E[vᵢ | q¹])² (q¹ the first hidden layer's mean field: no sampled h, unlike
 * an RBM's, so it reads lower than an RBM's of the same weights; compare DBMs with DBMs).
 */
export const dbmKind: ModelKind<Dbm, DbmParams, DbmMoments, DbmPositive, DbmNegative, DbmChains, MeanFieldOptions, DbmSaved> = {
  name: 'dbm',
  nVisible: (m) => m.params.sizes[0],
  backend: (m) => m.backend,
  checkData: (m, data, where) => checkVisibleBatch(BERNOULLI, data, where, m.backend),
  copy(m) {
    const params = zeroDbmParams(m.params.sizes);
    params.weights.forEach((w, l) => w.data.set(m.params.weights[l].data));
    params.biases.forEach((b, l) => b.set(m.params.biases[l]));
    return { ...m, params, rng: Rng.fromState(m.rng.state()) };
  },
  params: (m) => m.params,
  zeros: zeroDbmMoments,
  tensors: (_m, t) => [...t.weights.map((w) => w.data), ...t.biases],
  decays: (m) => [...m.params.weights.map(() => true), ...m.params.biases.map(() => false)],
  copyChains: (c) => ({ layers: c.layers.map((l) => l.clone()) }),
  positive(model, options) {
    const hidden = model.params.sizes.slice(1);
    const layers = hidden.map((n) => reusableMatrix(n));
    const scratch = reusableMatrix(Math.max(...hidden));
    return ({ model }, data) => {
      const q = [data, ...layers.map((buffer) => buffer(data.rows))];
      const { iterations } = meanField(model, q, options, scratch(data.rows).data);
      return { meanField: q, iterations };
    };
  },
  negative(o) {
    if (o.chains === 'tempered')
      throw new BoltzflowError('gibbsStep chains', 'tempered', `data, persistent or random for a DBM (parallel tempering is the RBM's)`);
    const schedule = [...(o.anneal ?? []), { temperature: o.temperature, sweeps: o.k }];
    let chains: Matrix[] | null = null;
    let probs: Matrix[] | null = null;
    let mine: DbmChains | null = null;
    return (state, pos) => {
      const { model } = state;
      if (o.chains === 'persistent' && state.chains && state.chains !== mine) {
        const given = state.chains.layers;
        if (given.length !== model.params.sizes.length)
          throw new BoltzflowError('chains.layers', `${given.length} layers`, `${model.params.sizes.length}, one per layer`);
        given.forEach((g, l) => {
          if (g.cols !== model.params.sizes[l] || g.rows !== given[0].rows)
            throw new BoltzflowError(`chains.layers[${l}]`, `${g.rows}×${g.cols}`, `${given[0].rows}×${model.params.sizes[l]} states`);
        });
        chains = given.map((g) => allocateMatrix(model.backend, g.rows, g.cols).copyFrom(g));
        probs = dbmLayerBuffers(model.params, given[0].rows);
      }
      const rows = o.chains === 'data' ? pos.meanField[0].rows : (o.nChains ?? pos.meanField[0].rows);
      if (!chains || o.chains !== 'persistent') {
        if (o.chains !== 'random') chains = dbmChainsFromData(model, pos.meanField, rows, chains ?? undefined);
        else {
          if (!chains || chains[0].rows !== rows) chains = dbmLayerBuffers(model.params, rows);
          for (const c of chains) for (let k = 0; k < c.data.length; k++) c.data[k] = model.rng.uniform() < 0.5 ? 1 : 0;
        }
        if (!probs || probs[0].rows !== rows) probs = dbmLayerBuffers(model.params, rows);
      }
      for (const step of schedule) dbmGibbsSweeps(model, chains, probs!, step.sweeps, 1 / step.temperature);
      if (o.chains === 'persistent') state.chains = mine = mine?.layers === chains ? mine : { layers: chains };
      return { negativeStates: chains };
    };
  },
  statistics(_model, options) {
    generativeOnly(options, 'a DBM');
    let reconstruction: ((rows: number) => Matrix) | null = null;
    return ({ model }, phase, gradient) => {
      accumulateDbmMoments(model, phase.meanField, 1, gradient, true);
      accumulateDbmMoments(model, phase.negativeStates, -1, gradient, false);
      // E[v | q¹] from the first layer's mean field: the DBM's reconstruction of its minibatch.
      const data = phase.meanField[0];
      reconstruction ??= reusableMatrix(data.cols, model.backend);
      const recon = layerProbs(model, phase.meanField, 0, reconstruction(data.rows));
      return {
        meanFieldIterations: phase.iterations,
        reconstructionError: model.backend.squaredDistance(data.data, recon.data) / data.rows,
      };
    };
  },
  save({ model: { params: p }, velocity, chains }) {
    const tensors = (t: DbmMoments) => ({ weights: t.weights.map((w) => w.data), biases: [...t.biases] });
    return {
      sizes: [...p.sizes],
      params: tensors(p),
      velocity: velocity && tensors(velocity),
      chains: chains && { rows: chains.layers[0].rows, layers: chains.layers.map((l) => l.data) },
    };
  },
  view(s, rng, backend = selectBackend('auto')) {
    const { sizes } = s;
    const tensors = (t: DbmSavedTensors) => ({ weights: t.weights.map((w, l) => new Matrix(sizes[l], sizes[l + 1], w)), biases: t.biases });
    return {
      model: { kind: 'dbm', params: { sizes, ...tensors(s.params) }, backend, rng },
      velocity: s.velocity && tensors(s.velocity),
      chains: s.chains && { layers: s.chains.layers.map((l, i) => new Matrix(s.chains!.rows, sizes[i], l)) },
    };
  },
};
