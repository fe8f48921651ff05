import { defer, type MonoTypeOperatorFunction } from 'rxjs';
import type { Matrix } from '../kernels/Matrix.js';
import { aisBetas, baseRateBias, createAis } from '../models/ais.js';
import { logProbability, mean } from '../models/logProbability.js';
import type { StepEvent } from './phases.js';
import { withMetrics } from './withMetrics.js';

export interface AisEstimateOptions {
  /** Rows whose mean log-probability is reported (e.g. a validation set); the base rate also fits them. */
  data: Matrix;
  every: number;
  /** AIS runs (default 100) and annealing steps (default 1,000: quick; use 14,500 for papers' precision). */
  runs?: number;
  steps?: number;
  /** Seed of AIS's own generator (the training run is untouched). Default 1. */
  seed?: number;
}

/**
 * Taps a training stream with an AIS estimate every `every` steps: metrics `logZ`, `logZLow`,
 * `logZHigh` (±3σ) and `logLikelihood` (mean ln P(v) of `data` under the estimate). It runs
 * synchronously inside the step, so choose `every` and `steps` with its cost in mind
 * (≈ steps × 2 products of runs×V×H).
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { loadDataset, trainRbm, withAisEstimate } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 1000 });
 * const e = await lastValueFrom(trainRbm({ data, config: { nHidden: 16 } }).pipe(withAisEstimate({ data, every: 10, steps: 200 }), last()));
 * console.log(e.metrics.logZ, e.metrics.logLikelihood);
 * ```
 */
export function withAisEstimate(options: AisEstimateOptions): MonoTypeOperatorFunction<StepEvent> {
  const { data, every, runs = 100, steps = 1000, seed = 1 } = options;
  return (source) =>
    defer(() => {
      const baseVisibleBias = baseRateBias(data);
      const betas = aisBetas(steps);
      let evaluation = 0;
      return source.pipe(
        withMetrics(every, (e) => {
          const ais = createAis(e.model, { baseVisibleBias, betas, runs, seed: seed + evaluation++ });
          ais.advance(Infinity);
          const { logZ, logZLow, logZHigh } = ais.result();
          return { logZ, logZLow, logZHigh, logLikelihood: mean(logProbability(e.model, data, logZ)) };
        }),
      );
    });
}
