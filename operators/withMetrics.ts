import { map, type MonoTypeOperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { StepEvent } from './phases.js';

/**
 * Adds metrics to every `every`-th step event (steps where `step % every === 0`): the values that
 * `compute` returns are merged into the event's `metrics`; other events pass unchanged. The
 * building block of the metric taps (`withPseudoLikelihood`, `withFreeEnergyGap`, …).
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { trainRbm, withMetrics, Matrix } from 'boltzflow';
 * const data = Matrix.from([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]]);
 * const e = await lastValueFrom(
 *   trainRbm({ data, config: { nHidden: 2, batchSize: 2 } }).pipe(withMetrics(2, (e) => ({ hiddenBias0: e.params.hiddenBias[0] })), last()),
 * );
 * console.log(e.metrics.hiddenBias0);
 * ```
 */
export function withMetrics(every: number, compute: (e: StepEvent) => Record<string, number>): MonoTypeOperatorFunction<StepEvent> {
  if (!Number.isInteger(every) || every < 1) throw new BoltzflowError('every', every, 'an integer ≥ 1 (steps between evaluations)');
  return map((e) => (e.step % every === 0 ? { ...e, metrics: { ...e.metrics, ...compute(e) } } : e));
}
