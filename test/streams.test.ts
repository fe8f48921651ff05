import test from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { followFile } from '../sources/followFile.js';
import { loadDataset } from '../sources/loadDataset.js';
import { readIdx } from '../sources/readIdx.js';
import { readNdjson } from '../sources/readNdjson.js';
import { recordsFromLines } from '../sources/recordsFromLines.js';
import { splitLines } from '../sources/splitLines.js';

// Streams are linear, bounded and seek-free: long lines, FIFOs, IDX headers, tail -F.
const bin = fileURLToPath(new URL('../cli/boltzflow.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'boltzflow-streams-'));
const MiB = 1024 * 1024;
const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
function idx(dims: number[], values: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(values)]);
}
/** A FIFO at a new path (no extension, so its format is told from its bytes). */
function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}
/** Writes `parts` to a FIFO (opening it waits for a reader); `hold` keeps it open until resolved. */
async function writeFifo(path: string, parts: Uint8Array[], hold?: Promise<unknown>): Promise<void> {
  const fh = await open(path, 'w');
  try {
    for (const p of parts) await fh.write(p);
    await hold;
  } catch {
    // the reader went away (EPIPE): what it read is what the test checks
  } finally {
    await fh.close();
  }
}
const until = async (ok: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error(`never saw ${what}`);
};

test.serial(
  'splitLines: a 64 MiB line past maxLineBytes is dropped as it streams (memory stays bounded) and reading goes on',
  async (t) => {
    const x = Buffer.alloc(MiB, 'x'); // one chunk, yielded 64 times: all the memory a drop needs
    let grown = Infinity;
    async function* chunks() {
      const before = process.memoryUsage();
      for (let i = 0; i < 64; i++) yield x;
      const after = process.memoryUsage();
      grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
      yield Buffer.from('\n[0,1]\n' + 'y'.repeat(MiB) + '\n' + 'z'.repeat(MiB + 1));
    }
    const lines = await collect(splitLines(chunks(), { maxLineBytes: MiB }));
    t.deepEqual(lines, [
      { line: null, number: 1, bytes: 64 * MiB, limit: MiB },
      { line: '[0,1]', number: 2 },
      { line: 'y'.repeat(MiB), number: 3 },
      { line: null, number: 4, bytes: MiB + 1, limit: MiB },
    ]);
    t.true(grown < 16 * MiB, `held ${(grown / MiB).toFixed(1)} MiB while 64 MiB streamed past`);
  },
);

test('splitLines: many short lines in one big chunk; a producer reusing its buffer does not change a pending line', async (t) => {
  const n = 200_000;
  const text = Array.from({ length: n }, (_, i) => `${i},${i % 2}`).join('\r\n');
  const lines = await collect(splitLines([Buffer.from(text)]));
  t.is(lines.length, n);
  t.deepEqual(lines[0], { line: '0,0', number: 1 });
  t.deepEqual(lines[n - 1], { line: `${n - 1},1`, number: n });
  t.true(lines.every((l, i) => l.line === `${i},${i % 2}`));
  const shared = Buffer.from('ab');
  async function* reused() {
    yield shared; // "ab" pending…
    shared.write('c\n'); // …the producer refills the same buffer
    yield shared;
  }
  t.deepEqual(await collect(splitLines(reused())), [{ line: 'abc', number: 1 }]);
});

