import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BoltzflowError, describeValue } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { writeImageGrid } from '../sinks/writeImageGrid.js';
import { writeOutput } from '../sinks/writeOutput.js';

// Every error a user can meet is one line `boltzflow: FIELD: got VALUE, expected WHAT` (exit 2, no
// stack trace), the value shown as given and visible, and outputs that cannot be written are refused.

const bin = fileURLToPath(new URL('../cli/boltzflow.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'boltzflow-messages-'));
const bars = Array.from({ length: 40 }, (_, r) =>
  Array.from({ length: 16 }, (_, i) => Number(r % 2 ? i % 4 === r % 4 : Math.floor(i / 4) === r % 4)).join(','),
);
const csv = join(dir, 'bars.csv');
writeFileSync(csv, bars.join('\n') + '\n');
const aFile = join(dir, 'a-file');
writeFileSync(aFile, 'not a folder\n');
const aFolderPng = join(dir, 'folder.png');
mkdirSync(aFolderPng);
const model = join(dir, 'run', 'snapshot.msgpack');

function cli(args: readonly string[], options: { timeout?: number } = {}) {
  // In the temporary folder: a command that is wrongly accepted (on old code) leaves its runs/ there.
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: options.timeout ?? 60_000, cwd: dir });
  return { code: r.status, stderr: r.stderr };
}

/** Exit 2, no stack trace, and a last stderr line `boltzflow: …` matching `message`. */
function refused(t: ExecutionContext, args: readonly string[], message: RegExp, options?: { timeout?: number }) {
  const r = cli(args, options);
  t.is(r.code, 2, `${args.join(' ')}\n${r.stderr}`);
  t.notRegex(r.stderr, /internal error|\n\s+at /, 'no stack trace');
  const line = `${r.stderr.trimEnd().split('\n').at(-1)}\n`; // train's progress lines may come first
  t.regex(line, /^boltzflow: /, r.stderr);
  t.regex(line, message, args.join(' '));
  return line;
}

test.before(() => {
  const r = cli([
    'train',
    '--data',
    csv,
    '--hidden',
    '4',
    '--batch',
    '10',
    '--epochs',
    '1',
    '--sample-steps',
    '2',
    '--out',
    join(dir, 'run'),
  ]);
  if (r.code !== 0) throw new Error(`fixture training failed: ${r.stderr}`);
});

test('describeValue escapes invisible characters: a BOM, zero-width and bidi marks, C1 controls, odd spaces', (t) => {
  t.is(describeValue('\ufeff0.5'), '"\\ufeff0.5"');
  t.is(describeValue('a\u200bb\u202ec\u0085d\u00a0e\u2028f\u0000'), '"a\\u200bb\\u202ec\\u0085d\\u00a0e\\u2028f\\u0000"');
  t.is(describeValue('0,1\tx\n'), '"0,1\\tx\\n"');
  t.is(describeValue('é ≤ 日本 🙂'), '"é ≤ 日本 🙂"', 'printable text, spaces and emoji stay as they are');
  t.is(
    new BoltzflowError('--data', 'x', `a file (ENOENT: open '\ufeffx.csv')`).message,
    `--data: got "x", expected a file (ENOENT: open '\\ufeffx.csv')`,
  );
});

test('describeValue shows binary garbage as at most 40 escaped characters and its size in bytes', (t) => {
  const garbage = '\ufffd'.repeat(150) + '\u0001\u0002ab'.repeat(25);
  const shown = describeValue(garbage);
  t.regex(shown, /^"(\\ufffd){37}"\.\.\. \(550 bytes, mostly unprintable\)$/);
  t.true(shown.length < 300, shown);
  const text = 'x'.repeat(500);
  t.is(describeValue(text), `"${'x'.repeat(197)}..."`, 'long printable text is cut at 200 characters, as before');
});

