import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliReference, COMMANDS, usage } from '../cli/commands.js';
import { trainConfigFlags, trainFlagsSchema } from '../schemas/cliFlags.js';
import { deepFlagsSchema } from '../cli/trainDeep.js';

const bin = fileURLToPath(new URL('../cli/boltzflow.js', import.meta.url));
const root = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('every command has --help, -h and help COMMAND: exit 0, its usage, every flag it parses', (t) => {
  for (const [name, command] of Object.entries(COMMANDS)) {
    const long = run(name, '--help');
    t.is(long.status, 0, long.stderr);
    t.true(long.stdout.startsWith(`boltzflow ${name} — `), long.stdout.slice(0, 80));
    t.regex(long.stdout, new RegExp(`usage: boltzflow ${name}`));
    t.is(run(name, '-h').stdout, long.stdout);
    t.is(run('help', name).stdout, long.stdout);
    for (const flag of Object.keys(command.flags([]).shape)) t.regex(long.stdout, new RegExp(`\\n  --${flag}\\b`), `${name} --${flag}`);
  }
  // What train parses: its own flags and the config flags, each listed (a flag added to the parser and not to the help fails here).
  const train = run('train', '--help').stdout;
  for (const flag of [...Object.keys(trainFlagsSchema.shape), ...Object.keys(trainConfigFlags)])
    t.regex(train, new RegExp(`\\n  --${flag}\\b`));
  const deep = run('train', '--model', 'dbm', '--help').stdout;
  for (const flag of Object.keys(deepFlagsSchema.shape)) t.regex(deep, new RegExp(`\\n  --${flag}\\b`));
  t.notRegex(deep, /--hidden/, 'a deep model has --layers, not --hidden');
});

test("help shows each flag's value, range and default, from the schemas that validate them", (t) => {
  const train = run('train', '--help').stdout;
  t.regex(train, /--hidden N +hidden units \(an integer 1 to 100,000; default 500\)/);
  t.regex(train, /--method cd\|pcd\|pt +cd: contrastive divergence/);
  t.regex(train, /--momentum X +momentum of the parameter updates \(a number ≥ 0 and < 1; default\s+0\.5\)/);
  t.regex(train, /--lr X +learning rate \(a number > 0 and ≤ 100; default 0\.1, or 0\.001\s+with --visible gaussian\)/);
  t.regex(
    run('train', '--model', 'dbm', '--help').stdout,
    /--lr X +learning rate \(a number > 0 and ≤ 100; default dbn 0\.1, dbm\s+0\.005\)/,
  );
  // A deep model's ranges are its configs' (the parser's): epochs and batches to 1,000,000, Gibbs steps to 100,000.
  const dbn = run('train', '--model', 'dbn', '--help').stdout;
  t.regex(dbn, /--epochs N .*\(an integer 1 to\s+1,000,000;/);
  t.regex(dbn, /--k N .*\(an integer 1 to 100,000;/);
  t.regex(run('train', '--model', 'dbn', '--epochs', '2000000').stderr, /--epochs: got 2000000, expected a number ≤ 1000000/);
  t.regex(
    run('eval', '--help').stdout,
    /--ais-steps N +AIS and RAISE: intermediate distributions .*\(an integer 3 to 10,000,000; default\s+14,500\)/s,
  );
  t.regex(run('encoder', '--help').stdout, /usage: boltzflow encoder V-H-V \[flags\]/);
});

test('the top-level help lists every command; the README shows it and docs/cli.md is what the CLI prints', (t) => {
  const top = run('--help');
  t.is(top.status, 0);
  t.is(top.stdout, usage());
  for (const name of Object.keys(COMMANDS)) t.regex(top.stdout, new RegExp(`\\n  ${name} +\\S`));
  t.is(run().status, 2, 'no command: the usage, and a failing status');
  t.regex(run('help', 'bogus').stderr, /^boltzflow: help: got "bogus", expected one of train, eval/);
  t.true(
    root('README.md').includes(`\`\`\`text\n${usage()}\`\`\``),
    'the README shows boltzflow --help as it is (npm run docs:cli refreshes it)',
  );
  t.is(root('docs/cli.md'), cliReference(), 'docs/cli.md is stale: npm run docs:cli');
});

test("train --resume SNAPSHOT --help lists the flags of the snapshot's model kind (a DBN's: --layers, not --hidden)", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boltzflow-help-'));
  const csv = join(dir, 'd.csv');
  writeFileSync(csv, Array.from({ length: 20 }, (_, r) => Array.from({ length: 6 }, (_, i) => (r + i) % 2).join(',')).join('\n') + '\n');
  const out = join(dir, 'dbn');
  const trained = run(
    'train',
    '--model',
    'dbn',
    '--layers',
    '4,3',
    '--data',
    csv,
    '--batch',
    '10',
    '--epochs',
    '1',
    '--out',
    out,
    '--json',
  );
  t.is(trained.status, 0, trained.stderr);
  const help = run('train', '--resume', join(out, 'snapshot.msgpack'), '--help').stdout;
  t.regex(help, /\n {2}--layers\b/);
  t.notRegex(help, /\n {2}--hidden\b/);
  t.regex(
    run('train', '--resume', join(dir, 'missing.msgpack'), '--help').stdout,
    /\n {2}--hidden\b/,
    "an unreadable snapshot: train's own help",
  );
});

test("the built command runs by itself, as `npx boltzflow` in the repository runs it: its shebang and the execute bit the build sets (npm links an installed package's bin; a clone's it does not)", (t) => {
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  t.is(run.error, undefined, String(run.error));
  t.is(run.status, 0, run.stderr);
  t.is(run.stdout.trim(), JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')).version);
});
