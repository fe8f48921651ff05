import type { Observable } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { boundedBuffer, type OverflowPolicy } from './boundedBuffer.js';
import type { DataRecord } from './DataRecord.js';

/**
 * Turns a push source — an Observable of records — into a feed for `trainOnline`, through a
 * {@link boundedBuffer}. An Observable cannot be paused, so the policy is `drop-oldest` (default:
 * keep the newest `capacity` records, count the rest in `dropped`) or `fail`. The subscription
 * starts when training first pulls and ends when the iteration ends.
 *
 * @example
 * ```ts
 * import { interval, map, take, lastValueFrom } from 'rxjs';
 * import { feedFromObservable, trainOnline } from 'boltzflow';
 * const readings$ = interval(1).pipe(take(200), map((i) => ({ values: Float32Array.from({ length: 8 }, (_, j) => (j === i % 8 ? 1 : 0)), where: `tick ${i}` })));
 * const feed = feedFromObservable(readings$, { capacity: 100 });
 * const last = await lastValueFrom(trainOnline({ records: feed, config: { nHidden: 4, batchSize: 10 }, counters: { droppedRecords: () => feed.dropped } }));
 * console.log(last.step, last.metrics.droppedRecords);
 * ```
 */
export function feedFromObservable(
  source: Observable<DataRecord>,
  options: { capacity?: number; policy?: Exclude<OverflowPolicy, 'block'> } = {},
): AsyncIterable<DataRecord> & { readonly dropped: number } {
  const policy = options.policy ?? 'drop-oldest';
  if ((policy as OverflowPolicy) === 'block')
    throw new BoltzflowError('policy', 'block', 'drop-oldest or fail (an Observable cannot be paused)');
  const buffer = boundedBuffer<DataRecord>({ capacity: options.capacity ?? 1000, policy, name: 'observable' });
  return {
    get dropped() {
      return buffer.dropped;
    },
    async *[Symbol.asyncIterator]() {
      const subscription = source.subscribe({
        next: (r) => void buffer.push(r),
        error: (e) => buffer.fail(e),
        complete: () => buffer.end(),
      });
      try {
        yield* buffer;
      } finally {
        subscription.unsubscribe();
      }
    },
  };
}
