import { defer, map, type OperatorFunction } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import { zeroRbmParams } from '../models/rbm.js';
import { visibleUnitsOf } from '../models/visibleUnits.js';
import { accumulateDbmMoments, zeroDbmMoments, type DbmMoments } from '../models/dbmPhases.js';
import type { BmBuffers, BmNegativePhase, DbmNegativePhase, DbmStatistics, BmStatistics, NegativePhase, ParamBuffers, Statistics, StatisticsOf } from './phases.js';

/**
 * Sufficient statistics of a minibatch. For an RBM, the CD/PCD gradient estimate
 * ΔW = ⟨v hᵀ⟩₊ − ⟨v hᵀ⟩₋, Δb = ⟨v⟩₊ − ⟨v⟩₋, Δc = ⟨h⟩₊ − ⟨h⟩₋ (positive averages over the minibatch,
 * negative over the chains), and the metric `reconstructionError`: the mean over the minibatch of
 * Σᵢ (v⁰ᵢ − E[vᵢ | h⁰])². Gaussian visible units see vᵢ/σᵢ² in ΔW and Δb, and a learned variance
 * gets Δzᵢ = ⟨e^{−zᵢ}((vᵢ − bᵢ)²/2 − vᵢ(W P(h|v))ᵢ)⟩₊ − ⟨…⟩₋ (the derivatives of −F(v)). For a general BM, p⁺ᵢⱼ − p⁻ᵢⱼ on connected pairs and p⁺ᵢ − p⁻ᵢ, with the
 * metric `statisticsGap` (mean |p⁺ᵢⱼ − p⁻ᵢⱼ| over connected pairs). For a DBM, ⟨hˡ⁻¹hˡᵀ⟩ and ⟨hˡ⟩ under the
 * mean-field posterior (data) less the same over the chains, with the metric `meanFieldIterations`. The buffers are allocated once
 * per subscription and overwritten at each minibatch.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { clampVisible, gibbsStep, collectStats, createRbm, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 3, nHidden: 2, seed: 1 });
 * of(Matrix.from([[1, 0, 1]]))
 *   .pipe(clampVisible(rbm), gibbsStep({ k: 1 }), collectStats())
 *   .subscribe((s) => console.log(s.metrics.reconstructionError, s.gradient.visibleBias));
 * ```
 */
export function collectStats<N extends NegativePhase | BmNegativePhase | DbmNegativePhase = NegativePhase>(): OperatorFunction<N, StatisticsOf<N>> {
  return (source) =>
    defer(() => {
      let rbmGradient: ParamBuffers | null = null;
      let bmGradient: BmBuffers | null = null;
      let backProjection: ((rows: number) => Matrix) | null = null;
      let dbmGradient: DbmMoments | null = null;
      return source.pipe(
        map((neg) => {
          if (neg.model.kind === 'dbm') {
            const d = neg as DbmNegativePhase;
            dbmGradient ??= zeroDbmMoments(d.model);
            accumulateDbmMoments(d.model, d.meanField, 1, dbmGradient, true);
            accumulateDbmMoments(d.model, d.negativeStates, -1, dbmGradient, false);
            const out: DbmStatistics = { model: d.model, batch: d.batch, gradient: dbmGradient, metrics: { meanFieldIterations: d.iterations }, persistentChains: d.persistentChains };
            return out as StatisticsOf<N>;
          }
          if (neg.model.kind === 'bm') {
            const n = neg.model.params.nUnits;
            bmGradient ??= { weights: Matrix.zeros(n, n), bias: new Float32Array(n) };
            return bmStatistics(neg as BmNegativePhase, bmGradient) as StatisticsOf<N>;
          }
          const p = neg.model.params;
          rbmGradient ??= zeroRbmParams(p.nVisible, p.nHidden, p.visibleUnits, neg.model.backend);
          const stats = rbmStatistics(neg as NegativePhase, rbmGradient);
          if (visibleUnitsOf(p).type === 'gaussian') gaussianStatistics(neg as NegativePhase, rbmGradient, (backProjection ??= reusableMatrix(p.nVisible)));
          return stats as StatisticsOf<N>;
        }),
      );
    });
}

function rbmStatistics(neg: NegativePhase, gradient: ParamBuffers): Statistics {
  const { model, visible, hiddenProbs, negativeVisible, negativeHiddenProbs, reconstruction } = neg;
  const { backend } = model;
  const b = visible.rows, n = negativeVisible.rows;
  backend.gemm(true, false, 1 / b, visible, hiddenProbs, 0, gradient.weights);
  backend.gemm(true, false, -1 / n, negativeVisible, negativeHiddenProbs, 1, gradient.weights);
  backend.columnSums(visible, 1 / b, 0, gradient.visibleBias);
  backend.columnSums(negativeVisible, -1 / n, 1, gradient.visibleBias);
  backend.columnSums(hiddenProbs, 1 / b, 0, gradient.hiddenBias);
  backend.columnSums(negativeHiddenProbs, -1 / n, 1, gradient.hiddenBias);
  const reconstructionError = backend.squaredDistance(visible.data, reconstruction.data) / b;
  return { model, batch: neg.batch, gradient, metrics: { reconstructionError }, persistentChains: neg.persistentChains, persistentHidden: neg.persistentHidden ?? null };
}

/**
 * Gaussian visible units: rescales the Bernoulli-form ΔW and Δb by 1/σᵢ² (row i of ΔW, entry i of
 * Δb: the bᵢ terms cancel) and, when the variance is learned, fills Δz.
 */
function gaussianStatistics(neg: NegativePhase, gradient: ParamBuffers, scratch: (rows: number) => Matrix): void {
  const { params, backend } = neg.model;
  const z = params.logVariance!, V = params.nVisible, H = params.nHidden;
  for (let i = 0; i < V; i++) {
    const s = Math.exp(-z[i]);
    if (s === 1) continue;
    gradient.visibleBias[i] *= s;
    for (let j = 0, k = i * H; j < H; j++, k++) gradient.weights.data[k] *= s;
  }
  const g = gradient.logVariance;
  if (!g || !(params.visibleUnits?.type === 'gaussian' && params.visibleUnits.learnVariance)) return;
  g.fill(0);
  const add = (v: Matrix, hp: Matrix, sign: number) => {
    const wh = scratch(v.rows);
    backend.gemm(false, true, 1, hp, params.weights, 0, wh);
    for (let r = 0; r < v.rows; r++)
      for (let i = 0, k = r * V; i < V; i++, k++) g[i] += (sign / v.rows) * (((v.data[k] - params.visibleBias[i]) ** 2) / 2 - v.data[k] * wh.data[k]);
  };
  add(neg.visible, neg.hiddenProbs, 1);
  add(neg.negativeVisible, neg.negativeHiddenProbs, -1);
  for (let i = 0; i < V; i++) g[i] *= Math.exp(-z[i]);
}

function bmStatistics(neg: BmNegativePhase, gradient: BmBuffers): BmStatistics {
  const { model, positive, negative } = neg;
  const { nUnits: n, mask } = model.params;
  let gap = 0, pairs = 0;
  for (let k = 0; k < n * n; k++) {
    const d = mask[k] ? positive.cooccurrence[k] - negative.cooccurrence[k] : 0;
    gradient.weights.data[k] = d;
    if (mask[k]) (gap += Math.abs(d)), pairs++;
  }
  for (let i = 0; i < n; i++) gradient.bias[i] = positive.means[i] - negative.means[i];
  return { model, batch: neg.batch, gradient, metrics: { statisticsGap: pairs ? gap / pairs : 0 }, persistentChains: neg.persistentChains };
}
