/** The marker {@link flushable} puts in a feed: learn the part-filled minibatch now (see `onlineMinibatches`). */
export interface FlushMarker {
  readonly flush: true;
}

/** A feed that a {@link FlushMarker} can be put into at any moment. */
export interface Flushable<T> extends AsyncIterable<T | FlushMarker> {
  /**
   * Puts a marker in the feed now, also while its consumer waits for the next item (which stays
   * pending and comes after the marker). Resolves once the consumer asks for the item after the
   * marker (it has handled it), or at once when the feed has ended.
   */
  flush(): Promise<void>;
}

/**
 * Passes a feed through and lets a marker be put into it whenever asked: a quiet feed's consumer
 * can act on what it has (learn its part-filled minibatch, save it) without waiting for the next
 * record. The feed is read one item at a time as before.
 *
 * @example
 * ```ts
 * import { flushable } from 'boltzflow';
 * async function* slow() { yield 1; await new Promise((r) => setTimeout(r, 200)); yield 2; }
 * const feed = flushable(slow());
 * setTimeout(() => void feed.flush().then(() => console.log('handled')), 50);
 * for await (const x of feed) console.log(typeof x === 'number' ? x : 'flush'); // 1 · flush · handled · 2
 * ```
 */
export function flushable<T>(items: AsyncIterable<T>): Flushable<T> {
  const asked: (() => void)[] = []; // flushes asked for, their markers not yet taken
  let taken: (() => void)[] = []; // markers taken, their consumer not yet back for the next item
  let wake: (() => void) | null = null; // set while the consumer waits for the feed
  let ended = false;
  async function* run(): AsyncGenerator<T | FlushMarker> {
    const it = items[Symbol.asyncIterator]();
    let next: Promise<IteratorResult<T>> | null = null;
    try {
      for (;;) {
        for (const handled of taken) handled();
        taken = [];
        if (asked.length > 0) {
          taken = asked.splice(0);
          yield { flush: true };
          continue;
        }
        next ??= it.next();
        const r = await Promise.race([next, new Promise<null>((woken) => (wake = () => woken(null)))]);
        wake = null;
        if (r === null) continue; // a flush was asked for: the feed's item stays pending
        next = null;
        if (r.done) return;
        yield r.value;
      }
    } finally {
      ended = true;
      for (const handled of [...taken, ...asked.splice(0)]) handled();
      // A pending read ends with the feed (its signal); returning the feed before it settles would wait on it.
      if (next)
        void next.then(
          () => it.return?.(),
          () => undefined,
        );
      else await it.return?.();
    }
  }
  const feed = run();
  return {
    [Symbol.asyncIterator]: () => feed,
    flush: () =>
      ended
        ? Promise.resolve()
        : new Promise<void>((handled) => {
            asked.push(handled);
            wake?.();
          }),
  };
}
