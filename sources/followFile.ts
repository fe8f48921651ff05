import { open, stat, type FileHandle } from 'node:fs/promises';
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
 * The bytes of a file that is still being written (`tail -F`): what it holds now, then whatever is
 * appended, polling at its end, until `signal` aborts. Pull-based: nothing is read ahead of the
 * consumer. Pair it with {@link splitLines} to get its lines. It survives what log rotation does:
 * a file truncated below the position read so far is read again from its start; a path that
 * names another file (`mv f f.1 && touch f`) is reopened once the old file is read to its end, and
 * read from its start; a path that is gone is polled until it is back.
 *
 * @example
 * ```ts
 * import { appendFileSync, writeFileSync } from 'node:fs';
 * import { followFile } from 'boltzflow';
 * import { splitLines } from '#internal/sources/splitLines.js';
 * writeFileSync('growing.ndjson', '[0, 1]\n');
 * const stop = new AbortController();
 * setTimeout(() => appendFileSync('growing.ndjson', '[1, 0]\n'), 50);
 * setTimeout(() => writeFileSync('growing.ndjson', '[1, 1]\n'), 200); // truncated and written again
 * setTimeout(() => stop.abort(), 500);
 * for await (const { line } of splitLines(followFile('growing.ndjson', { signal: stop.signal }))) console.log(line); // [0, 1] then [1, 0] then [1, 1]
 * ```
 */
export async function* followFile(path: string, options: FollowOptions = {}): AsyncGenerator<Buffer> {
  const { signal, pollMs = 100 } = options;
  let handle: FileHandle;
  let file: { dev: number; ino: number };
  try {
    handle = await open(path, 'r');
    file = await handle.stat();
  } catch (e) {
    throw fileError(path, e);
  }
  try {
    let position = options.from ?? 0;
    const buffer = Buffer.alloc(1 << 16);
    // Reads what the open file holds past `position`, then tells whether it ended there.
    const drain = async function* (): AsyncGenerator<Buffer> {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        yield Buffer.from(buffer.subarray(0, bytesRead));
        if (signal?.aborted) return;
      }
    };
    while (!signal?.aborted) {
      yield* drain();
      if (signal?.aborted) return;
      const now = await stat(path).catch(() => null); // gone (mid-rotation): poll until it is back
      if (now && (now.ino !== file.ino || now.dev !== file.dev)) {
        yield* drain(); // what was written to the old file before it was moved away
        const next = await open(path, 'r').catch(() => null);
        if (next) {
          const st = await next.stat();
          await handle.close();
          handle = next;
          file = st;
          position = 0;
          continue;
        }
      } else if (now && now.size < position) {
        position = 0; // truncated
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
