import type { MonoTypeOperatorFunction } from 'rxjs';
import type { Matrix } from '../kernels/Matrix.js';
import { freeEnergy } from '../models/freeEnergy.js';
import { mean } from '../models/logProbability.js';
import type { StepEvent } from './phases.js';
import { withMetrics } from './withMetrics.js';

/**
 * Taps a training stream with the mean free energy of a training sample and of a validation
 * sample, and their gap (validation − training): Hinton's practical guide watches this gap to
 * see overfitting begin (it grows). Metrics `freeEnergyTrain`, `freeEnergyValidation`,
 * `freeEnergyGap`, every `every` steps. Deterministic: it draws nothing.
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { loadDataset, trainRbm, withFreeEnergyGap } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 1000 });
 * const { data: test } = await loadDataset('mnist:test', { limit: 500 });
 * const e = await lastValueFrom(
 *   trainRbm({ data, config: { nHidden: 32 } }).pipe(withFreeEnergyGap({ train: data.topRows(500), validation: test, every: 5 }), last()),
 * );
 * console.log(e.metrics.freeEnergyGap);
 * ```
 */
export function withFreeEnergyGap(options: { train: Matrix; validation: Matrix; every: number }): MonoTypeOperatorFunction<StepEvent> {
  return withMetrics(options.every, (e) => {
    const freeEnergyTrain = mean(freeEnergy(e.model, options.train));
    const freeEnergyValidation = mean(freeEnergy(e.model, options.validation));
    return { freeEnergyTrain, freeEnergyValidation, freeEnergyGap: freeEnergyValidation - freeEnergyTrain };
  });
}
