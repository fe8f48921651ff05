/**
 * Passes a feed through and calls `onIdle` once when its consumer has been waiting `seconds` for
 * the next item (no record arrived for that long; time the consumer spends learning does not
 * count). When `onIdle` answers `false` (more may still come: a broker about to redeliver), the
 * watch starts over. The watch ends with the feed.
 *
 * @example
 * ```ts
 * import { idleWatch } from 'boltzflow';
 * async function* quiet() { yield 1; await new Promise((r) => setTimeout(r, 300)); yield 2; }
 * for await (const x of idleWatch(quiet(), 0.1, () => console.log('idle'))) console.log(x); // 1 · idle · 2
 * ```
 */
export async function* idleWatch<T>(
  items: AsyncIterable<T>,
  seconds: number,
  onIdle: () => void | boolean | Promise<void | boolean>,
): AsyncGenerator<T> {
  const it = items[Symbol.asyncIterator]();
  let waitingSince: number | null = null,
    told = false;
  const timer = setInterval(
    () => {
      if (!told && waitingSince !== null && performance.now() - waitingSince >= seconds * 1000) {
        told = true;
        void Promise.resolve(onIdle()).then((stop) => {
          if (stop !== false) return;
          told = false; // not yet: watch again from now
          if (waitingSince !== null) waitingSince = performance.now();
        });
      }
    },
    Math.min(250, seconds * 250),
  );
  timer.unref();
  try {
    for (;;) {
      waitingSince = performance.now();
      const r = await it.next();
      waitingSince = null;
      if (r.done) return;
      yield r.value;
    }
  } finally {
    clearInterval(timer);
    await it.return?.();
  }
}
