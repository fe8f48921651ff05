import type { MonoTypeOperatorFunction } from 'rxjs';
import { mean } from '../models/logProbability.js';
import { pseudoLikelihood } from '../models/pseudoLikelihood.js';
import { withHeldOutMetric, type HeldOutMetricOptions } from './withHeldOutMetric.js';
import type { StepEvent } from './phases.js';

/**
 * Taps a training stream with the mean pseudo-log-likelihood (scikit-learn's definition) of
 * `data`, as the metric `pseudoLikelihood`, every `every` steps. It draws from its own seeded
 * generator, so the trained weights are the same with or without it.
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { loadDataset, trainRbm, withPseudoLikelihood } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 1000 });
 * const { data: test } = await loadDataset('mnist:test', { limit: 500 });
 * const e = await lastValueFrom(trainRbm({ data, config: { nHidden: 32 } }).pipe(withPseudoLikelihood({ data: test, every: 5 }), last()));
 * console.log(e.metrics.pseudoLikelihood);
 * ```
 */
export function withPseudoLikelihood(options: HeldOutMetricOptions): MonoTypeOperatorFunction<StepEvent> {
  return withHeldOutMetric(options, (rbm, data) => ({ pseudoLikelihood: mean(pseudoLikelihood(rbm, data)) }));
}
