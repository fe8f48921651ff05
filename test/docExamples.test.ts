import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { startNatsServer, type NatsServer } from './natsServer.js';
import { outputPattern, printedMatches } from './statedOutput.js';

// Every `@example` in the library's doc comments, and every ```ts block of the README, the guides and docs/, is a program: extract it, transpile it, run it
// with `boltzflow` resolving to this package, and require it to exit cleanly.
const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'dist', 'doc-examples');
const cwd = mkdtempSync(join(tmpdir(), 'boltzflow-examples-'));
const folders = ['kernels', 'models', 'operators', 'pipelines', 'schemas', 'sinks', 'sources'];

const examples: Array<{ name: string; code: string }> = [];
for (const folder of folders)
  for (const file of readdirSync(join(root, folder)).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(root, folder, file), 'utf8');
    let n = 0;
    for (const m of text.matchAll(/@example\s*\n\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g))
      examples.push({ name: `${folder}/${file}#${++n}`, code: m[1].replace(/^\s*\* ?/gm, '') });
  }

let readmeBlock = 0;
for (const m of readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g))
  examples.push({ name: `README.md#${++readmeBlock}`, code: m[1] });
// The guides' ts blocks too (guides/*.md: one page per use case), and the reference pages' (docs/*.md).
let guideBlocks = 0;
for (const folder of ['guides', 'docs'])
  for (const file of readdirSync(join(root, folder)).filter((f) => f.endsWith('.md'))) {
    let n = 0;
    for (const m of readFileSync(join(root, folder, file), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)) {
      examples.push({ name: `${folder}/${file}#${++n}`, code: m[1] });
      guideBlocks++;
    }
  }

// Examples that talk to NATS JetStream find a real server at NATS_URL (nats-server -js, started here on a loopback port).
let nats: NatsServer | undefined;
test.before(async () => {
  nats = await startNatsServer();
});
test.after.always(async () => {
  await nats?.stop();
});

test.before(() => {
  mkdirSync(out, { recursive: true });
  // Examples that read a trained model find one where `npm start` would have left it.
  const r = spawnSync(process.execPath, [
    join(root, 'dist/cli/boltzflow.js'),
    'train',
    '--data',
    'mnist',
    '--limit',
    '500',
    '--hidden',
    '16',
    '--out',
    join(cwd, 'runs/mnist'),
    '--sample-steps',
    '0',
    '--json',
  ]);
  if (r.status !== 0) throw new Error(`fixture training failed: ${r.stderr.toString()}`);
});

test('the doc comments hold at least 30 examples, the README its ts blocks, and the guides and docs/ runnable code', (t) => {
  t.true(examples.length - readmeBlock - guideBlocks >= 30, `${examples.length - readmeBlock - guideBlocks}`);
  t.true(readmeBlock >= 2, `${readmeBlock}`);
  t.true(guideBlocks >= 14, `${guideBlocks} blocks in guides/ and docs/`);
});

/**
 * The example with each `console.log(…); // OUTPUT` line's call tagged, so that what it printed can be
 * held against the OUTPUT it states (see `statedOutput.ts`), and the stated outputs by tag.
 */
function instrument(code: string): { code: string; stated: Map<number, string> } {
  const stated = new Map<number, string>();
  const lines = code.split('\n').map((line, i) => {
    const call = line.lastIndexOf('console.log(');
    const comment = line.indexOf(' // ', call);
    if (call < 0 || comment < 0) return line;
    stated.set(i, line.slice(comment + 4).trim());
    return `${line.slice(0, call)}__log(${i}, ${line.slice(call + 'console.log('.length)}`;
  });
  const prelude =
    "import { format as __format } from 'node:util';\nconst __log = (id, ...a) => process.stdout.write(`@@output ${id}@@${__format(...a)}\\n`);\n";
  return { code: stated.size ? prelude + lines.join('\n') : code, stated };
}

let checkedOutputs = 0;
for (const { name, code } of examples)
  test(`doc example ${name} runs${/console\.log\(.*\/\/ /.test(code) ? ' and prints what it says' : ''}`, (t) => {
    const { code: tagged, stated } = instrument(code);
    const js = ts.transpileModule(tagged, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const file = join(out, name.replace(/[/#.]/g, '_') + '.mjs');
    writeFileSync(file, js);
    const r = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NATS_URL: nats!.url } });
    t.is(r.status, 0, `${name}\n${code}\n--- stderr ---\n${r.stderr}`);
    const printed = new Map<number, string[]>();
    for (const line of r.stdout.split('\n')) {
      const m = /^@@output (\d+)@@(.*)$/s.exec(line);
      if (m) printed.set(Number(m[1]), [...(printed.get(Number(m[1])) ?? []), m[2]]);
    }
    for (const [id, comment] of stated) {
      const pattern = outputPattern(comment);
      if (!pattern) continue; // prose, not a statement of output
      checkedOutputs++;
      const got = printed.get(id) ?? [];
      t.true(printedMatches(pattern, got), `${name}, line ${id + 1}: states "${comment}", printed ${JSON.stringify(got.slice(0, 3))}`);
    }
  });

test.after('the stated outputs checked', () => {
  console.log(`  ${checkedOutputs} stated outputs held against what the examples printed`);
});
