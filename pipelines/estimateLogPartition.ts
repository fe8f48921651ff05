import { Observable } from 'rxjs';
import { createAis, type AisEstimate, type AisOptions } from '../models/ais.js';
import type { Rbm } from '../models/rbm.js';

/** What {@link estimateLogPartition} emits: progress while it runs, then the estimate. */
export type AisEvent =
  | { readonly event: 'progress'; readonly done: number; readonly steps: number }
  | { readonly event: 'result'; readonly estimate: AisEstimate };

export interface EstimateLogPartitionOptions extends AisOptions {
  /** Progress events per run (default 100: one per 1% of the steps). */
  reports?: number;
}

/**
 * AIS estimate of an RBM's ln Z as a stream: the annealing runs in chunks, one chunk per turn of
 * the event loop (so timers, signals and other streams keep running), with a progress event after
 * each chunk and a final `result`. Unsubscribing stops the work.
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { createRbm, estimateLogPartition, baseRateBias, aisBetas, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 6, nHidden: 3, seed: 1, weightStd: 1 });
 * const data = Matrix.from([[1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]]);
 * const end = await lastValueFrom(estimateLogPartition(rbm, { baseVisibleBias: baseRateBias(data), betas: aisBetas(500) }).pipe(last()));
 * if (end.event === 'result') console.log(end.estimate.logZ, end.estimate.logZLow, end.estimate.logZHigh);
 * ```
 */
export function estimateLogPartition(rbm: Rbm, options: EstimateLogPartitionOptions): Observable<AisEvent> {
  return new Observable<AisEvent>((subscriber) => {
    const ais = createAis(rbm, options);
    const chunk = Math.max(1, Math.ceil(ais.steps / (options.reports ?? 100)));
    let timer: NodeJS.Immediate | undefined;
    const work = () => {
      try {
        ais.advance(chunk);
        subscriber.next({ event: 'progress', done: ais.done, steps: ais.steps });
        if (ais.done < ais.steps) timer = setImmediate(work);
        else {
          subscriber.next({ event: 'result', estimate: ais.result() });
          subscriber.complete();
        }
      } catch (e) {
        subscriber.error(e);
      }
    };
    timer = setImmediate(work);
    return () => clearImmediate(timer);
  });
}
