import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileError } from './fileError.js';

export interface FollowOptions {
  /** Stops following (the iteration ends cleanly) when aborted. */
  signal?: AbortSignal;
  /** How often to look for new bytes at the end of the file (default 100 ms). */
  pollMs?: number;
  /** Read from this byte offset (default 0). */
  from?: number;
}

/**
 * The bytes of a file that is still being written (`tail -f`): what it holds now, then whatever is
 * appended, polling at its end, until `signal` aborts. Pull-based: nothing is read ahead of the
 * consumer. Pair it with {@link splitLines} to get its lines.
 *
 * @example
 * ```ts
 * import { appendFileSync, writeFileSync } from 'node:fs';
 * import { followFile, splitLines } from 'boltzflow';
 * writeFileSync('growing.ndjson', '[0, 1]\n');
 * const stop = new AbortController();
 * setTimeout(() => appendFileSync('growing.ndjson', '[1, 0]\n'), 50);
 * setTimeout(() => stop.abort(), 400);
 * for await (const { line } of splitLines(followFile('growing.ndjson', { signal: stop.signal }))) console.log(line); // [0, 1] then [1, 0]
 * ```
 */
export async function* followFile(path: string, options: FollowOptions = {}): AsyncGenerator<Buffer> {
  const { signal, pollMs = 100 } = options;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw fileError(path, e);
  }
  try {
    let position = options.from ?? 0;
    const buffer = Buffer.alloc(1 << 16);
    while (!signal?.aborted) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead > 0) {
        position += bytesRead;
        yield Buffer.from(buffer.subarray(0, bytesRead));
        continue;
      }
      try {
        await sleep(pollMs, undefined, { signal });
      } catch {
        return; // aborted while waiting
      }
    }
  } finally {
    await handle.close();
  }
}
