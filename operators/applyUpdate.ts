import { defer, map, type OperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Backend } from '../kernels/Backend.js';
import { kindOf, type AnyModel } from '../models/modelKinds.js';
import type { Rbm } from '../models/rbm.js';
import { parseWith } from '../schemas/parseWith.js';
import { updateOptionsSchema, type UpdateOptions } from '../schemas/updateOptions.js';
import type { Statistics, StepEvent, StepMetrics } from './phases.js';

export interface ApplyUpdateOptions extends UpdateOptions {
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
 * Moves the parameters along the statistics and emits one step event per minibatch with the
 * metrics, the parameters and the run's state. Rule `gradient`: SGD with momentum and L2 weight
 * decay, at a learning rate optionally scaled by a `schedule`, velocity ← momentum·velocity +
 * learningRate·(gradient − weightDecay·W) (no decay on biases), then parameters ← parameters +
 * velocity. Rule `sign`: each parameter moves by ±stepSize in the sign of its statistic where
 * |statistic| > threshold (else stays put), less weightDecay·W on the weights — the general
 * Boltzmann machine's original fixed-step rule. The velocity and the counters live in the run's
 * state (a restored state's velocity is continued). If the weights or the metrics become
 * non-finite, the stream errors, naming the step and the learning rate.
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
export function applyUpdate<M extends AnyModel = Rbm>(options: ApplyUpdateOptions = {}): OperatorFunction<Statistics<M>, StepEvent<M>> {
  const { schedule, ...rest } = options;
  const o = parseWith(updateOptionsSchema, rest);
  return (source) =>
    defer(() =>
      source.pipe(
        map((stats): StepEvent<M> => {
          const { state, batch } = stats;
          const { model } = state;
          const kind = kindOf(model);
          const learningRate = schedule ? o.learningRate * schedule(batch.step) : o.learningRate;
          const backend: Backend = kind.backend(model);
          const velocity = (state.velocity ??= kind.zeros(model));
          const params = kind.tensors(model, kind.params(model)),
            gradient = kind.tensors(model, stats.gradient),
            v = kind.tensors(model, velocity);
          const decays = kind.decays(model);
          let sumSq = 0;
          params.forEach((w, i) => {
            const norm = move(backend, o, learningRate, gradient[i], v[i], w, decays[i]);
            if (decays[i]) sumSq += norm;
          });
          const endOfEpoch = batch.index + 1 >= batch.batchesPerEpoch;
          state.counters = {
            step: batch.step + 1,
            epoch: endOfEpoch ? batch.epoch + 1 : batch.epoch,
            index: endOfEpoch ? 0 : batch.index + 1,
          };
          // The kind's statistics computed its own metrics (StepMetrics<M> names them).
          const metrics = { ...stats.metrics, weightNorm: Math.sqrt(sumSq), learningRate } as StepMetrics<M>;
          const bad = Number.isFinite(metrics.weightNorm) ? Object.entries(stats.metrics).find(([, x]) => !Number.isFinite(x)) : undefined;
          if (!Number.isFinite(metrics.weightNorm) || bad)
            throw new BoltzflowError(
              bad ? `step ${batch.step + 1} metric ${bad[0]}` : `step ${batch.step + 1} weights`,
              bad ? bad[1] : metrics.weightNorm,
              `finite values (training diverged; lower the learning rate, now ${learningRate})`,
              {
                more: [
                  'Likely cause: the learning rate is too high for this model — try 10× smaller, or less momentum.',
                  'The diverged state was not saved: the last snapshot on disk is the last good one.',
                ],
              },
            );
          return {
            step: batch.step + 1,
            epoch: batch.epoch,
            index: batch.index,
            batchesPerEpoch: batch.batchesPerEpoch,
            batchSize: batch.data.rows,
            metrics,
            params: kind.params(model),
            model,
            velocity,
            state,
          };
        }),
      ),
    );
}

/** One parameter array's update, in place: the velocity, then the parameters (backend kernels); returns Σw² after it. */
function move(
  backend: Backend,
  o: ReturnType<typeof updateOptionsSchema.parse>,
  learningRate: number,
  g: Float32Array,
  v: Float32Array,
  w: Float32Array,
  decay: boolean,
): number {
  if (o.rule === 'gradient') return backend.momentumStep(g, v, w, learningRate, o.momentum, decay ? o.weightDecay : 0);
  backend.signStep(g, o.threshold, o.stepSize, v);
  if (decay && o.weightDecay !== 0) backend.axpby(-o.weightDecay, w, 1, v);
  backend.axpby(1, v, 1, w);
  return backend.dot(w, w);
}
