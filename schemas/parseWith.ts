import type { z } from 'zod';
import { BoltzflowError, describeValue } from '../kernels/BoltzflowError.js';

export interface ParseOptions {
  /** How a field's path is shown: `config.learningRate` by default; the CLI shows `--lr`. */
  fieldName?: (path: readonly PropertyKey[]) => string;
}

/**
 * Parses `value` with a zod schema, or throws a {@link BoltzflowError} whose message names each
 * bad field, the value it had and what was expected (one line per problem).
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { parseWith } from '#internal/schemas/parseWith.js';
 * try {
 *   parseWith(z.strictObject({ k: z.int().min(1) }), { k: 0 });
 * } catch (e) {
 *   console.log((e as Error).message); // k: got 0, expected a number ≥ 1
 * }
 * ```
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, options: ParseOptions = {}): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const name = options.fieldName ?? ((path) => (path.length ? path.map(String).join('.') : 'value'));
  // zod reports an integer past the schema's bound twice (its own safe-integer bound, then the
  // schema's), which reads as two contradicting ranges: keep the schema's, worded for an integer.
  const all = result.error.issues;
  const safeBound = all.filter((i) => isSafeIntegerBound(i) && all.some((o) => o !== i && o.code === i.code && samePath(o.path, i.path)));
  const issues = all
    .filter((i) => !safeBound.includes(i))
    .map((i) =>
      (i.code === 'too_big' || i.code === 'too_small') && safeBound.some((s) => samePath(s.path, i.path))
        ? { ...i, origin: 'int' as const }
        : i,
    );
  const lines = issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0];
      return {
        field: name([...issue.path, key]),
        value: at(value, [...issue.path, key]),
        expected: `no such field (unknown: ${issue.keys.map((k) => JSON.stringify(k)).join(', ')})`,
      };
    }
    const given = at(value, issue.path);
    const required = issue.code === 'invalid_type' && given === undefined;
    return { field: name(issue.path), value: given, expected: required ? `${expectation(issue)} (required)` : expectation(issue) };
  });
  const [first, ...rest] = lines;
  throw new BoltzflowError(first.field, first.value, first.expected, {
    more: rest.map((l) => `${l.field}: got ${describeValue(l.value)}, expected ${l.expected}`),
  });
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'an integer';
      if (issue.expected === 'number') return 'a finite number';
      return `${/^[aeiou]/i.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
      const op = small ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      if (issue.origin === 'int') return `an integer ${op} ${bound}`;
      if (issue.origin === 'number') return `a number ${op} ${bound}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `${small ? 'at least' : 'at most'} ${bound} items`;
      if (issue.origin === 'string') return `${small ? 'at least' : 'at most'} ${bound} characters`;
      return issue.message;
    }
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

function isSafeIntegerBound(issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'too_big') return issue.origin === 'int' && issue.maximum === Number.MAX_SAFE_INTEGER;
  if (issue.code === 'too_small') return issue.origin === 'int' && issue.minimum === Number.MIN_SAFE_INTEGER;
  return false;
}

function samePath(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v == null || typeof v !== 'object') return undefined;
    v = Object.prototype.hasOwnProperty.call(v, key) ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return v;
}
