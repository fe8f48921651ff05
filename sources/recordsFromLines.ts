import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { FeedItem } from './DataRecord.js';
import { isCsvHeader, tryParseRecord, type LineFormat } from './parseRecord.js';
import { lineTooLong, type SplitLine } from './splitLines.js';

/**
 * Parses a stream of lines into records: NDJSON arrays or CSV rows (`auto`: NDJSON when the first
 * line starts with `[`, else CSV). A CSV's first line is skipped as a header when all its fields
 * are non-numeric and the next line is a row of as many numbers; a lone "header" (`hello`) is a
 * bad record. A line that is not a record is yielded in its place as a {@link BadRecord} naming
 * `name` and its line number, so that the stream goes on and its consumer decides; so is a line
 * past the splitter's `maxLineBytes` (kind `tooLong`).
 *
 * @example
 * ```ts
 * import { recordsFromLines } from '#internal/sources/recordsFromLines.js';
 * import { splitLines } from '#internal/sources/splitLines.js';
 * for await (const r of recordsFromLines(splitLines(['a,b\n0,1\noops\n']), 'feed')) console.log(r.where, r.values ?? r.kind); // feed line 2 … · feed line 3 unparseable
 * ```
 */
export async function* recordsFromLines(
  lines: AsyncIterable<SplitLine>,
  name: string,
  format: LineFormat | 'auto' = 'auto',
): AsyncGenerator<FeedItem> {
  let chosen: LineFormat | null = format === 'auto' ? null : format;
  let first = true;
  let header: { line: string; number: number } | null = null;
  const headerAlone = (h: { line: string; number: number }): FeedItem => ({
    values: null,
    where: `${name} line ${h.number}`,
    kind: 'unparseable',
    error: new BoltzflowError(
      `${name} line ${h.number}`,
      h.line,
      'a row of numbers (a CSV header is skipped only when a row of as many numbers follows it)',
    ),
  });
  for await (const l of lines) {
    if (l.line === null) {
      const where = `${name} line ${l.number}`;
      yield { values: null, where, kind: 'tooLong', error: lineTooLong(where, l) };
      first = false;
      continue;
    }
    const { line, number } = l;
    chosen ??= line.trimStart().startsWith('[') ? 'ndjson' : 'csv';
    if (first && chosen === 'csv' && isCsvHeader(line)) {
      first = false;
      header = { line, number };
      continue;
    }
    first = false;
    const where = `${name} line ${number}`;
    const parsed = tryParseRecord(line, chosen, where);
    if (header) {
      const fields = header.line.split(',').length;
      if (!(parsed instanceof Float32Array && parsed.length === fields)) yield headerAlone(header);
      header = null;
    }
    yield parsed instanceof Float32Array ? { values: parsed, where } : parsed;
  }
  if (header) yield headerAlone(header);
}
