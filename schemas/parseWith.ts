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
 * import { parseWith } from 'boltzflow';
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
  const lines = result.error.issues.map((issue) => {
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

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v == null || typeof v !== 'object') return undefined;
    v = Object.prototype.hasOwnProperty.call(v, key) ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return v;
}
