import type { DataRecord } from './DataRecord.js';
import { isCsvHeader, parseRecord, type LineFormat } from './parseRecord.js';
import { lineTooLong, type SplitLine } from './splitLines.js';

/**
 * Parses a stream of lines into records: NDJSON arrays or CSV rows (`auto`: NDJSON when the first
 * line starts with `[`, else CSV, whose header line, if any, is skipped). A bad line is an error
 * naming `name` and its line number; so is a line past the splitter's `maxLineBytes`, at its place.
 *
 * @example
 * ```ts
 * import { recordsFromLines, splitLines } from 'boltzflow';
 * for await (const r of recordsFromLines(splitLines(['a,b\n0,1\n1,0\n']), 'feed')) console.log(r.where, r.values); // feed line 2 … · feed line 3 …
 * ```
 */
export async function* recordsFromLines(
  lines: AsyncIterable<SplitLine>,
  name: string,
  format: LineFormat | 'auto' = 'auto',
): AsyncGenerator<DataRecord> {
  let chosen: LineFormat | null = format === 'auto' ? null : format;
  let first = true;
  for await (const l of lines) {
    if (l.line === null) throw lineTooLong(`${name} line ${l.number}`, l);
    const { line, number } = l;
    chosen ??= line.trimStart().startsWith('[') ? 'ndjson' : 'csv';
    if (first && chosen === 'csv' && isCsvHeader(line)) {
      first = false;
      continue;
    }
    first = false;
    const where = `${name} line ${number}`;
    yield { values: parseRecord(line, chosen, where), where };
  }
}
