import { BoltzflowError } from '../kernels/BoltzflowError.js';

/** The text formats a line of data may be in. */
export type LineFormat = 'ndjson' | 'csv';

/**
 * Parses one line of data — a JSON array of numbers (`ndjson`) or comma-separated numbers (`csv`)
 * — into a Float32Array. Anything else is a BoltzflowError naming `where` (source and line), the
 * field and the problem.
 *
 * @example
 * ```ts
 * import { parseRecord } from 'boltzflow';
 * console.log(parseRecord('[0, 1, 0.5]', 'ndjson', 'stdin line 1')); // Float32Array(3) [0, 1, 0.5]
 * console.log(parseRecord('0,1,0.5', 'csv', 'stdin line 2'));        // Float32Array(3) [0, 1, 0.5]
 * ```
 */
export function parseRecord(line: string, format: LineFormat, where: string): Float32Array {
  if (format === 'csv') {
    const fields = line.split(',');
    const values = new Float32Array(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const text = fields[i].trim();
      const x = text === '' ? NaN : Number(text);
      if (!Number.isFinite(x)) throw new BoltzflowError(`${where}, field ${i + 1}`, text, 'a finite number');
      values[i] = x;
    }
    return values;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new BoltzflowError(where, line, 'a JSON array of numbers');
  }
  if (!Array.isArray(parsed)) throw new BoltzflowError(where, parsed, 'a JSON array of numbers');
  const values = new Float32Array(parsed.length);
  for (let i = 0; i < parsed.length; i++) {
    const x = parsed[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new BoltzflowError(`${where}, element ${i}`, x, 'a finite number');
    values[i] = x;
  }
  return values;
}

/** True for a CSV header line: every field non-empty and non-numeric. */
export function isCsvHeader(line: string): boolean {
  return line.split(',').every((f) => f.trim() !== '' && !Number.isFinite(Number(f)));
}
