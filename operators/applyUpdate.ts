import { defer, map, type OperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { zeroRbmParams } from '../models/rbm.js';
import { parseWith } from '../schemas/parseWith.js';
import { updateOptionsSchema, type UpdateOptions } from '../schemas/updateOptions.js';
import type { ParamBuffers, Statistics, StepEvent } from './phases.js';

export interface ApplyUpdateOptions extends UpdateOptions {
  /** Velocity to continue from (a snapshot's optimiser state); copied. */
  initialVelocity?: ParamBuffers | null;
  /**
   * Factor on the learning rate at each step, given the 0-based index of the minibatch
   * (e.g. `linearDecay(total)` for a rate falling to zero, as Tieleman (2008) trained PCD).
   */
  schedule?: (step: number) => number;
}

/** A schedule falling linearly from 1 at step 0 to 0 after `totalSteps` steps. */
export function linearDecay(totalSteps: number): (step: number) => number {
  return (step) => Math.max(0, 1 - step / totalSteps);
}

/**
 * Moves the parameters along the statistics: SGD with momentum and L2 weight decay, at a
 * learning rate optionally scaled by a `schedule`,
 * velocity ← momentum·velocity + learningRate·(gradient − weightDecay·W) (no decay on biases),
 * then parameters ← parameters + velocity. Emits one {@link StepEvent} per minibatch with the
 * metrics and a read-only view of the parameters. The velocity lives in the subscription.
 * If the weights or the metrics become non-finite, the stream errors, naming the step and the
 * learning rate.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { clampVisible, gibbsStep, collectStats, applyUpdate, createRbm, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 3, nHidden: 2, seed: 1 });
 * of(Matrix.from([[1, 0, 1]]), Matrix.from([[0, 1, 0]]))
 *   .pipe(clampVisible(rbm), gibbsStep({ k: 1 }), collectStats(), applyUpdate({ learningRate: 0.1, momentum: 0.5 }))
 *   .subscribe((e) => console.log(e.step, e.metrics.reconstructionError));
 * ```
 */
export function applyUpdate(options: ApplyUpdateOptions): OperatorFunction<Statistics, StepEvent> {
  const { initialVelocity, schedule, ...rest } = options;
  const { learningRate: baseRate, momentum, weightDecay } = parseWith(updateOptionsSchema, rest);
  return (source) =>
    defer(() => {
      let velocity: ParamBuffers | null = initialVelocity
        ? {
            weights: initialVelocity.weights.clone(),
            visibleBias: initialVelocity.visibleBias.slice(),
            hiddenBias: initialVelocity.hiddenBias.slice(),
          }
        : null;
      return source.pipe(
        map((stats): StepEvent => {
          const { model, gradient, batch } = stats;
          const { backend, params } = model;
          velocity ??= zeroRbmParams(params.nVisible, params.nHidden);
          const learningRate = schedule ? baseRate * schedule(batch.step) : baseRate;
          const w = params.weights.data;
          const vw = velocity.weights.data;
          backend.axpby(learningRate, gradient.weights.data, momentum, vw);
          if (weightDecay !== 0) backend.axpby(-learningRate * weightDecay, w, 1, vw);
          backend.axpby(learningRate, gradient.visibleBias, momentum, velocity.visibleBias);
          backend.axpby(learningRate, gradient.hiddenBias, momentum, velocity.hiddenBias);
          backend.axpby(1, vw, 1, w);
          backend.axpby(1, velocity.visibleBias, 1, params.visibleBias);
          backend.axpby(1, velocity.hiddenBias, 1, params.hiddenBias);
          const weightNorm = Math.sqrt(backend.dot(w, w));
          if (!Number.isFinite(weightNorm) || !Number.isFinite(stats.metrics.reconstructionError ?? 0))
            throw new BoltzflowError(
              `step ${batch.step + 1} weights`,
              weightNorm,
              `finite values (training diverged; lower the learning rate, now ${learningRate})`,
            );
          return {
            step: batch.step + 1,
            epoch: batch.epoch,
            index: batch.index,
            batchesPerEpoch: batch.batchesPerEpoch,
            batchSize: stats.batch.data.rows,
            metrics: { ...stats.metrics, weightNorm, learningRate },
            params,
            model,
            velocity,
            persistentChains: stats.persistentChains,
          };
        }),
      );
    });
}

