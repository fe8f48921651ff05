import { defer, map, type OperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { allocateMatrix } from '../kernels/allocateMatrix.js';
import { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import type { AnnealStep } from '../models/bm.js';
import { freeMoments } from '../models/bmPhases.js';
import { gibbsBuffers, gibbsChain, visibleProbs, type GibbsBuffers, type Rbm } from '../models/rbm.js';
import { gibbsOptionsSchema, type GibbsOptions } from '../schemas/gibbsOptions.js';
import { parseWith } from '../schemas/parseWith.js';
import { randomVisible, sampleVisible, visibleMeans, visibleUnitsOf } from '../models/visibleUnits.js';
import { dbmGibbsSweeps, dbmLayerBuffers } from '../models/dbm.js';
import { dbmChainsFromData } from '../models/dbmPhases.js';
import type { BmNegativePhase, DbmNegativePhase, DbmPositivePhase, BmPositivePhase, NegativeOf, NegativePhase, PositivePhase } from './phases.js';

export interface GibbsStepOptions extends GibbsOptions {
  /** Persistent chains to continue (from a snapshot); copied. Visible states (RBM) or unit states (BM). */
  initialChains?: Matrix | null;
  /** RBM only: the hidden states that go with `initialChains` (a snapshot's); copied. Without them the first step samples them from P(h | chains). */
  initialHidden?: Matrix | null;
}

/**
 * The negative ("dream") phase: the model's own samples. An optional annealing schedule runs
 * first, then k steps at `temperature`: block Gibbs v → h → v for an RBM, sequential Glauber
 * sweeps for a general BM (whose free statistics ⟨sᵢ sⱼ⟩⁻ are averaged over the k sweeps).
 * Chains start at the data (CD-k), persist for the life of the subscription — across
 * minibatches and epochs (PCD, Tieleman 2008) — or start at random each minibatch. An RBM's
 * persistent chains keep their hidden states too: each step ends by sampling h ~ P(h | v) (the
 * P(h | v) the statistics need anyway) and the next step starts at h → v, as scikit-learn's
 * BernoulliRBM does, so a PCD-k step costs k + 1 products with W, not k + 2. The chains
 * live inside the subscription: two subscriptions never share them.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { clampVisible, gibbsStep, createRbm, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 3, nHidden: 2, seed: 1 });
 * of(Matrix.from([[1, 0, 1], [0, 1, 0]]))
 *   .pipe(clampVisible(rbm), gibbsStep({ k: 1, chains: 'persistent' }))
 *   .subscribe((neg) => console.log(neg.negativeVisible.toArrays())); // binary 2×3
 * ```
 */
export function gibbsStep<P extends PositivePhase | BmPositivePhase | DbmPositivePhase = PositivePhase>(
  options: GibbsStepOptions = {},
): OperatorFunction<P, NegativeOf<P>> {
  const { initialChains, initialHidden, ...rest } = options;
  const o = parseWith(gibbsOptionsSchema, rest);
  const schedule: AnnealStep[] = [...(o.anneal ?? []), { temperature: o.temperature, sweeps: o.k }];
  return (source) =>
    defer(() => {
      let chains: Matrix | null = initialChains ? initialChains.clone() : null;
      const rbmStep = rbmSampler(o, schedule, initialHidden ?? null);
      const dbmStep = dbmSampler(o, schedule, initialChains ?? null);
      let bmStates: ((rows: number) => Matrix) | null = null;
      return source.pipe(
        map((pos) => {
          if (pos.model.kind === 'rbm') {
            const neg = rbmStep(pos as PositivePhase, chains);
            chains = neg.persistentChains;
            return neg as NegativeOf<P>;
          }
          if (pos.model.kind === 'dbm') return dbmStep(pos as DbmPositivePhase) as NegativeOf<P>;
          const bm = pos as BmPositivePhase;
          const n = bm.model.params.nUnits;
          let states: Matrix;
          if (o.chains === 'persistent') {
            chains ??= startFrom(bm.clampedStates, o.nChains ?? bm.clampedStates.rows);
            if (chains.cols !== n) throw new BoltzflowError('initialChains', `${chains.rows}×${chains.cols}`, `N×${n} unit states`);
            states = chains;
          } else {
            bmStates ??= reusableMatrix(n);
            states = bmStates(o.chains === 'data' ? bm.clampedStates.rows : (o.nChains ?? bm.clampedStates.rows));
            if (o.chains === 'data') states.data.set(bm.clampedStates.data);
          }
          const negative = freeMoments(bm.model, states, schedule, o.chains === 'random');
          const out: BmNegativePhase = { ...bm, negative, persistentChains: o.chains === 'persistent' ? states : null };
          return out as NegativeOf<P>;
        }),
      );
    });
}

/**
 * The RBM path, with its buffers (allocated once per subscription). Persistent chains with one
 * temperature take their first half-step h → v and the data's reconstruction in one product:
 * [chains' h; data's h]·Wᵀ, in `stack`, whose first rows hold the chains' hidden states for good
 * (one transpose of W and one pass over it instead of two).
 */
function rbmSampler(o: ReturnType<typeof gibbsOptionsSchema.parse>, schedule: AnnealStep[], initialHidden: Matrix | null) {
  let buffers: GibbsBuffers | null = null;
  /** Whether `buffers.hidden` holds the persistent chains' hidden states. */
  let hiddenReady = false;
  let fresh: ((rows: number) => Matrix) | null = null;
  let recon: ((rows: number) => Matrix) | null = null;
  let stack: { hidden: Matrix; visible: Matrix } | null = null;
  const fusable = o.chains === 'persistent' && schedule.length === 1;
  return (pos: PositivePhase, chains: Matrix | null): NegativePhase => {
    const { model } = pos;
    const { nVisible, nHidden } = model.params;
    const rows = pos.visible.rows;
    recon ??= reusableMatrix(nVisible, model.backend);
    fresh ??= reusableMatrix(nVisible, model.backend);
    let reconstruction: Matrix;
    let v: Matrix;
    if (o.chains === 'persistent') {
      chains ??= startFrom(pos.visible, o.nChains ?? rows, model);
      if (chains.cols !== model.params.nVisible)
        throw new BoltzflowError('initialChains', `${chains.rows}×${chains.cols}`, `N×${model.params.nVisible} chain states`);
      v = chains;
    } else v = fresh(o.chains === 'random' ? (o.nChains ?? rows) : rows);
    if (!buffers || buffers.hiddenProbs.rows < v.rows) {
      buffers = gibbsBuffers(model.params, v.rows, model.backend);
      hiddenReady = false;
      stack = null;
    }
    if (fusable && (!stack || stack.hidden.rows < v.rows + rows)) {
      const next = { hidden: allocateMatrix(model.backend, v.rows + rows, nHidden), visible: allocateMatrix(model.backend, v.rows + rows, nVisible) };
      next.hidden.topRows(v.rows).copyFrom(buffers.hidden.topRows(v.rows));
      buffers = { ...buffers, hidden: next.hidden.topRows(v.rows) };
      stack = next;
    }
    const b = view(buffers, v.rows);
    if (o.chains === 'persistent' && initialHidden) {
      if (initialHidden.rows !== v.rows || initialHidden.cols !== model.params.nHidden)
        throw new BoltzflowError('initialHidden', `${initialHidden.rows}×${initialHidden.cols}`, `${v.rows}×${model.params.nHidden} hidden states (one row per chain)`);
      b.hidden.data.set(initialHidden.data);
      hiddenReady = true;
      initialHidden = null;
    }
    if (fusable && hiddenReady && schedule[0].sweeps > 0 && stack) {
      const n = v.rows, beta = 1 / schedule[0].temperature;
      stack.hidden.rowRange(n, n + rows).copyFrom(pos.hidden);
      model.backend.gemm(false, true, 1, stack.hidden.topRows(n + rows), model.params.weights, 0, stack.visible.topRows(n + rows));
      reconstruction = visibleMeans(model, stack.visible.rowRange(n, n + rows), 1);
      sampleVisible(model, visibleMeans(model, stack.visible.topRows(n), beta), v, beta);
      gibbsChain(model, v, schedule[0].sweeps - 1, b, beta);
    } else {
      reconstruction = recon(rows);
      if (o.chains === 'data') {
        // CD: the first half-step from h⁰ is also the reconstruction.
        visibleProbs(model, pos.hidden, reconstruction, 1 / schedule[0].temperature);
        sampleVisible(model, reconstruction, v, 1 / schedule[0].temperature);
      } else {
        if (o.chains === 'random') randomVisible(model, v);
        visibleProbs(model, pos.hidden, reconstruction);
      }
      let fromHidden = o.chains === 'persistent' && hiddenReady;
      schedule.forEach((step, i) => {
        const steps = o.chains === 'data' && i === schedule.length - 1 ? step.sweeps - 1 : step.sweeps;
        gibbsChain(model, v, steps, b, 1 / step.temperature, fromHidden);
        if (steps > 0) fromHidden = false;
      });
    }
    if (o.chains === 'persistent') {
      // Where the next step starts: h ~ P(h | v) at the last temperature, under this step's parameters.
      model.backend.bernoulli(b.hiddenProbs.data, model.rng, b.hidden.data);
      hiddenReady = true;
    }
    return {
      ...pos,
      negativeVisible: v,
      negativeHiddenProbs: b.hiddenProbs,
      reconstruction,
      persistentChains: o.chains === 'persistent' ? v : null,
      persistentHidden: o.chains === 'persistent' ? b.hidden : null,
    };
  };
}

/**
 * The DBM path: chains over all layers, started at the data and its mean-field posterior (kept
 * for PCD, restarted for CD), or random; block Gibbs over alternate layers.
 */
function dbmSampler(o: ReturnType<typeof gibbsOptionsSchema.parse>, schedule: AnnealStep[], initial: Matrix | null) {
  let chains: Matrix[] | null = null;
  let probs: Matrix[] | null = null;
  return (pos: DbmPositivePhase): DbmNegativePhase => {
    const { model } = pos;
    const rows = o.chains === 'data' ? pos.batch.data.rows : (o.nChains ?? initial?.rows ?? pos.batch.data.rows);
    if (!chains || o.chains !== 'persistent') {
      if (o.chains !== 'random') chains = dbmChainsFromData(model, pos.meanField, rows, chains ?? undefined);
      else {
        if (!chains || chains[0].rows !== rows) chains = dbmLayerBuffers(model.params, rows);
        for (const c of chains) for (let k = 0; k < c.data.length; k++) c.data[k] = model.rng.uniform() < 0.5 ? 1 : 0;
      }
      if (initial && o.chains === 'persistent') {
        if (initial.cols !== model.params.sizes[0]) throw new BoltzflowError('initialChains', `${initial.rows}×${initial.cols}`, `N×${model.params.sizes[0]} visible states`);
        chains[0].data.set(initial.data);
      }
      if (!probs || probs[0].rows !== rows) probs = dbmLayerBuffers(model.params, rows);
    }
    for (const step of schedule) dbmGibbsSweeps(model, chains, probs!, step.sweeps, 1 / step.temperature);
    return { ...pos, negativeStates: chains, persistentChains: o.chains === 'persistent' ? chains[0] : null };
  };
}

/** Chains starting from the rows of `from` (cycled); for an RBM with binary visible units, binarised by sampling. */
function startFrom(from: Matrix, n: number, rbm?: Rbm): Matrix {
  const chains = allocateMatrix(rbm?.backend, n, from.cols);
  for (let r = 0; r < n; r++) chains.row(r).set(from.row(r % from.rows));
  if (rbm && visibleUnitsOf(rbm.params).type === 'bernoulli') sampleVisible(rbm, chains, chains);
  return chains;
}

function view(b: GibbsBuffers, rows: number): GibbsBuffers {
  return { hiddenProbs: b.hiddenProbs.topRows(rows), hidden: b.hidden.topRows(rows), visibleProbs: b.visibleProbs.topRows(rows) };
}
