import { basename } from 'node:path';
import type { DataRecord } from './DataRecord.js';
import { isCsvHeader, parseRecord } from './parseRecord.js';
import { readLines, type ReadLinesOptions } from './readLines.js';
import { lineTooLong } from './splitLines.js';

/**
 * Reads a CSV file of numeric rows (comma-separated; blank lines skipped) as an async iterable
 * of records; a field may be in double quotes (`"0.5"`). A first line whose fields are all
 * non-numeric is taken as a header and skipped; numbers separated by `;`, tabs or spaces are refused
 * naming the separator.
 * A non-numeric or non-finite field is an error naming the file, line and field.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { readCsv } from 'boltzflow';
 * writeFileSync('tiny.csv', 'a,b\n0,1\n1,0.5\n');
 * for await (const r of readCsv('tiny.csv')) console.log(r.where, r.values); // tiny.csv line 2 Float32Array [0, 1] …
 * ```
 */
export async function* readCsv(path: string, options: ReadLinesOptions = {}): AsyncGenerator<DataRecord> {
  const name = basename(path);
  let first = true;
  for await (const l of readLines(path, options)) {
    if (l.line === null) throw lineTooLong(`${name} line ${l.number}`, l);
    const { line, number } = l;
    if (first && isCsvHeader(line)) {
      first = false;
      continue;
    }
    first = false;
    const where = `${name} line ${number}`;
    yield { values: parseRecord(line, 'csv', where), where };
  }
}
