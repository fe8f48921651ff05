import { defer, map, type OperatorFunction } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { zeroRbmParams } from '../models/rbm.js';
import type { BmBuffers, BmNegativePhase, BmStatistics, NegativePhase, ParamBuffers, Statistics, StatisticsOf } from './phases.js';

/**
 * Sufficient statistics of a minibatch. For an RBM, the CD/PCD gradient estimate
 * ΔW = ⟨v hᵀ⟩₊ − ⟨v hᵀ⟩₋, Δb = ⟨v⟩₊ − ⟨v⟩₋, Δc = ⟨h⟩₊ − ⟨h⟩₋ (positive averages over the minibatch,
 * negative over the chains), and the metric `reconstructionError`: the mean over the minibatch of
 * Σᵢ (v⁰ᵢ − P(vᵢ | h⁰))². For a general BM, p⁺ᵢⱼ − p⁻ᵢⱼ on connected pairs and p⁺ᵢ − p⁻ᵢ, with the
 * metric `statisticsGap` (mean |p⁺ᵢⱼ − p⁻ᵢⱼ| over connected pairs). The buffers are allocated once
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
export function collectStats<N extends NegativePhase | BmNegativePhase = NegativePhase>(): OperatorFunction<N, StatisticsOf<N>> {
  return (source) =>
    defer(() => {
      let rbmGradient: ParamBuffers | null = null;
      let bmGradient: BmBuffers | null = null;
      return source.pipe(
        map((neg) => {
          if (neg.model.kind === 'bm') {
            const n = neg.model.params.nUnits;
            bmGradient ??= { weights: Matrix.zeros(n, n), bias: new Float32Array(n) };
            return bmStatistics(neg as BmNegativePhase, bmGradient) as StatisticsOf<N>;
          }
          const p = neg.model.params;
          rbmGradient ??= zeroRbmParams(p.nVisible, p.nHidden);
          return rbmStatistics(neg as NegativePhase, rbmGradient) as StatisticsOf<N>;
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
  return { model, batch: neg.batch, gradient, metrics: { reconstructionError }, persistentChains: neg.persistentChains };
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
