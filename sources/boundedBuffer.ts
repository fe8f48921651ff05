import { BoltzflowError } from '../kernels/BoltzflowError.js';

/** What a full buffer does with a new record: wait for room, drop the oldest waiting one, or fail the feed. */
export type OverflowPolicy = 'block' | 'drop-oldest' | 'fail';

/** A queue of at most `capacity` items between a producer that pushes and a consumer that pulls. */
export interface BoundedBuffer<T> extends AsyncIterable<T> {
  /**
   * Adds an item. Under `block`, a full buffer returns a promise that settles when there is room
   * (await it: that is the backpressure); otherwise it returns at once.
   */
  push(item: T): Promise<void> | void;
  /** No more items: the consumer's iteration ends once the buffer is empty. */
  end(): void;
  /** The producer failed: the consumer's iteration throws `error` once it reaches this point. */
  fail(error: unknown): void;
  /** Items dropped so far (`drop-oldest`). */
  readonly dropped: number;
  /** Items waiting now. */
  readonly size: number;
  readonly capacity: number;
}

/**
 * A bounded buffer for a push source (a socket, a user's Observable) that may outrun the training
 * pipeline, with the user's {@link OverflowPolicy}: `block` makes the producer wait (for a Node
 * stream: stop reading it, so TCP itself pushes back), `drop-oldest` keeps the newest `capacity`
 * items and counts the dropped ones, `fail` ends the feed with a clear error. Memory is bounded by
 * `capacity` items under every policy.
 *
 * @example
 * ```ts
 * import { boundedBuffer } from 'boltzflow';
 * const buffer = boundedBuffer<number>({ capacity: 2, policy: 'drop-oldest' });
 * for (const x of [1, 2, 3, 4]) buffer.push(x);
 * buffer.end();
 * for await (const x of buffer) console.log(x); // 3, then 4
 * console.log(buffer.dropped); // 2
 * ```
 */
export function boundedBuffer<T>(options: { capacity: number; policy: OverflowPolicy; name?: string }): BoundedBuffer<T> {
  const { capacity, policy, name = 'feed' } = options;
  if (!Number.isInteger(capacity) || capacity < 1) throw new BoltzflowError('buffer capacity', capacity, 'an integer ≥ 1');
  const items: T[] = [];
  let head = 0; // items[head…] are waiting; compacted now and then
  let dropped = 0, ended = false, failure: { error: unknown } | null = null;
  let wakeConsumer: (() => void) | null = null;
  const roomWaiters: Array<() => void> = [];
  const size = () => items.length - head;
  const wake = () => {
    wakeConsumer?.();
    wakeConsumer = null;
  };
  const take = (): T => {
    const item = items[head];
    items[head++] = undefined as T;
    if (head > 1024 && head * 2 > items.length) {
      items.splice(0, head);
      head = 0;
    }
    roomWaiters.shift()?.();
    return item;
  };
  return {
    capacity,
    get dropped() {
      return dropped;
    },
    get size() {
      return size();
    },
    push(item) {
      if (ended || failure) return;
      if (size() < capacity) {
        items.push(item);
        wake();
        return;
      }
      if (policy === 'drop-oldest') {
        take();
        dropped++;
        items.push(item);
        wake();
        return;
      }
      if (policy === 'fail') {
        failure = {
          error: new BoltzflowError(`${name} buffer`, `${capacity} records waiting and more arriving`, 'a consumer that keeps up with the feed', {
            more: ['Training is slower than the feed. Use --overflow block (make the producer wait) or drop-oldest (keep the newest), or a larger --buffer.'],
          }),
        };
        wake();
        return;
      }
      return new Promise<void>((resolve) => roomWaiters.push(resolve)).then(() => {
        if (!ended && !failure) {
          items.push(item);
          wake();
        }
      });
    },
    end() {
      ended = true;
      wake();
    },
    fail(error) {
      failure ??= { error };
      wake();
      for (const w of roomWaiters.splice(0)) w();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (size() > 0 && !failure) {
          yield take();
          continue;
        }
        if (failure) throw failure.error;
        if (ended) return;
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
      }
    },
  };
}