test('a line past the limit is a record-level error at its place: recordsFromLines (a bad record, and reading goes on), readNdjson, loadDataset', async (t) => {
  const got = await collect(recordsFromLines(splitLines(['[0,1]\n[0,1,0,1,0,1]\n[1,0]\n'], { maxLineBytes: 8 }), 'feed'));
  t.deepEqual(
    got.map((r) => [r.where, r.values ? 'record' : r.kind]),
    [
      ['feed line 1', 'record'],
      ['feed line 2', 'tooLong'],
      ['feed line 3', 'record'],
    ],
  );
  const bad = got[1];
  t.true(bad.values === null && bad.error instanceof BoltzflowError);
  t.is(
    bad.values === null ? bad.error.message : '',
    'feed line 2: got "a line of 13 bytes", expected at most 8 bytes per line (raise --max-line-bytes)',
  );
  const path = join(dir, 'long.ndjson');
  writeFileSync(path, '[0,1]\n[' + '0,'.repeat(100) + '1]\n');
  await t.throwsAsync(collect(readNdjson(path, { maxLineBytes: 64 })), {
    message: /^long.ndjson line 2: got "a line of 203 bytes", expected at most 64 bytes/,
  });
  await t.throwsAsync(loadDataset(path, { maxLineBytes: 64 }), { message: /^long.ndjson line 2: got "a line of 203 bytes"/ });
  // A line of exactly the limit passes the splitter (and is then refused for its width).
  await t.throwsAsync(loadDataset(path, { maxLineBytes: 203 }), { message: /^long.ndjson line 2: got "101 values", expected 2 values/ });
});

test('train --max-line-bytes: a longer line is one error line naming it; the flag is validated', (t) => {
  const path = join(dir, 'wide.csv');
  writeFileSync(path, '0,1\n0,1\n1,0,1,0,1,0\n');
  const r = spawnSync(process.execPath, [bin, 'train', '--data', path, '--max-line-bytes', '5', '--out', join(dir, 'wide-run')], {
    encoding: 'utf8',
  });
  t.is(r.status, 2, r.stderr);
  t.is(r.stderr.trim(), 'boltzflow: wide.csv line 3: got "a line of 11 bytes", expected at most 5 bytes per line (raise --max-line-bytes)');
  const bad = spawnSync(process.execPath, [bin, 'train', '--data', path, '--max-line-bytes', '0'], { encoding: 'utf8' });
  t.is(bad.status, 2);
  t.regex(bad.stderr, /^boltzflow: --max-line-bytes: got 0, expected/);
});

const rows =
  Array.from({ length: 40 }, (_, i) => JSON.stringify(Array.from({ length: 9 }, (_, j) => ((i + j) % 3 === 0 ? 1 : 0)))).join('\n') + '\n';

