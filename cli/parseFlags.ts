import { parseArgs } from 'node:util';
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { BoltzflowError, describeValue } from '../kernels/BoltzflowError.js';
import { parseWith } from '../schemas/parseWith.js';

export interface ParseFlagsOptions {
  /** The command, for the hint of an unknown flag (`boltzflow train --help`). */
  command: string;
  /** Flags that take no value besides the schema's boolean fields (ones validated elsewhere, as `z.unknown()`). */
  booleans?: readonly string[];
}

/**
 * Parses `--name value` flags strictly with Node's `parseArgs` (an unknown flag is an error that
 * suggests the nearest known one, a flag given twice is an error, so is a value missing or given
 * to a flag that takes none), turns numeric-looking strings into numbers for flags that take no text, and validates with the
 * schema; errors name the flag. The schema's boolean fields are the flags that take no value.
 */
export function parseFlags<S extends z.ZodObject>(args: readonly string[], schema: S, options: ParseFlagsOptions): z.output<S> {
  const known = Object.keys(schema.shape);
  const booleans = new Set([...known.filter((k) => isSwitch(schema.shape[k] as z.ZodType)), ...(options.booleans ?? [])]);
  const spec = Object.fromEntries(known.map((name) => [name, { type: booleans.has(name) ? ('boolean' as const) : ('string' as const) }]));
  const joined = joinNegativeValues(args);
  let values: Record<string, string | boolean | undefined>;
  let tokens: readonly Token[];
  try {
    ({ values, tokens } = parseArgs({ args: joined, options: spec, strict: true, allowPositionals: false, tokens: true }));
  } catch (e) {
    throw flagError(e, joined, known, options.command);
  }
  refuseRepeats(tokens);
  for (const k of known) {
    const field = schema.shape[k] as z.ZodType;
    if (values[k] === undefined && !field.safeParse(undefined).success) {
      const about = (field.meta() as { description?: string } | undefined)?.description;
      throw new BoltzflowError(`--${k}`, undefined, `${about ?? `a value for --${k}`} (required; boltzflow ${options.command} --help)`);
    }
  }
  // A numeric-looking value stays text for a flag that takes text and no number (--validation 500 names a file).
  const asText = (k: string, v: string) => {
    const field = schema.shape[k] as z.ZodType;
    return field.safeParse(v).success && !field.safeParse(Number(v)).success;
  };
  const input = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, typeof v === 'string' && !asText(k, v) ? numeric(v, `--${k}`) : v]),
  );
  return parseWith(schema, input, { fieldName: flagName });
}

/** Node's parseArgs error as one line naming the flag and what it lacks. */
function flagError(e: unknown, args: readonly string[], known: readonly string[], command: string): BoltzflowError {
  const message = (e as Error).message;
  const flag = /'(-{1,2}[^' <]*)/.exec(message)?.[1] ?? args.join(' ');
  const cause = { cause: e };
  if (/does not take an argument/.test(message)) {
    const given = args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
    return new BoltzflowError(
      flag,
      given,
      `no value (${flag} takes no value: give it alone to turn it on, leave it out to keep it off)`,
      cause,
    );
  }
  if (/argument missing/.test(message))
    return new BoltzflowError(flag, undefined, `a value (${flag} needs a value)`, { ...cause, got: 'no value' });
  if (/argument is ambiguous/.test(message)) {
    const next = args[args.indexOf(flag) + 1];
    return new BoltzflowError(flag, next, `a value (${flag} needs a value; write ${flag}=-x for one that begins with "-")`, {
      ...cause,
      got: `no value (the next argument, ${describeValue(next)}, is a flag)`,
    });
  }
  const help = `boltzflow ${command} --help lists them`;
  if (/Unexpected argument/.test(message)) return new BoltzflowError('flag', flag, `flags of the form --name value (${help})`, cause);
  return new BoltzflowError('flag', flag, `a flag of boltzflow ${command}${suggestion(flag, known)} (${help})`, cause);
}

/** `, did you mean --hidden?` for `--hiden`: the nearest known flag, when it is near enough to be the one meant. */
function suggestion(flag: string, known: readonly string[]): string {
  const name = flag.replace(/^-+/, '');
  if (!name || known.length === 0) return '';
  const near = closest(name, [...known]);
  return distance(name, near) <= Math.max(1, Math.floor(name.length / 3)) ? `; did you mean --${near}?` : '';
}

/** A flag that takes no value: a boolean field (with a default or optional). */
function isSwitch(field: z.ZodType): boolean {
  let t = field;
  while (t.def.type === 'default' || t.def.type === 'optional') t = (t.def as unknown as { innerType: z.ZodType }).innerType;
  return t.def.type === 'boolean';
}

type Token = { kind: string; name?: string; rawName?: string; value?: string };

/** The last of several values silently winning hides a typo: a flag given twice is refused. */
function refuseRepeats(tokens: readonly Token[]): void {
  const seen = new Map<string, { rawName: string; values: (string | undefined)[] }>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined) continue;
    const entry = seen.get(t.name) ?? { rawName: t.rawName ?? `--${t.name}`, values: [] };
    entry.values.push(t.value);
    seen.set(t.name, entry);
  }
  for (const { rawName, values } of seen.values()) {
    if (values.length < 2) continue;
    const times = values.length === 2 ? 'twice' : `${values.length} times`;
    const shown = values.every((v) => v === undefined)
      ? ''
      : ` (${values.map((v) => (v === undefined ? 'no value' : shownText(v))).join(' and ')})`;
    throw new BoltzflowError(rawName, values, `it once`, { got: `it ${times}${shown}` });
  }
}

/** A flag's text as a message shows it: a number as written, anything else quoted and escaped. */
function shownText(text: string): string {
  return isNumberText(text.trim()) ? text.trim() : describeValue(text);
}

function isNumberText(t: string): boolean {
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t);
}

/** `--lr -1` → `--lr=-1`, so that a negative number reaches validation as a value, not as a flag. */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (args[i].startsWith('--') && !args[i].includes('=') && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/**
 * "0.1" → 0.1, "1e-4" → 0.0001; anything else stays a string (so zod reports the text as given).
 * A number that a double cannot hold (`1e-400` would become 0, `1e400` Infinity) is refused here,
 * with the text as given, rather than validated as the value it would silently turn into.
 */
export function numeric(text: string, field = 'value'): string | number {
  const t = text.trim();
  if (t === '' || !isNumberText(t)) return text;
  const n = Number(t);
  const underflow = n === 0 && /[1-9]/.test(t.split(/e/i)[0]);
  if (underflow || !Number.isFinite(n))
    throw new BoltzflowError(field, t, `a number a 64-bit float can hold (${t} ${underflow ? 'rounds to 0' : 'overflows to Infinity'})`, {
      got: t,
    });
  return n;
}

/** A flag's value among raw arguments (`--flag value` or `--flag=value`), before parsing: what decides which flags apply. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  return i < 0 ? undefined : args[i].includes('=') ? args[i].slice(flag.length + 1) : args[i + 1];
}

export function flagName(path: readonly PropertyKey[]): string {
  return `--${String(path[0] ?? '')}`;
}
