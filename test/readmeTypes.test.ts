import test from 'ava';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// The README's ts blocks type-check as a user's project would compile them: strict, with
// noUncheckedIndexedAccess (which the library itself does not use), `boltzflow` resolving to this
// package's published types. docExamples.test.ts runs them; this holds their types.
const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, 'dist', 'readme-types');

test("the README's examples compile under strict and noUncheckedIndexedAccess, against the package's types", (t) => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const blocks = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  t.true(blocks.length >= 2, `${blocks.length} ts blocks`);
  // Each block is a module of its own (they declare the same names).
  const files = blocks.map((code, i) => {
    const file = join(dir, `readme-${i + 1}.ts`);
    writeFileSync(file, code);
    return file;
  });
  const program = ts.createProgram(files, {
    strict: true,
    noUncheckedIndexedAccess: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
  });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  t.deepEqual(errors, []);
});
