import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { allocateMatrix } from '../kernels/allocateMatrix.js';
import type { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import type { AnnealStep } from './bm.js';
import type { SamplerOptions } from './ModelKind.js';
import { gibbsBuffers, gibbsChain, visibleProbs, type GibbsBuffers, type Rbm } from './rbm.js';
import type { RbmChains, RbmNegative, RbmPositive, RbmState } from './rbmKind.js';
import { temperedSampler } from './temperedSampler.js';
import { randomVisible, sampleVisible, visibleMeans, visibleUnitsOf } from './visibleUnits.js';

/**
 * The RBM's negative phase, with its buffers (allocated once per call of this factory: once per
 * subscription). An optional annealing schedule runs first, then k steps of block Gibbs v → h → v
 * at `temperature`, from the data (CD-k), from persistent chains (PCD) or from random states.
 * Persistent chains live in `state.chains`: by default their visible states, each step starting
 * at v → h under the updated parameters; with `keepHidden` their hidden states too: each step
 * ends by sampling h ~ P(h | v) (the P(h | v) the statistics need anyway) and the next starts at
 * h → v, one product with W fewer. Chains found in the state that this sampler did not make
 * (a snapshot's) are copied in at the first step; with `keepHidden`, chains without hidden states get them sampled.
 * Kept hidden states with one temperature take their first half-step h → v and the data's
 * reconstruction in one product: [chains' h; data's h]·Wᵀ, in `stack`, whose first rows hold the
 * chains' hidden states for good (one pass over W instead of two).
 * Tempered chains (parallel tempering) are {@link temperedSampler}'s.
 */
export function rbmSampler(o: SamplerOptions): (state: RbmState, pos: RbmPositive) => RbmNegative {
  if (o.chains === 'tempered') return temperedSampler(o);
  const schedule: AnnealStep[] = [...(o.anneal ?? []), { temperature: o.temperature, sweeps: o.k }];
  let buffers: GibbsBuffers | null = null;
  /** Whether `buffers.hidden` holds the persistent chains' hidden states. */
  let hiddenReady = false;
  /** The chains this sampler keeps (what it last wrote to the state). */
  let mine: RbmChains | null = null;
  let chains: Matrix | null = null;
  let fresh: ((rows: number) => Matrix) | null = null;
  let recon: ((rows: number) => Matrix) | null = null;
  let stack: { hidden: Matrix; visible: Matrix } | null = null;
  const keepHidden = o.keepHidden ?? false;
  const fusable = o.chains === 'persistent' && schedule.length === 1 && keepHidden;
  return (state, pos) => {
    const { model } = state;
    const { nVisible, nHidden } = model.params;
    const rows = pos.visible.rows;
    recon ??= reusableMatrix(nVisible, model.backend);
    fresh ??= reusableMatrix(nVisible, model.backend);
    let restoredHidden: Matrix | null = null;
    if (o.chains === 'persistent' && state.chains && state.chains !== mine) {
      const given = state.chains;
      if (given.visible.cols !== nVisible)
        throw new BoltzflowError('chains', `${given.visible.rows}×${given.visible.cols}`, `N×${nVisible} chain states`);
      if (given.hidden && (given.hidden.rows !== given.visible.rows || given.hidden.cols !== nHidden))
        throw new BoltzflowError(
          'chains.hidden',
          `${given.hidden.rows}×${given.hidden.cols}`,
          `${given.visible.rows}×${nHidden} hidden states (one row per chain)`,
        );
      chains = allocateMatrix(model.backend, given.visible.rows, nVisible).copyFrom(given.visible);
      restoredHidden = keepHidden ? given.hidden : null;
      hiddenReady = false;
    }
    let reconstruction: Matrix;
    let v: Matrix;
    if (o.chains === 'persistent') v = chains ??= startFrom(pos.visible, o.nChains ?? rows, model);
    else v = fresh(o.chains === 'random' ? (o.nChains ?? rows) : rows);
    if (!buffers || buffers.hiddenProbs.rows < v.rows) {
      buffers = gibbsBuffers(model.params, v.rows, model.backend);
      hiddenReady = false;
      stack = null;
    }
    if (fusable && (!stack || stack.hidden.rows < v.rows + rows)) {
      const next = {
        hidden: allocateMatrix(model.backend, v.rows + rows, nHidden),
        visible: allocateMatrix(model.backend, v.rows + rows, nVisible),
      };
      next.hidden.topRows(v.rows).copyFrom(buffers.hidden.topRows(v.rows));
      buffers = { ...buffers, hidden: next.hidden.topRows(v.rows) };
      stack = next;
    }
    const b = view(buffers, v.rows);
    if (restoredHidden) {
      b.hidden.data.set(restoredHidden.data);
      hiddenReady = true;
    }
    if (fusable && hiddenReady && schedule[0].sweeps > 0 && stack) {
      const n = v.rows,
        beta = 1 / schedule[0].temperature;
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
      if (keepHidden) model.backend.bernoulli(b.hiddenProbs.data, model.rng, b.hidden.data);
      hiddenReady = keepHidden;
      const hidden = keepHidden ? b.hidden : null;
      if (!mine || mine.visible !== v || mine.hidden !== hidden) mine = { visible: v, hidden };
      state.chains = mine;
    }
    return { negativeVisible: v, negativeHiddenProbs: b.hiddenProbs, reconstruction };
  };
}

/** Chains starting from the rows of `from` (cycled); with binary visible units, binarised by sampling. */
export function startFrom(from: Matrix, n: number, rbm: Rbm): Matrix {
  const chains = allocateMatrix(rbm.backend, n, from.cols);
  for (let r = 0; r < n; r++) chains.row(r).set(from.row(r % from.rows));
  if (visibleUnitsOf(rbm.params).type === 'bernoulli') sampleVisible(rbm, chains, chains);
  return chains;
}

function view(b: GibbsBuffers, rows: number): GibbsBuffers {
  return { hiddenProbs: b.hiddenProbs.topRows(rows), hidden: b.hidden.topRows(rows), visibleProbs: b.visibleProbs.topRows(rows) };
}
