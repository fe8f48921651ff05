import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { parseWith } from '../schemas/parseWith.js';

/**
 * Parses `--name value` flags strictly (an unknown flag is an error listing the known ones),
 * turns numeric-looking strings into numbers, and validates with `schema`; errors name the flag.
 * `booleans` lists the flags that take no value.
 */
export function parseFlags<S extends z.ZodType>(
  args: readonly string[],
  schema: S,
  known: readonly string[],
  booleans: readonly string[] = ['json'],
): z.output<S> {
  const options = Object.fromEntries(
    known.map((name) => [name, { type: booleans.includes(name) ? ('boolean' as const) : ('string' as const) }]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: joinNegativeValues(args), options, strict: true, allowPositionals: false }));
  } catch (e) {
    const message = (e as Error).message;
    const flag = /'(-{1,2}[^']*)'/.exec(message)?.[1] ?? args.join(' ');
    const expected = /Unexpected argument/.test(message)
      ? 'flags of the form --name value'
      : /argument missing/.test(message)
        ? 'a value after the flag'
        : `one of ${known.map((k) => `--${k}`).join(', ')}`;
    throw new BoltzflowError('flag', flag, expected, { cause: e });
  }
  const input = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? numeric(v) : v]));
  return parseWith(schema, input, { fieldName: flagName });
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

/** "0.1" → 0.1, "1e-4" → 0.0001; anything else stays a string (so zod reports the text as given). */
export function numeric(text: string): string | number {
  const t = text.trim();
  return t !== '' && /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : text;
}

export function flagName(path: readonly PropertyKey[]): string {
  return `--${String(path[0] ?? '')}`;
}
