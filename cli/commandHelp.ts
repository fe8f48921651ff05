import { z } from 'zod';

/** What a command's `--help` says besides its flags. */
export interface CommandHelp {
  /** `train`, `eval`, … */
  readonly command: string;
  /** One line: what the command does (the top-level help lists it). */
  readonly summary: string;
  /** The words after the command before its flags, e.g. `V-H-V` or `nats://HOST:PORT/SUBJECT`. */
  readonly positional?: string;
  /** Paragraphs after the flags. */
  readonly notes?: readonly string[];
}

/**
 * A flag's metadata beside its schema (zod's `.meta`): `description`, and where the schema cannot
 * say it, `placeholder` (the value's name, e.g. `PATH`), `defaultText` (a default that depends on
 * something, e.g. `0.1, or 0.001 with --visible gaussian`) and `group` (the heading it is listed under).
 */
export interface FlagMeta {
  description: string;
  placeholder?: string;
  defaultText?: string;
  group?: string;
}

interface JsonField {
  type?: string | string[];
  enum?: readonly unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  default?: unknown;
  description?: string;
  placeholder?: string;
  defaultText?: string;
  group?: string;
  anyOf?: JsonField[];
}

const WIDTH = 100;

/**
 * A command's `--help`, generated from the same zod schema that validates its flags: every flag
 * with its value (the choices of an enum, `N` for an integer, `X` for a number), its description,
 * its range and its default, under the group headings its metadata gives, in schema order.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { commandHelp } from '#internal/cli/commandHelp.js';
 * const flags = z.strictObject({ n: z.int().min(1).max(9).default(3).meta({ description: 'how many' }) });
 * console.log(commandHelp({ command: 'demo', summary: 'a demonstration' }, flags).split('\n')[5].trim()); // --n N  how many (an integer 1 to 9; default 3)
 * ```
 */
export function commandHelp(help: CommandHelp, schema: z.ZodObject): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, JsonField> };
  const rows = Object.entries(json.properties).map(([name, field]) => ({
    group: field.group ?? 'flags',
    flag: `--${name}${valueOf(field) ? ` ${valueOf(field)}` : ''}`,
    text: [field.description, details(field)].filter(Boolean).join(' '),
  }));
  const column = Math.min(34, Math.max(...rows.map((r) => r.flag.length)) + 2);
  const lines = [
    `boltzflow ${help.command} — ${help.summary}`,
    '',
    `usage: boltzflow ${help.command}${help.positional ? ` ${help.positional}` : ''} [flags]`,
  ];
  for (const group of [...new Set(rows.map((r) => r.group))]) {
    lines.push('', `${group}:`);
    for (const r of rows.filter((row) => row.group === group)) {
      const first = `  ${r.flag}`;
      const wrapped = wrap(r.text, WIDTH - column - 2);
      if (first.length + 2 > column + 2) lines.push(first, ...wrapped.map((w) => ' '.repeat(column + 2) + w));
      else lines.push(first.padEnd(column + 2) + (wrapped[0] ?? ''), ...wrapped.slice(1).map((w) => ' '.repeat(column + 2) + w));
    }
  }
  for (const note of help.notes ?? []) lines.push('', ...wrap(note, WIDTH));
  return `${lines.join('\n')}\n`;
}

/** The flag's value as the help writes it (nothing for a switch). */
function valueOf(field: JsonField): string {
  const f = field.anyOf?.find((a) => a.type !== 'null') ?? field;
  if (field.placeholder) return field.placeholder;
  if (f.type === 'boolean') return '';
  if (f.enum) return f.enum.join('|');
  if (f.const !== undefined) return typeof f.const === 'string' ? f.const : JSON.stringify(f.const);
  if (f.type === 'integer') return 'N';
  if (f.type === 'number') return 'X';
  return 'VALUE';
}

/** `(an integer 1 to 9; default 3)`: the range a number must lie in, and the default. */
function details(field: JsonField): string {
  const any = field.anyOf?.find((a) => a.type !== 'null') ?? field;
  // zod's integers carry the safe-integer range as their bounds: that is no bound to a user.
  const bound = (v: number | undefined) => (v === undefined || Math.abs(v) >= Number.MAX_SAFE_INTEGER ? undefined : v);
  const f = {
    ...any,
    minimum: bound(any.minimum),
    maximum: bound(any.maximum),
    exclusiveMinimum: bound(any.exclusiveMinimum),
    exclusiveMaximum: bound(any.exclusiveMaximum),
  };
  const parts: string[] = [];
  if (f.type === 'integer' || f.type === 'number') {
    const kind = f.type === 'integer' ? 'an integer' : 'a number';
    const low = f.minimum !== undefined ? `≥ ${fmt(f.minimum)}` : f.exclusiveMinimum !== undefined ? `> ${fmt(f.exclusiveMinimum)}` : '';
    const high = f.maximum !== undefined ? `≤ ${fmt(f.maximum)}` : f.exclusiveMaximum !== undefined ? `< ${fmt(f.exclusiveMaximum)}` : '';
    if (f.minimum !== undefined && f.maximum !== undefined) parts.push(`${kind} ${fmt(f.minimum)} to ${fmt(f.maximum)}`);
    else if (low || high) parts.push(`${kind} ${[low, high].filter(Boolean).join(' and ')}`);
    else parts.push(kind);
  }
  const byDefault = field.defaultText ?? (field.default === undefined || field.default === false ? undefined : fmt(field.default));
  if (byDefault !== undefined) parts.push(`default ${byDefault}`);
  return parts.length ? `(${parts.join('; ')})` : '';
}

function fmt(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) >= 10_000 ? v.toLocaleString('en-US') : String(v);
  return String(v);
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
