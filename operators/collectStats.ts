import { defer, map, type OperatorFunction } from 'rxjs';
import { kindOf, type AnyModel, type KindOf } from '../models/modelKinds.js';
import type { Rbm } from '../models/rbm.js';
import type { NegativePhase, Statistics } from './phases.js';

/**
 * Sufficient statistics of a minibatch, as the model's kind computes them: the positive phase's
 * less the negative phase's, an estimate of the log-likelihood gradient, and the minibatch's
 * metrics. For an RBM, ΔW = ⟨v hᵀ⟩₊ − ⟨v hᵀ⟩₋, Δb = ⟨v⟩₊ − ⟨v⟩₋, Δc = ⟨h⟩₊ − ⟨h⟩₋ (positive averages
 * over the minibatch, negative over the chains; Gaussian units rescaled by 1/σ², and Δ ln σ² when
 * learned) with `reconstructionError`, the mean over the minibatch of Σᵢ (v⁰ᵢ − E[vᵢ | h⁰])². For a
 * general BM, p⁺ᵢⱼ − p⁻ᵢⱼ on connected pairs and p⁺ᵢ − p⁻ᵢ, with `statisticsGap` (mean |p⁺ᵢⱼ −
 * p⁻ᵢⱼ| over connected pairs). For a DBM, ⟨hˡ⁻¹hˡᵀ⟩ and ⟨hˡ⟩ under the mean-field posterior less
 * the same over the chains, with `meanFieldIterations` and `reconstructionError` (from the first hidden
 * layer's mean field). The gradient buffers are allocated once
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
export function collectStats<M extends AnyModel = Rbm>(): OperatorFunction<NegativePhase<M>, Statistics<M>> {
  return (source) =>
    defer(() => {
      let run: unknown = null;
      let gradient: Statistics<M>['gradient'] | null = null;
      let statistics: ReturnType<KindOf<M>['statistics']> | null = null;
      return source.pipe(
        map((neg): Statistics<M> => {
          const { state, batch } = neg;
          if (state !== run) {
            const kind = kindOf(state.model);
            run = state;
            gradient = kind.zeros(state.model);
            statistics = kind.statistics(state.model);
          }
          const metrics = statistics!(state, neg, gradient!);
          return { model: state.model, state, batch, gradient: gradient!, metrics };
        }),
      );
    });
}
