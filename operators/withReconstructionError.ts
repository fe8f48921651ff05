import type { MonoTypeOperatorFunction } from 'rxjs';
import { mean } from '../models/logProbability.js';
import { reconstructionError } from '../models/reconstructionError.js';
import { withHeldOutMetric, type HeldOutMetricOptions } from './withHeldOutMetric.js';
import type { StepEvent } from './phases.js';

/**
 * Taps a training stream with the mean reconstruction error of held-out `data`, as the metric
 * `heldOutReconstructionError`, every `every` steps (its own generator: the run is unchanged).
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { loadDataset, trainRbm, withReconstructionError } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 1000 });
 * const { data: test } = await loadDataset('mnist:test', { limit: 500 });
 * const e = await lastValueFrom(trainRbm({ data, config: { nHidden: 32 } }).pipe(withReconstructionError({ data: test, every: 5 }), last()));
 * console.log(e.metrics.heldOutReconstructionError);
 * ```
 */
export function withReconstructionError(options: HeldOutMetricOptions): MonoTypeOperatorFunction<StepEvent> {
  return withHeldOutMetric(options, (rbm, data) => ({ heldOutReconstructionError: mean(reconstructionError(rbm, data)) }));
}
