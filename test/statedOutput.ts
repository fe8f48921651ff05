/**
 * The output a doc example states in a comment after a `console.log(…)`, checked against what it
 * printed. A comment is a statement of output when, once a trailing parenthetical is dropped, it
 * holds only values: numbers (with `≈` before one for "about": within 2% or 0.02; before a bracket, for
 * every number up to the next `·`), `true`, `false`,
 * `null`, `NaN`, quoted strings, brackets, `×`, `Float32Array(n)`, and `…` for anything; `·`
 * separates what successive calls printed. Anything else (prose: "binary 2×3") is left unchecked.
 */

const VALUE_WORDS = new Set(['true', 'false', 'null', 'NaN', 'Infinity', 'Float32Array', 'undefined']);

type Token = { kind: 'num'; value: number; approx: boolean } | { kind: 'any' } | { kind: 'text'; value: string };

function tokenize(s: string, pattern: boolean): Token[] | null {
  const out: Token[] = [];
  const re = /(≈\s*)?([−-]?\d+(?:\.\d+)?(?:e[+-]?\d+)?)|(…)|('[^']*'|"[^"]*")|([A-Za-z_][A-Za-z_0-9]*)|(\S)/g;
  let approx = false; // a `≈` before a bracket: every number up to the next `·` is about
  for (const m of s.matchAll(re)) {
    if (m[2] !== undefined) out.push({ kind: 'num', value: Number(m[2].replace('−', '-')), approx: Boolean(m[1]) || approx });
    else if (m[3]) out.push({ kind: 'any' });
    else if (m[4]) out.push({ kind: 'text', value: m[4].slice(1, -1) });
    else if (m[5]) {
      if (pattern && !VALUE_WORDS.has(m[5])) return null; // prose
      out.push({ kind: 'text', value: m[5] });
    } else if (m[6] === '≈') approx = true;
    else {
      if (m[6] === '·') approx = false;
      if (m[6] !== ',') out.push({ kind: 'text', value: m[6] });
    }
  }
  return out;
}

/** The comment as a pattern, or null when it is prose rather than a statement of output. */
export function outputPattern(comment: string): Token[] | null {
  const stripped = comment.replace(/\s*\([^()]*\)\s*$/, '').trim();
  if (!stripped) return null;
  return tokenize(stripped, true);
}

function matches(p: readonly Token[], o: readonly Token[]): boolean {
  if (p.length === 0) return o.length === 0;
  const [head, ...rest] = p;
  if (head.kind === 'any') {
    for (let k = 0; k <= o.length; k++) if (matches(rest, o.slice(k))) return true;
    return false;
  }
  const got = o[0];
  if (!got) return false;
  if (head.kind === 'num') {
    if (got.kind !== 'num') return false;
    const ok = head.approx ? Math.abs(got.value - head.value) <= Math.max(0.02, 0.02 * Math.abs(head.value)) : got.value === head.value;
    return ok && matches(rest, o.slice(1));
  }
  return got.kind === 'text' && got.value === head.value && matches(rest, o.slice(1));
}

/** Whether what was printed (each call's line, joined with ` · `) is what the pattern states. Quotes in the output are dropped as in the pattern. */
export function printedMatches(pattern: readonly Token[], printed: readonly string[]): boolean {
  const tokens = tokenize(printed.join(' · '), false)!;
  return matches(pattern, tokens) || matches(pattern, tokenize(printed[0] ?? '', false)!);
}
