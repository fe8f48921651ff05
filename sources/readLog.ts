import { open } from 'node:fs/promises';
import { Packr } from 'msgpackr';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { fileError } from './fileError.js';

const packr = new Packr({ moreTypes: true, useRecords: false });

/**
 * Reads a log written by `logSink` from the start, record by record, in bounded memory (1 MiB
 * reads). A partial last record (the run is still writing, or crashed mid-append) ends the
 * iteration after the complete ones, and `onPartial` is told how many bytes were left over;
 * bytes that are not msgpack are an error naming the file and the offset.
 *
 * @example
 * ```ts
 * import { readLog } from 'boltzflow';
 * for await (const r of readLog('runs/example/log.msgpack')) console.log(r.kind, r.step);
 * ```
 */
export async function* readLog(
  path: string,
  options: { onPartial?: (bytes: number) => void } = {},
): AsyncGenerator<Record<string, unknown> & { kind: string; step: number }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw fileError(path, e, 'log', 'a readable log file');
  }
  try {
    const chunk = Buffer.alloc(1 << 20);
    let rest: Buffer = Buffer.alloc(0);
    let offset = 0; // file offset of rest[0]
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      const buf = Buffer.concat([rest, chunk.subarray(0, bytesRead)]);
      let values: unknown[];
      let used = buf.length;
      try {
        values = packr.unpackMultiple(buf) as unknown[];
      } catch (e) {
        const err = e as Error & { incomplete?: boolean; lastPosition?: number; values?: unknown[] };
        if (!err.incomplete)
          throw new BoltzflowError(`log ${path}`, `bytes after offset ${offset}`, 'msgpack records written by logSink', { cause: e });
        values = err.values ?? [];
        used = err.lastPosition ?? 0;
      }
      for (const v of values) {
        if (typeof v !== 'object' || v === null || typeof (v as { kind?: unknown }).kind !== 'string')
          throw new BoltzflowError(`log ${path}`, v, 'records with a kind (metrics or snapshot)');
        yield v as Record<string, unknown> & { kind: string; step: number };
      }
      rest = Buffer.from(buf.subarray(used));
      offset += used;
    }
    if (rest.length > 0) options.onPartial?.(rest.length);
  } finally {
    await handle.close();
  }
}
