import { BoltzflowError } from '../kernels/BoltzflowError.js';

/** What a full buffer does with a new record: wait for room, drop the oldest waiting one, or fail the feed. */
export type OverflowPolicy = 'block' | 'drop-oldest' | 'fail';

/** A queue of at most `capacity` items between a producer that pushes and a consumer that pulls. */
export interface BoundedBuffer<T> extends AsyncIterable<T> {
  /**
   * Adds an item. Under `block`, a full buffer returns a promise that settles when there is room
   * (await it: that is the backpressure); otherwise it returns at once. The result says whether the
   * item was taken: false once the buffer has ended or failed.
   */
  push(item: T): Promise<boolean> | boolean;
  /**
   * Adds items all at once or not at all (an acknowledged request is learned whole or not at all).
   * Under `block` it waits until they all fit, or the buffer is empty for a batch larger than the
   * capacity; under `drop-oldest` it makes room by dropping the oldest; under `fail` a batch that
   * does not fit fails the buffer. Resolves true when they were taken, false when the buffer ended
   * or failed first (none were taken).
   */
  pushAll(items: readonly T[]): Promise<boolean> | boolean;
  /** No more items: the consumer's iteration ends once the buffer is empty; waiting producers get false. */
  end(): void;
  /** The producer failed: the consumer's iteration throws `error` once it has taken the items before it. */
  fail(error: unknown): void;
  /** Items dropped so far (`drop-oldest`). */
  readonly dropped: number;
  /** Items waiting now. */
  readonly size: number;
  readonly capacity: number;
  readonly policy: OverflowPolicy;
}

/**
 * A bounded buffer for a push source (a socket, a user's Observable) that may outrun the training
 * pipeline, with the user's {@link OverflowPolicy}: `block` makes the producer wait (for a Node
 * stream: stop reading it, so TCP itself pushes back), `drop-oldest` keeps the newest `capacity`
 * items and counts the dropped ones, `fail` ends the feed with a clear error. Memory is bounded by
 * `capacity` items under every policy (or one batch of {@link BoundedBuffer.pushAll}, if larger).
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
  let dropped = 0,
    ended = false,
    failure: { error: unknown } | null = null;
  let wakeConsumer: (() => void) | null = null;
  /** Producers waiting for room, in arrival order, each with the items it will add at once. */
  const waiting: Array<{ items: readonly T[]; resolve: (taken: boolean) => void }> = [];
  const size = () => items.length - head;
  const wake = () => {
    wakeConsumer?.();
    wakeConsumer = null;
  };
  const fits = (n: number) => size() + n <= capacity || size() === 0;
  const admit = () => {
    while (waiting.length > 0 && fits(waiting[0].items.length)) {
      const w = waiting.shift()!;
      items.push(...w.items);
      w.resolve(true);
    }
    if (size() > 0) wake();
  };
  const take = (): T => {
    const item = items[head];
    items[head++] = undefined as T;
    if (head > 1024 && head * 2 > items.length) {
      items.splice(0, head);
      head = 0;
    }
    admit();
    return item;
  };
  const overflow = () => {
    failure = {
      error: new BoltzflowError(
        `${name} buffer`,
        `${capacity} records waiting and more arriving`,
        'a consumer that keeps up with the feed',
        {
          more: [
            'Training is slower than the feed. Use --overflow block (make the producer wait) or drop-oldest (keep the newest), or a larger --buffer.',
          ],
        },
      ),
    };
    wake();
  };
  const pushAll = (batch: readonly T[]): Promise<boolean> | boolean => {
    if (ended || failure) return false;
    if (batch.length === 0) return true;
    if (waiting.length === 0 && fits(batch.length)) {
      items.push(...batch);
      wake();
      return true;
    }
    if (policy === 'drop-oldest') {
      while (size() > 0 && size() + batch.length > capacity) {
        take();
        dropped++;
      }
      items.push(...batch);
      wake();
      return true;
    }
    if (policy === 'fail') {
      overflow();
      return false;
    }
    return new Promise<boolean>((resolve) => waiting.push({ items: batch, resolve }));
  };
  const release = () => {
    for (const w of waiting.splice(0)) w.resolve(false);
  };
  return {
    capacity,
    policy,
    get dropped() {
      return dropped;
    },
    get size() {
      return size();
    },
    push: (item) => pushAll([item]),
    pushAll,
    end() {
      ended = true;
      release();
      wake();
    },
    fail(error) {
      failure ??= { error };
      release();
      wake();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (size() > 0) {
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
