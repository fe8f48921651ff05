/**
 * The one error type boltzflow throws on purpose. Its message names the field (or source),
 * the value that was given and what was expected, so a user can fix the input without reading
 * a stack trace. The CLI prints `message` alone for these and exits with status 2.
 *
 * @example
 * ```ts
 * import { BoltzflowError } from 'boltzflow';
 * try { throw new BoltzflowError('hidden', 0, 'an integer ≥ 1'); }
 * catch (e) { console.log((e as Error).message); } // hidden: got 0, expected an integer ≥ 1
 * ```
 */
export class BoltzflowError extends Error {
  override readonly name = 'BoltzflowError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
    options?: { cause?: unknown; more?: readonly string[] },
  ) {
    const first = `${field}: got ${describeValue(value)}, expected ${expected}`;
    super(options?.more?.length ? [first, ...options.more].join('\n') : first, options);
  }
}

/** A short, printable description of any value (long strings and arrays are cut). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? value.slice(0, 197) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an object`;
  return typeof value;
}
