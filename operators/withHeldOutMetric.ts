import { defer, type MonoTypeOperatorFunction } from 'rxjs';
import type { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { rbmFromParams, type Rbm } from '../models/rbm.js';
import type { StepEvent } from './phases.js';
import { withMetrics } from './withMetrics.js';

export interface HeldOutMetricOptions {
  /** The rows to score (e.g. a validation set, or a sample of the training set). */
  data: Matrix;
  /** Steps between evaluations. */
  every: number;
  /** Seed of the metric's own generator: tapping a metric never changes the training run. Default 1. */
  seed?: number;
}

/**
 * Scores `data` with the model every `every` steps and merges the scores into the step's metrics.
 * `score` gets a view of the model that draws from the metric's own generator (seeded per
 * subscription), so the training run draws exactly what it would without the tap.
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { withHeldOutMetric, freeEnergy, mean, trainRbm, Matrix } from 'boltzflow';
 * const data = Matrix.from([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]]);
 * const e = await lastValueFrom(
 *   trainRbm({ data, config: { nHidden: 2, batchSize: 2 } }).pipe(
 *     withHeldOutMetric({ data, every: 1 }, (rbm, d) => ({ meanFreeEnergy: mean(freeEnergy(rbm, d)) })),
 *     last(),
 *   ),
 * );
 * console.log(e.metrics.meanFreeEnergy);
 * ```
 */
export function withHeldOutMetric(
  options: HeldOutMetricOptions,
  score: (rbm: Rbm, data: Matrix) => Record<string, number>,
): MonoTypeOperatorFunction<StepEvent> {
  return (source) =>
    defer(() => {
      const rng = Rng.fromSeed(options.seed ?? 1);
      return source.pipe(withMetrics(options.every, (e) => score(rbmFromParams(e.model.params, rng, e.model.backend), options.data)));
    });
}
