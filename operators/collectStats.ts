import { defer, map, type OperatorFunction } from 'rxjs';
import { kindOf, type AnyModel, type KindOf } from '../models/modelKinds.js';
import type { Rbm } from '../models/rbm.js';
import type { StatisticsOptions } from '../models/ModelKind.js';
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
 * `options.objective` chooses what a classification RBM (inputs and a one-of-K label group) learns:
 * `'generative'` ln P(x, y), the default; `'discriminative'` ln p(y | x), its exact gradient
 * (Larochelle & Bengio 2008); `'hybrid'` ln p(y | x) + α ln P(x, y), α = `generativeWeight`
 * (default 0.01). Those two add the metrics `labelLogLikelihood` (mean ln p(y | x)) and
 * `labelError`; other kinds refuse them.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { clampVisible, gibbsStep, collectStats, createRbm, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 3, nHidden: 2, seed: 1 });
 * of(Matrix.from([[1, 0, 1]]))
 *   .pipe(clampVisible(rbm), gibbsStep({ k: 1 }), collectStats())
 *   .subscribe((s) => console.log(s.metrics.reconstructionError, s.gradient.visibleBias));
 *
 * // A classification RBM: 3 inputs and a 2-way label, learning ln p(y | x) + 0.01 ln P(x, y).
 * const visibleUnits = { type: 'bernoulli', softmaxGroups: [{ start: 3, size: 2 }] } as const;
 * const classifier = createRbm({ nVisible: 5, nHidden: 2, seed: 1, visibleUnits });
 * of(Matrix.from([[1, 0, 1, 0, 1]]))
 *   .pipe(clampVisible(classifier), gibbsStep({ k: 1 }), collectStats({ objective: 'hybrid' }))
 *   .subscribe((s) => console.log(s.metrics.labelLogLikelihood < 0)); // true
 * ```
 */
export function collectStats<M extends AnyModel = Rbm>(options: StatisticsOptions = {}): OperatorFunction<NegativePhase<M>, Statistics<M>> {
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
            statistics = kind.statistics(state.model, options);
          }
          const metrics = statistics!(state, neg, gradient!);
          return { model: state.model, state, batch, gradient: gradient!, metrics };
        }),
      );
    });
}
