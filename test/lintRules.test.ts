import test from 'ava';
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The house rules that `npm run lint` enforces (eslint.config.js), held on small probes. The probes are plain
// JavaScript (no type information, so no TypeScript program is built): the house rules apply to every file.
const root = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd: root });
const probe = join(root, 'kernels', 'lintProbe.mjs'); // never written: linted from text

async function findings(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: probe });
  return result.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

test('Math.random is refused: draws come from the seeded generator', async (t) => {
  const found = await findings('export const x = Math.random();\n');
  t.is(found.length, 1, found.join('\n'));
  t.regex(found[0], /^no-restricted-properties: .*seeded generator/);
});

test('z.object is refused: zod objects are strict', async (t) => {
  const found = await findings("import { z } from 'zod';\nexport const s = z.object({});\nexport const ok = z.strictObject({});\n");
  t.is(found.length, 1, found.join('\n'));
  t.regex(found[0], /^no-restricted-properties: .*z\.strictObject/);
});

test('== is refused except against null; a never-reassigned let is refused', async (t) => {
  const found = await findings(
    'export const same = (a, b) => a == b;\nexport const missing = (a) => a == null;\nlet y = 1;\nexport { y };\n',
  );
  t.deepEqual(
    found.map((f) => f.split(':')[0]),
    ['eqeqeq', 'prefer-const'],
    found.join('\n'),
  );
});

test('clean code has no findings, and layout is left to Prettier', async (t) => {
  t.deepEqual(await findings("import { z } from 'zod';\nexport   const s = z.strictObject({ a: z.number() })\n"), []);
});
