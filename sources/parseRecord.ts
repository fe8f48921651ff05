import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { BadRecord } from './DataRecord.js';

/** The text formats a line of data may be in. */
export type LineFormat = 'ndjson' | 'csv';

/**
 * Parses one line of data — a JSON array of numbers (`ndjson`) or comma-separated numbers (`csv`)
 * — into a Float32Array. Anything else is a BoltzflowError naming `where` (source and line), the
 * field and the problem.
 *
 * @example
 * ```ts
 * import { parseRecord } from '#internal/sources/parseRecord.js';
 * console.log(parseRecord('[0, 1, 0.5]', 'ndjson', 'stdin line 1')); // Float32Array(3) [0, 1, 0.5]
 * console.log(parseRecord('0,1,0.5', 'csv', 'stdin line 2'));        // Float32Array(3) [0, 1, 0.5]
 * ```
 */
export function parseRecord(line: string, format: LineFormat, where: string): Float32Array {
  const r = tryParseRecord(line, format, where);
  if (r instanceof Float32Array) return r;
  throw r.error;
}

/**
 * Like {@link parseRecord}, but a line that is not a record is returned as the {@link BadRecord}
 * that stands in its place: kind `nonFinite` for NaN or ±Infinity values, `unparseable` for the rest.
 *
 * @example
 * ```ts
 * import { tryParseRecord } from '#internal/sources/parseRecord.js';
 * console.log(tryParseRecord('[0, NaN]', 'ndjson', 'feed line 3')); // { values: null, kind: 'nonFinite', … }
 * ```
 */
export function tryParseRecord(line: string, format: LineFormat, where: string): Float32Array | BadRecord {
  const bad = (kind: BadRecord['kind'], field: string, value: unknown, expected: string): BadRecord => ({
    values: null,
    where,
    kind,
    error: new BoltzflowError(field, value, expected),
  });
  if (format === 'csv') {
    const fields = line.split(',');
    const values = new Float32Array(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const text = unquote(fields[i].trim());
      const x = text === '' ? NaN : Number(text);
      if (!Number.isFinite(Math.fround(x))) {
        const other = fields.length === 1 ? otherDelimiter(line) : null;
        return bad(
          Number.isNaN(x) && !/^[-+]?nan$/i.test(text) ? 'unparseable' : 'nonFinite',
          `${where}, field ${i + 1}`,
          text,
          other ? `comma-separated numbers (this line is separated by ${other}: convert it, e.g. with tr or sed)` : 'a finite number',
        );
      }
      values[i] = x;
    }
    return values;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return bad(/(^|[^\w"])(NaN|-?Infinity)\b/.test(line) ? 'nonFinite' : 'unparseable', where, line, 'a JSON array of numbers');
  }
  if (!Array.isArray(parsed)) return bad('unparseable', where, parsed, 'a JSON array of numbers');
  const items: readonly unknown[] = parsed;
  const values = new Float32Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    if (typeof x !== 'number') return bad('unparseable', `${where}, element ${i}`, x, 'a finite number');
    if (!Number.isFinite(Math.fround(x))) return bad('nonFinite', `${where}, element ${i}`, x, 'a finite number');
    values[i] = x;
  }
  return values;
}

/**
 * True for a CSV header line: every field (quoted or not) non-empty and non-numeric. Numbers
 * separated by something else (`0.1;0.2`, tabs, spaces) are no header: they are data in another
 * format, refused as such rather than skipped.
 */
export function isCsvHeader(line: string): boolean {
  if (otherDelimiter(line)) return false;
  return line.split(',').every((f) => {
    const text = unquote(f.trim());
    return text !== '' && !Number.isFinite(Number(text));
  });
}

/** A field in double quotes, as CSV writers quote any field: its text (a quoted number is a number). */
function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).trim() : text;
}

/**
 * `";"`, `tabs`, `"|"` or `spaces` for a line of numbers separated by one of those instead of
 * commas; null otherwise. Splits and tests each piece (linear in the line: a regular expression of
 * repeated numbers backtracks exponentially on a line that fails at its end).
 */
function otherDelimiter(line: string): string | null {
  if (line.includes(',')) return null;
  const numbers = (parts: string[]) => parts.length >= 2 && parts.every((p) => p.trim() !== '' && Number.isFinite(Number(p)));
  for (const [separator, name] of [
    [';', '";"'],
    ['\t', 'tabs'],
    ['|', '"|"'],
  ] as const)
    if (line.includes(separator)) return numbers(line.split(separator)) ? name : null;
  return numbers(line.trim().split(/ +/)) ? 'spaces' : null;
}
