/**
 * The one error type boltzflow throws on purpose. Its message names the field (or source),
 * the value that was given and what was expected, so a user can fix the input without reading
 * a stack trace. The CLI prints `message` alone for these and exits with status 2.
 * `options.got` replaces the described value where there is not one value to show
 * (`no value`, `0.1 and 0.2`).
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
    options?: { cause?: unknown; more?: readonly string[]; got?: string },
  ) {
    // A value never given reads as what it is to a user: nothing, not JavaScript's undefined.
    const got = options?.got ?? (value === undefined ? 'nothing' : describeValue(value));
    const first = printable(`${field}: got ${got}, expected ${expected}`);
    super(options?.more?.length ? [first, ...options.more].join('\n') : first, options);
  }
}

/**
 * Characters a terminal shows as nothing, as a blank or as `�`: controls, format characters
 * (a BOM, zero-width spaces, bidi marks), separators other than the space, private-use and
 * unassigned code points, lone surrogates and the replacement character itself.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\ufffd]|(?! )\p{Zs}/u;
const UNPRINTABLE_ALL = new RegExp(UNPRINTABLE.source, 'gu');

/**
 * A short, printable, one-line description of any value. Strings are quoted with every
 * unprintable character escaped (`"\ufeff0.5"`) and cut at 200 characters; a string that looks
 * like binary (many unprintable characters) is cut at 40 and its length in UTF-8 bytes given.
 * Arrays and typed arrays are described by their length.
 *
 * @example
 * ```ts
 * import { describeValue } from '#internal/kernels/BoltzflowError.js';
 * console.log(describeValue('\ufeff1')); // "\ufeff1"
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return describeString(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length: number }).length})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an object`;
  return typeof value;
}

function describeString(text: string): string {
  const head = Array.from(text.slice(0, 1000)); // code points, so a pair is never cut in two
  const unprintable = head.filter((c) => UNPRINTABLE.test(c)).length;
  const binary = head.length > 40 && unprintable * 10 >= head.length;
  const limit = binary ? 40 : 200;
  const cut = head.length > limit || text.length > 1000;
  const shown = escape(cut ? head.slice(0, limit - 3).join('') : text);
  if (binary) return `${shown}${cut ? '...' : ''} (${utf8Length(text)} bytes, mostly unprintable)`;
  return cut ? `${shown.slice(0, -1)}..."` : shown;
}

/**
 * `text` with every unprintable character written as `\uXXXX` (a newline too), so that a message
 * quoting an OS error about a file named `\ufeffx.csv` stays one visible line.
 */
function printable(text: string): string {
  return text.replace(UNPRINTABLE_ALL, (c) =>
    Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}

/** JSON quoting (which escapes C0 controls, quotes and backslashes), then `\uXXXX` for the rest. */
function escape(text: string): string {
  return printable(JSON.stringify(text));
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
