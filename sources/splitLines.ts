import { BoltzflowError } from '../kernels/BoltzflowError.js';

/** The default longest line, in bytes: 16 MiB (1,000,000 floats as text take about 10 MB). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** A non-blank line of text and its 1-based number. */
export interface TextLine {
  readonly line: string;
  readonly number: number;
}

/**
 * A line longer than the limit: its bytes were dropped as they streamed past, only their count is
 * kept. A consumer treats it as a bad record (see {@link lineTooLong}).
 */
export interface TooLongLine {
  readonly line: null;
  readonly number: number;
  /** The line's length in bytes (without its newline). */
  readonly bytes: number;
  /** The limit it exceeded (`maxLineBytes`). */
  readonly limit: number;
}

/** What {@link splitLines} yields: a line, or the marker of a line past the limit. */
export type SplitLine = TextLine | TooLongLine;

export interface SplitLinesOptions {
  /** The longest line kept, in bytes (default {@link DEFAULT_MAX_LINE_BYTES}); a longer one is yielded as a {@link TooLongLine}. */
  maxLineBytes?: number;
  /**
   * Asked when the stream ends in the middle of a line (no newline after it): whether that last
   * line is a line (default: yes). A stream cut short by a signal answers no, so that a half-sent
   * record is never taken for a whole one.
   */
  keepUnterminated?: () => boolean;
}

/**
 * Splits a stream of chunks (a socket, stdin, an HTTP body, a file, a growing file) into its
 * non-blank lines with 1-based line numbers, in time linear in the bytes read. It pulls one chunk
 * at a time, so a slow consumer slows the reading (backpressure) instead of buffering the stream.
 * Only the pending partial line is kept (at most `maxLineBytes`); each line is decoded once, as
 * UTF-8, so a character split across chunks is whole again; a byte-order mark at the start is
 * dropped. CRLF endings lose their CR; a last line without a newline is still a line. A line longer than `maxLineBytes` is not kept: its bytes
 * are counted and dropped, and it comes out as `{ line: null, number, bytes, limit }`, after which
 * splitting goes on with the next line.
 *
 * @example
 * ```ts
 * import { splitLines } from '#internal/sources/splitLines.js';
 * for await (const l of splitLines(['[0, 1]\n[1', ', 0]\n\n[1, 1]'])) console.log(l.number, l.line); // 1 [0, 1] · 2 [1, 0] · 4 [1, 1]
 * for await (const l of splitLines(['[0, 1]\n', '[0, 1, 0, 1]\n[1, 0]'], { maxLineBytes: 8 })) console.log(l); // { line: '[0, 1]', number: 1 } · { line: null, number: 2, bytes: 12, limit: 8 } · { line: '[1, 0]', number: 3 }
 * ```
 */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: SplitLinesOptions = {},
): AsyncGenerator<SplitLine> {
  const limit = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!Number.isInteger(limit) || limit < 1) throw new BoltzflowError('maxLineBytes', limit, 'an integer ≥ 1');
  let pieces: Buffer[] = []; // the pending partial line, copied out of the chunks it came in
  let pending = 0; // its bytes
  let dropped = -1; // ≥ 0 while skipping an over-long line: the bytes seen so far
  let number = 0;
  for await (const chunk of chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    while (start < buf.length) {
      const at = buf.indexOf(0x0a, start);
      const end = at < 0 ? buf.length : at;
      if (dropped < 0 && pending + (end - start) > limit) {
        dropped = pending;
        pieces = [];
        pending = 0;
      }
      if (dropped >= 0) dropped += end - start;
      else if (end > start) {
        // A piece that ends the line is decoded at once; the tail of the chunk is copied, so that
        // the chunk itself is not kept (nor changed under us if the producer reuses it).
        pieces.push(at < 0 ? Buffer.from(buf.subarray(start, end)) : buf.subarray(start, end));
        pending += end - start;
      }
      if (at < 0) break;
      number++;
      if (dropped >= 0) {
        yield { line: null, number, bytes: dropped, limit };
        dropped = -1;
      } else {
        const line = withoutBom(decode(pieces, pending), number);
        pieces = [];
        pending = 0;
        if (line.trim() !== '') yield { line, number };
      }
      start = at + 1;
    }
  }
  if (dropped >= 0) yield { line: null, number: number + 1, bytes: dropped, limit };
  else if (pending > 0 && (options.keepUnterminated?.() ?? true)) {
    const line = withoutBom(decode(pieces, pending), number + 1);
    if (line.trim() !== '') yield { line, number: number + 1 };
  }
}

/**
 * The error of a line past the limit, at `where` (e.g. `feed line 3`): the record-level error that
 * a reader raises, or counts as a bad record, in place of a parse error.
 */
export function lineTooLong(where: string, l: TooLongLine): BoltzflowError {
  return new BoltzflowError(where, `a line of ${l.bytes} bytes`, `at most ${l.limit} bytes per line (raise --max-line-bytes)`);
}

/** Line 1 without the byte-order mark that some editors put at the start of a UTF-8 file. */
function withoutBom(line: string, number: number): string {
  return number === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
}

function decode(pieces: Buffer[], bytes: number): string {
  const all = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, bytes);
  return (all.length > 0 && all[all.length - 1] === 0x0d ? all.subarray(0, all.length - 1) : all).toString('utf8');
}