test('a BOM inside a data file is shown escaped in the message', (t) => {
  // On line 2, where no reader strips it (a BOM opening the file is the readers' to skip).
  const bom = join(dir, 'bom.ndjson');
  writeFileSync(bom, `[${bars[0]}]\n\ufeff[${bars[1]}]\n`);
  refused(t, ['eval', '--model', model, '--data', bom], /bom.ndjson line 2: got "\\ufeff\[0,/);
});

test('--seed 2^53 is one line stating the seed range', (t) => {
  for (const command of [['train'], ['sample', '--model', model]]) {
    const line = refused(
      t,
      [...command, '--seed', '9007199254740992'],
      /^boltzflow: --seed: got 9007199254740992, expected an integer ≤ 4294967295\n$/,
    );
    t.notRegex(line, /9007199254740991/, 'no contradicting safe-integer bound');
  }
});

test('a number a double cannot hold is reported as written, not as the 0 or Infinity it would become', (t) => {
  refused(t, ['train', '--lr', '1e-400'], /^boltzflow: --lr: got 1e-400, expected .*rounds to 0/);
  refused(t, ['sample', '--model', model, '--n', '1e400'], /^boltzflow: --n: got 1e400, expected .*overflows/);
});

test('a flag that takes text keeps a numeric-looking value as text: --validation 500 names a file', (t) => {
  refused(
    t,
    ['train', '--data', 'mnist', '--validation', '500'],
    /^boltzflow: --validation: got "500", expected mnist, mnist:test, or a readable/,
  );
  refused(t, ['train', '--data', '1e400'], /^boltzflow: --data: got "1e400", expected mnist/);
});

test('a switch given a value, and a flag missing its value, say so', (t) => {
  refused(t, ['train', '--json=false'], /^boltzflow: --json: got "false", expected no value \(--json takes no value/);
  refused(t, ['train', '--hidden'], /^boltzflow: --hidden: got no value, expected a value \(--hidden needs a value\)\n$/);
  const line = refused(
    t,
    ['train', '--hidden', '--lr', '0.1'],
    /^boltzflow: --hidden: got no value \(the next argument, "--lr", is a flag\), expected a value \(--hidden needs a value/,
  );
  t.notRegex(line, /one of --data/);
});

test('a flag given twice is refused instead of the last value silently winning', (t) => {
  refused(t, ['train', '--lr', '0.1', '--lr=0.2'], /^boltzflow: --lr: got it twice \(0\.1 and 0\.2\), expected it once\n$/);
  refused(t, ['sample', '--model', model, '--json', '--json'], /^boltzflow: --json: got it twice, expected it once\n$/);
  refused(t, ['sample', '--model', model, '--model', model], /^boltzflow: --model: got it twice \(".*" and ".*"\)/);
});

test('a flag value with a BOM is shown escaped', (t) => {
  refused(t, ['train', '--method', '\ufeffcd'], /^boltzflow: --method: got "\\ufeffcd", expected one of "cd", "pcd", "pt"\n$/);
});

test('sample --out under a regular file is refused at once, before any sampling', (t) => {
  // 1000 chains × 10⁷ steps would run for hours: only a check before the work ends within the timeout.
  const out = join(aFile, 'x.csv');
  refused(
    t,
    ['sample', '--model', model, '--n', '1000', '--steps', '10000000', '--out', out],
    /--out: got ".*a-file\/x.csv", expected a path where a file can be written \(".*a-file" is a file, not a folder\)/,
    { timeout: 20_000 },
  );
});

test('sample --out that is a folder, and complete --out under a file, are one line naming the flag', (t) => {
  refused(
    t,
    ['sample', '--model', model, '--n', '4', '--steps', '2', '--out', aFolderPng],
    /--out: got ".*folder.png", expected a path where a file can be written \(it is a folder\)/,
  );
  // Refused before the data are read: the missing --data file is never reached.
  refused(
    t,
    ['complete', '--model', model, '--data', join(dir, 'missing.csv'), '--out', join(aFile, 'c.png')],
    /^boltzflow: --out: .*is a file, not a folder/,
  );
});

test('train whose filters.png is a folder: one line naming it, before any training', (t) => {
  const out = join(dir, 'filters-folder');
  mkdirSync(join(out, 'filters.png'), { recursive: true });
  refused(
    t,
    ['train', '--data', csv, '--hidden', '4', '--batch', '10', '--epochs', '1', '--sample-steps', '2', '--out', out],
    /^boltzflow: filters: got ".*filters.png", expected a path where a file can be written \(it is a folder\)/,
  );
  t.false(existsSync(join(out, 'snapshot.msgpack')), 'refused before the work, not after it');
});

test('the writers turn EISDIR and ENOTDIR met at write time into a BoltzflowError naming the field and path', (t) => {
  const e = t.throws(() => writeImageGrid(aFolderPng, Matrix.zeros(1, 4), { height: 2, width: 2 }, '--out'), {
    instanceOf: BoltzflowError,
  });
  t.regex(
    e.message,
    /^--out: got ".*folder.png", expected a path where a file can be written \(EISDIR: illegal operation on a directory\)$/,
  );
  const f = t.throws(() => writeOutput(join(aFile, 'sub', 'x.csv'), new Uint8Array(1)), { instanceOf: BoltzflowError });
  t.regex(f.message, /^output: got ".*a-file\/sub\/x.csv", expected .*\(".*a-file" is a file, not a folder\)$/);
});

test('a system error no command caught (stdout on a full disk) is one line, not an internal error', (t) => {
  if (!existsSync('/dev/full')) return t.pass('no /dev/full here');
  const full = spawnSync('sh', ['-c', `exec "${process.execPath}" "${bin}" sample --model "${model}" --n 20 --steps 2 > /dev/full`], {
    encoding: 'utf8',
  });
  t.is(full.status, 2, full.stderr);
  t.is(full.stderr, 'boltzflow: ENOSPC: no space left on device, write\n');
});

test('a byte-order mark at the start of a data file is dropped; file errors name the flag that gave the path', (t) => {
  const bom = join(dir, 'bom.ndjson');
  writeFileSync(bom, '\ufeff[0,1]\n[1,0]\n');
  const r = cli([
    'train',
    '--data',
    bom,
    '--hidden',
    '2',
    '--batch',
    '1',
    '--epochs',
    '1',
    '--sample-steps',
    '0',
    '--out',
    join(dir, 'bom-run'),
  ]);
  t.is(r.code, 0, r.stderr);
  refused(t, ['train', '--resume', dir], /^boltzflow: --resume: got ".*", expected a readable snapshot file \(EISDIR/);
  refused(
    t,
    ['train', '--data', csv, '--batch', '10', '--validation', dir, '--eval-every', '2', '--out', join(dir, 'validation-run')],
    /^boltzflow: --validation: got ".*", expected .*readable IDX, CSV or NDJSON file \(EISDIR/,
  );
});
