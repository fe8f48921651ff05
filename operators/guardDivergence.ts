import { map, type MonoTypeOperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { StepEvent } from './phases.js';

export interface GuardDivergenceOptions {
  /** Largest weight norm ‖W‖ (the `weightNorm` metric) taken as sane (default 1e5: a mean |w| above 100 for an MNIST-sized model). */
  maxWeightNorm?: number;
  /** The learning rate, named in the advice. */
  learningRate?: number;
}

/**
 * Stops a training stream with a clear error when it diverges: a non-finite metric (weights,
 * reconstruction error) or a weight norm ‖W‖ beyond `maxWeightNorm`. Placed before the snapshot sink
 * (as `trainRbm` and `trainOnline` do), it errors before the diverged state is written, so the
 * last snapshot on disk is the last good one. The message suggests the likely cause.
 *
 * @example
 * ```ts
 * import { lastValueFrom } from 'rxjs';
 * import { trainRbm, guardDivergence, loadDataset } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 500 });
 * const steps$ = trainRbm({ data, config: { nHidden: 16, learningRate: 100, momentum: 0.9 } });
 * try { await lastValueFrom(steps$.pipe(guardDivergence({ maxWeightNorm: 1000, learningRate: 100 }))); }
 * catch (e) { console.log((e as Error).message.split('\n')[0]); } // training: got "weight norm … at step …", expected …
 * ```
 */
export function guardDivergence<E extends Pick<StepEvent, 'step' | 'metrics'> = StepEvent>(
  options: GuardDivergenceOptions = {},
): MonoTypeOperatorFunction<E> {
  const limit = options.maxWeightNorm ?? 1e5;
  const lr = options.learningRate === undefined ? 'the learning rate' : `the learning rate (${options.learningRate})`;
  return map((e) => {
    const bad = Object.entries(e.metrics).find(([, v]) => !Number.isFinite(v));
    const norm = e.metrics.weightNorm ?? 0;
    if (bad || norm > limit)
      throw new BoltzflowError(
        'training',
        bad ? `${bad[0]} = ${bad[1]} at step ${e.step}` : `weight norm ${norm.toExponential(2)} at step ${e.step}`,
        `finite metrics and a weight norm ≤ ${limit.toExponential(0)} (training diverged)`,
        {
          more: [
            `Likely cause: ${lr} is too high for this model — try 10× smaller, or less momentum; real-valued (Gaussian) visible units need rates around 1e-3.`,
            'The diverged state was not saved: the last snapshot on disk is the last good one.',
          ],
        },
      );
    return e;
  });
}
