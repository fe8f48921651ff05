import { basename } from 'node:path';
import type { DataRecord } from './DataRecord.js';
import { parseRecord } from './parseRecord.js';
import { readLines, type ReadLinesOptions } from './readLines.js';
import { lineTooLong } from './splitLines.js';

/**
 * Reads NDJSON — one JSON array of numbers per line, blank lines skipped — as an async iterable
 * of records. Anything else on a line is an error naming the file and line.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { readNdjson } from 'boltzflow';
 * writeFileSync('tiny.ndjson', '[0, 1]\n[1, 0.5]\n');
 * for await (const r of readNdjson('tiny.ndjson')) console.log(r.where, r.values); // tiny.ndjson line 1 Float32Array [0, 1] …
 * ```
 */
export async function* readNdjson(path: string, options: ReadLinesOptions = {}): AsyncGenerator<DataRecord> {
  const name = basename(path);
  for await (const l of readLines(path, options)) {
    if (l.line === null) throw lineTooLong(`${name} line ${l.number}`, l);
    const { line, number } = l;
    const where = `${name} line ${number}`;
    yield { values: parseRecord(line, 'ndjson', where), where };
  }
}