test('train --data FIFO (no extension, NDJSON told from its first byte) reads the stream once, without seeking', async (t) => {
  const path = fifo('feed');
  const out = join(dir, 'fifo-run');
  const child = spawn(process.execPath, [
    bin,
    'train',
    '--data',
    path,
    '--hidden',
    '4',
    '--batch',
    '10',
    '--epochs',
    '2',
    '--sample-steps',
    '0',
    '--out',
    out,
    '--json',
  ]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await Promise.all([new Promise((r) => child.on('close', r)), writeFifo(path, [Buffer.from(rows)])]);
  t.is(code, 0, stderr);
  const events = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.like(events[0], { event: 'start', data: { name: path, rows: 40 } });
  t.like(events.at(-1), { event: 'summary', steps: 8 });
});

test('train --data <(cat file): process substitution works (bash)', (t) => {
  const path = join(dir, 'rows.ndjson');
  writeFileSync(path, rows.replaceAll('\n', '\r\n'));
  const r = spawnSync(
    'bash',
    [
      '-c',
      'exec "$0" "$1" train --data <(cat "$2") --hidden 4 --batch 10 --epochs 1 --sample-steps 0 --out "$3" --json',
      process.execPath,
      bin,
      path,
      join(dir, 'subst-run'),
    ],
    { encoding: 'utf8' },
  );
  t.is(r.status, 0, r.stderr);
  t.like(JSON.parse(r.stdout.trim().split('\n').at(-1)!), { event: 'summary', steps: 4 });
});

test('IDX through a FIFO: records read front to back; a short or a long stream is refused naming what was expected', async (t) => {
  const good = fifo('digits');
  const [d] = await Promise.all([
    loadDataset(good),
    writeFifo(good, [idx([3, 2], [0, 255, 51, 102, 255, 0]).subarray(0, 7), idx([3, 2], [0, 255, 51, 102, 255, 0]).subarray(7)]),
  ]);
  t.deepEqual(
    Array.from(d.data.data, (x) => Math.round(x * 255)),
    [0, 255, 51, 102, 255, 0],
  );
  t.deepEqual([d.data.rows, d.data.cols], [3, 2]);
  const short = fifo('short-digits');
  const [e] = await Promise.all([loadDataset(short).catch((e: unknown) => e), writeFifo(short, [idx([3, 2], [1, 2, 3])])]);
  t.true(e instanceof BoltzflowError);
  t.is(
    (e as Error).message,
    'short-digits size: got "a stream that ends in record 1 of 3", expected 18 bytes for 3×2 ubyte values (the file is short)',
  );
  const long = fifo('long-digits');
  const [f] = await Promise.all([loadDataset(long).catch((e: unknown) => e), writeFifo(long, [idx([1, 2], [1, 2, 3])])]);
  t.is(
    (f as Error).message,
    'long-digits size: got "more bytes after the last record", expected 14 bytes for 1×2 ubyte values (header and file disagree)',
  );
});

test('a bad IDX magic number is refused from the first bytes, while the stream is still open (a 1 GB file is not read whole)', async (t) => {
  const path = fifo('garbage');
  let release!: () => void;
  const hold = new Promise<void>((r) => (release = r));
  const writer = writeFifo(path, [Buffer.from([0, 0, 0x99, 1, 0, 0, 0, 1])], hold);
  await t.throwsAsync(loadDataset(path), { instanceOf: BoltzflowError, message: /^garbage magic number: got "0x00009901"/ });
  release();
  await writer;
});

test('IDX headers with a zero dimension or more than 2³¹−1 values are refused at once, file and dimensions named', async (t) => {
  const zero = join(dir, 'zero.idx');
  writeFileSync(zero, idx([2 ** 31, 0], []));
  await t.throwsAsync(readIdx(zero), {
    instanceOf: BoltzflowError,
    message:
      'zero.idx header: got "dimensions 2147483648×0", expected dimensions of at least 1 each and at most 2147483647 ubyte values in all',
  });
  await t.throwsAsync(loadDataset(zero), { message: /^zero.idx header: got "dimensions 2147483648×0"/ });
  const huge = fifo('huge');
  const [e] = await Promise.all([loadDataset(huge).catch((e: unknown) => e), writeFifo(huge, [idx([65536, 32768], [])])]);
  t.is(
    (e as Error).message,
    'huge header: got "dimensions 65536×32768", expected dimensions of at least 1 each and at most 2147483647 ubyte values in all',
  );
});

test('followFile survives truncation (copytruncate) and rotation (mv f f.1; new f), like tail -F', async (t) => {
  const path = join(dir, 'rotating.ndjson');
  writeFileSync(path, '[0,0]\n[0,1]\n');
  const stop = new AbortController();
  const seen: string[] = [];
  const reading = (async () => {
    for await (const l of splitLines(followFile(path, { signal: stop.signal, pollMs: 10 }))) seen.push(l.line ?? '');
  })();
  await until(() => seen.length === 2, 'the first lines');
  writeFileSync(path, '[1,0]\n'); // truncated below the position read, then written
  await until(() => seen.length === 3, 'the line written after truncation');
  appendFileSync(path, '[1,1]\n');
  await until(() => seen.length === 4, 'a line appended after truncation');
  renameSync(path, path + '.1');
  appendFileSync(path + '.1', '[2,0]\n'); // still written to the old file before the writer reopens
  writeFileSync(path, '[2,1]\n[2,2]\n'); // longer than nothing: only the inode says it is new
  await until(() => seen.length === 7, 'the lines of the rotated and the new file');
  renameSync(path, path + '.2'); // gone for a while…
  await new Promise((r) => setTimeout(r, 50));
  writeFileSync(path, '[3,0]\n'); // …and back
  await until(() => seen.length === 8, 'the line of the file that came back');
  stop.abort();
  await reading;
  t.deepEqual(seen, ['[0,0]', '[0,1]', '[1,0]', '[1,1]', '[2,0]', '[2,1]', '[2,2]', '[3,0]']);
});
