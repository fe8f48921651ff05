import { createReadStream } from 'node:fs';
import { fileError } from './fileError.js';
import { splitLines, type SplitLine, type SplitLinesOptions } from './splitLines.js';

export interface ReadLinesOptions extends SplitLinesOptions {
  /** Stops reading (the iteration ends cleanly) when aborted. */
  signal?: AbortSignal;
  /** The file's bytes, already opened (a FIFO whose first bytes were read to tell its format); default: `path` is opened. */
  bytes?: AsyncIterable<Uint8Array>;
}

/**
 * The non-blank lines of a text file, with their 1-based line numbers, read front to back as a
 * stream (no seek: a FIFO or `<(zcat data.csv.gz)` works) through {@link splitLines}, so a line
 * past `maxLineBytes` comes out as a too-long marker. A read error names the file.
 * Internal: readers such as {@link readCsv} and {@link openFeed} build on it.
 */
export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<SplitLine> {
  const { signal, bytes, ...split } = options;
  try {
    yield* splitLines(bytes ?? (createReadStream(path, { signal }) as AsyncIterable<Buffer>), split);
  } catch (e) {
    if ((e as Error).name === 'AbortError') return;
    throw fileError(path, e);
  }
}
