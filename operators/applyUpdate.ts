import { defer, map, type OperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Backend } from '../kernels/Backend.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { zeroRbmParams, type RbmParams } from '../models/rbm.js';
import { zeroDbmMoments, type DbmMoments } from '../models/dbmPhases.js';
import { parseWith } from '../schemas/parseWith.js';
import { updateOptionsSchema, type UpdateOptions } from '../schemas/updateOptions.js';
import type { BmBuffers, BmStatistics, BmStepEvent, DbmStatistics, DbmStepEvent, ParamBuffers, Statistics, StepEvent, StepOf } from './phases.js';

export interface ApplyUpdateOptions extends UpdateOptions {
  /** Velocity to continue from (a snapshot's optimiser state); copied. RBMs only. */
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
 * Moves the parameters along the statistics and emits one step event per minibatch with the
 * metrics and the parameters. Rule `gradient`: SGD with momentum and L2 weight decay, at a
 * learning rate optionally scaled by a `schedule`, velocity ← momentum·velocity +
 * learningRate·(gradient − weightDecay·W) (no decay on biases), then parameters ← parameters +
 * velocity. Rule `sign`: each parameter moves by ±stepSize in the sign of its statistic where
 * |statistic| > threshold (else stays put), less weightDecay·W on the weights — the general
 * Boltzmann machine's original fixed-step rule. The velocity lives in the
 * subscription. If the weights or the metrics become non-finite, the stream errors, naming the
 * step and the learning rate.
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
export function applyUpdate<S extends Statistics | BmStatistics | DbmStatistics = Statistics>(options: ApplyUpdateOptions = {}): OperatorFunction<S, StepOf<S>> {
  const { initialVelocity, schedule, ...rest } = options;
  const o = parseWith(updateOptionsSchema, rest);
  return (source) =>
    defer(() => {
      let rbmVelocity: ParamBuffers | null = null;
      let bmVelocity: BmBuffers | null = null;
      let dbmVelocity: DbmMoments | null = null;
      return source.pipe(
        map((stats) => {
          const learningRate = schedule ? o.learningRate * schedule(stats.batch.step) : o.learningRate;
          const backend = stats.model.kind === 'bm' ? jsBackend : stats.model.backend;
          // Returns Σw² of the updated array (for the weight norm).
          const step = (g: Float32Array, v: Float32Array, w: Float32Array, decay: boolean) => move(backend, o, learningRate, g, v, w, decay);
          let event: StepEvent | BmStepEvent | DbmStepEvent;
          const common = {
            step: stats.batch.step + 1,
            epoch: stats.batch.epoch,
            index: stats.batch.index,
            batchesPerEpoch: stats.batch.batchesPerEpoch,
            batchSize: stats.batch.data.rows,
            persistentChains: stats.persistentChains,
          };
          if (stats.model.kind === 'dbm') {
            const s = stats as DbmStatistics;
            const p = s.model.params;
            const v = (dbmVelocity ??= zeroDbmMoments(s.model));
            const sumSq = p.weights.reduce((sum, w, l) => sum + step(s.gradient.weights[l].data, v.weights[l].data, w.data, true), 0);
            p.biases.forEach((b, l) => step(s.gradient.biases[l], v.biases[l], b, false));
            event = { ...common, metrics: { ...s.metrics, weightNorm: Math.sqrt(sumSq), learningRate }, params: p, model: s.model, velocity: v };
          } else if (stats.model.kind === 'bm') {
            const s = stats as BmStatistics;
            const n = s.model.params.nUnits;
            const v = (bmVelocity ??= { weights: Matrix.zeros(n, n), bias: new Float32Array(n) });
            const sumSq = step(s.gradient.weights.data, v.weights.data, s.model.params.weights.data, true);
            step(s.gradient.bias, v.bias, s.model.params.bias, false);
            event = { ...common, metrics: { ...s.metrics, weightNorm: Math.sqrt(sumSq), learningRate }, params: s.model.params, model: s.model, velocity: v };
          } else {
            const s = stats as Statistics;
            const p = s.model.params;
            const v = (rbmVelocity ??= startVelocity(p, s.model.backend, initialVelocity ?? null));
            const sumSq = step(s.gradient.weights.data, v.weights.data, p.weights.data, true);
            step(s.gradient.visibleBias, v.visibleBias, p.visibleBias, false);
            step(s.gradient.hiddenBias, v.hiddenBias, p.hiddenBias, false);
            if (s.gradient.logVariance && v.logVariance && p.logVariance && p.visibleUnits?.type === 'gaussian' && p.visibleUnits.learnVariance)
              step(s.gradient.logVariance, v.logVariance, p.logVariance, false);
            event = { ...common, metrics: { ...s.metrics, weightNorm: Math.sqrt(sumSq), learningRate }, params: p, model: s.model, velocity: v, persistentHidden: s.persistentHidden ?? null };
          }
          if (!Number.isFinite(event.metrics.weightNorm) || !Object.values(stats.metrics).every(Number.isFinite))
            throw new BoltzflowError(
              `step ${event.step} weights`,
              event.metrics.weightNorm,
              `finite values (training diverged; lower the learning rate, now ${learningRate})`,
              { more: ['Likely cause: the learning rate is too high for this model — try 10× smaller, or less momentum.', 'The diverged state was not saved: the last snapshot on disk is the last good one.'] },
            );
          return event as StepOf<S>;
        }),
      );
    });
}

/** Zero velocity for an RBM's parameters (the weights' in the backend's memory), or a copy of `initial`. */
function startVelocity(p: RbmParams, backend: Backend, initial: ParamBuffers | null): ParamBuffers {
  const v = zeroRbmParams(p.nVisible, p.nHidden, p.visibleUnits, backend);
  if (!initial) return v;
  const pairs: [string, Float32Array, Float32Array | undefined][] = [
    ['weights', v.weights.data, initial.weights.data],
    ['visibleBias', v.visibleBias, initial.visibleBias],
    ['hiddenBias', v.hiddenBias, initial.hiddenBias],
    ['logVariance', v.logVariance ?? new Float32Array(0), initial.logVariance],
  ];
  for (const [field, to, from] of pairs) {
    if (!from) continue;
    if (from.length !== to.length) throw new BoltzflowError(`initialVelocity.${field}`, `length ${from.length}`, `length ${to.length}, as the model's parameters`);
    to.set(from);
  }
  return v;
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
  for (let i = 0; i < g.length; i++) v[i] = g[i] > o.threshold ? o.stepSize : g[i] < -o.threshold ? -o.stepSize : 0;
  if (decay && o.weightDecay !== 0) backend.axpby(-o.weightDecay, w, 1, v);
  backend.axpby(1, v, 1, w);
  return backend.dot(w, w);
}
