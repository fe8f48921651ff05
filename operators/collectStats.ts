import { defer, map, type OperatorFunction } from 'rxjs';
import { zeroRbmParams } from '../models/rbm.js';
import type { NegativePhase, ParamBuffers, Statistics } from './phases.js';

/**
 * Sufficient statistics of a minibatch: the CD/PCD gradient estimate
 * ΔW = ⟨v hᵀ⟩₊ − ⟨v hᵀ⟩₋, Δb = ⟨v⟩₊ − ⟨v⟩₋, Δc = ⟨h⟩₊ − ⟨h⟩₋, with the positive averages over the
 * minibatch (v⁰, P(h|v⁰)) and the negative ones over the chains (vᵏ, P(h|vᵏ)). Also the metric
 * `reconstructionError`: the mean over the minibatch of Σᵢ (v⁰ᵢ − P(vᵢ | h⁰))².
 * The gradient buffers are allocated once per subscription and overwritten at each minibatch.
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
export function collectStats(): OperatorFunction<NegativePhase, Statistics> {
  return (source) =>
    defer(() => {
      let gradient: ParamBuffers | null = null;
      return source.pipe(
        map((neg): Statistics => {
          const { model, visible, hiddenProbs, negativeVisible, negativeHiddenProbs, reconstruction } = neg;
          const { backend, params } = model;
          gradient ??= zeroRbmParams(params.nVisible, params.nHidden);
          const b = visible.rows, n = negativeVisible.rows;
          backend.gemm(true, false, 1 / b, visible, hiddenProbs, 0, gradient.weights);
          backend.gemm(true, false, -1 / n, negativeVisible, negativeHiddenProbs, 1, gradient.weights);
          backend.columnSums(visible, 1 / b, 0, gradient.visibleBias);
          backend.columnSums(negativeVisible, -1 / n, 1, gradient.visibleBias);
          backend.columnSums(hiddenProbs, 1 / b, 0, gradient.hiddenBias);
          backend.columnSums(negativeHiddenProbs, -1 / n, 1, gradient.hiddenBias);
          const reconstructionError = backend.squaredDistance(visible.data, reconstruction.data) / b;
          return { model, batch: neg.batch, gradient, metrics: { reconstructionError }, persistentChains: neg.persistentChains };
        }),
      );
    });
}
