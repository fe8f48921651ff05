import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { parseWith } from '../schemas/parseWith.js';
import { assertSnapshotFits, SNAPSHOT_LIMITS } from '../schemas/snapshot.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { checkRunFolder, runFolderOf } from '../sinks/runFolder.js';
import { acquireRunLock } from '../sinks/runLock.js';
import { snapshotSink } from '../sinks/snapshotSink.js';
import { readSnapshot } from '../sources/readSnapshot.js';
import { binaryData } from './helpers.js';

const bin = fileURLToPath(new URL('../cli/boltzflow.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'boltzflow-runfolder-'));
/** 60 records of 16 units (four repeating stripes), as NDJSON: 6 minibatches of 10 per epoch. */
const data = join(dir, 'stripes.ndjson');
writeFileSync(
  data,
  Array.from({ length: 60 }, (_, i) => JSON.stringify(Array.from({ length: 16 }, (_, j) => ((i + j) % 4 === 0 ? 1 : 0)))).join('\n') + '\n',
);
const base = ['train', '--data', data, '--hidden', '4', '--batch', '10', '--sample-steps', '0'];

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function cliAsync(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8'); // chunks are decoded as a stream: a character split between two chunks stays whole
  child.stderr.on('data', (c: string) => (stderr += c));
  return new Promise((r) => child.on('close', (code) => r({ code, stderr })));
}
/** A finished run of `epochs` epochs (6 steps each) in a fresh folder. */
function run(name: string, epochs: number, ...more: string[]): string {
  const out = join(dir, name);
  const r = cli(...base, '--epochs', String(epochs), '--out', out, ...more);
  if (r.code !== 0) throw new Error(r.stderr);
  return out;
}
const files = (folder: string) => (existsSync(folder) ? readdirSync(folder).sort() : []);
const metricSteps = (out: string) =>
  readFileSync(join(out, 'metrics.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).step as number);
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;

test("two runs on one --out: the second is refused naming the first one's pid and touches nothing; the first run's files are its own", async (t) => {
  const out = join(dir, 'shared');
  // Its output goes to files: the other tests' spawnSync calls block this thread, and a full pipe would end the run (EAGAIN).
  const [stdoutFile, stderrFile] = [join(dir, 'first.out'), join(dir, 'first.err')];
  const first = spawn(process.execPath, [bin, ...base, '--epochs', '100000', '--snapshot-every', '50', '--out', out, '--json'], {
    stdio: ['ignore', openSync(stdoutFile, 'w'), openSync(stderrFile, 'w')],
  });
  const exited = new Promise<number | null>((r) => first.on('exit', r));
  while (!existsSync(join(out, 'snapshot.msgpack'))) await new Promise((r) => setTimeout(r, 20));
  for (const extra of [[], ['--overwrite'], ['--resume', join(out, 'snapshot.msgpack')]]) {
    const second = await cliAsync(...(extra[0] === '--resume' ? ['train'] : base), '--epochs', '100001', '--out', out, ...extra);
    t.is(second.code, 2, second.stderr);
    t.regex(
      second.stderr,
      new RegExp(
        `^boltzflow: --out: got ".*shared", expected a folder no other run is using \\(pid ${first.pid} holds .*shared/lock since [^\\n]*\\n$`,
      ),
    );
  }
  first.kill('SIGINT');
  t.is(await exited, 0, readFileSync(stderrFile, 'utf8'));
  const summary = JSON.parse(readFileSync(stdoutFile, 'utf8').trim().split('\n').at(-1)!);
  t.true(summary.interrupted);
  t.is((await readSnapshot(join(out, 'snapshot.msgpack'))).counters.step, summary.steps, "the pointer is on the first run's last step");
  t.deepEqual(
    metricSteps(out),
    Array.from({ length: summary.steps }, (_, i) => i + 1),
    'metrics of one run only',
  );
  t.deepEqual(
    files(out),
    ['curves.png', 'filters.png', 'metrics.ndjson', 'run.json', 'snapshot.msgpack', 'snapshots'],
    'the lock is released at exit; no temp file of the refused runs',
  );
});

test('a stale lock (its process is gone) is taken over with one line on stderr, and released at exit', (t) => {
  const out = join(dir, 'stale');
  mkdirSync(out);
  const pid = deadPid();
  writeFileSync(join(out, 'lock'), JSON.stringify({ pid, host: hostname(), startedAt: '2020-01-01T00:00:00.000Z' }));
  const r = cli(...base, '--epochs', '1', '--out', out);
  t.is(r.code, 0, r.stderr);
  t.regex(
    r.stderr,
    new RegExp(`^boltzflow: taking over .*stale/lock: pid ${pid} \\(started 2020-01-01T00:00:00.000Z\\) is no longer running$`, 'm'),
  );
  t.false(existsSync(join(out, 'lock')));
});

test('acquireRunLock: one holder per folder in a process too; a lock naming this pid that this process did not take is stale (a restarted container)', (t) => {
  const out = join(dir, 'in-process');
  mkdirSync(out);
  const lock = acquireRunLock(out);
  t.throws(() => acquireRunLock(out), {
    instanceOf: BoltzflowError,
    message: new RegExp(`expected a folder no other run is using \\(pid ${process.pid} holds`),
  });
  lock.release();
  writeFileSync(join(out, 'lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'earlier' }));
  const lines: string[] = [];
  const again = acquireRunLock(out, { onTakeover: (l) => lines.push(l) });
  t.is(lines.length, 1);
  t.is(JSON.parse(readFileSync(again.path, 'utf8')).startedAt === 'earlier', false);
  again.release();
  t.false(existsSync(again.path));
  writeFileSync(join(out, 'lock'), JSON.stringify({ pid: deadPid(), host: 'elsewhere', startedAt: 'x' }));
  t.throws(() => acquireRunLock(out), {
    message: /on host elsewhere holds .*; wait for that run to end, or use another --out, or remove .*lock if no run uses the folder\)$/,
  });
});

test('a folder holding a run is refused without --resume; --overwrite deletes the earlier run and starts afresh', (t) => {
  const out = run('reused', 2, '--log', 'metrics');
  t.deepEqual(files(join(out, 'snapshots')), ['step-000000006.msgpack', 'step-000000012.msgpack']);
  const before = readFileSync(join(out, 'metrics.ndjson'));
  const refused = cli(...base, '--epochs', '1', '--out', out);
  t.is(refused.code, 2);
  t.regex(
    refused.stderr,
    /^boltzflow: --out: got ".*reused", expected a folder without a run \(it holds snapshot.msgpack, snapshots, metrics.ndjson, log.msgpack of an earlier run\): pass --resume .*reused\/snapshot.msgpack to continue it, or --overwrite to delete it and start afresh\n$/,
  );
  t.true(readFileSync(join(out, 'metrics.ndjson')).equals(before), 'nothing of the earlier run touched');
  t.deepEqual(files(join(out, 'snapshots')), ['step-000000006.msgpack', 'step-000000012.msgpack']);
  const fresh = cli(...base, '--epochs', '1', '--out', out, '--overwrite');
  t.is(fresh.code, 0, fresh.stderr);
  t.deepEqual(
    files(out),
    ['curves.png', 'filters.png', 'metrics.ndjson', 'run.json', 'snapshot.msgpack', 'snapshots'],
    'the old log is gone',
  );
  t.deepEqual(files(join(out, 'snapshots')), ['step-000000006.msgpack'], 'no snapshot of the earlier run left');
  t.deepEqual(metricSteps(out), [1, 2, 3, 4, 5, 6], 'metrics of the new run only');
});

test("resuming snapshots/step-N continues in that run's folder; an older one, with newer snapshots beside it, is refused", async (t) => {
  const out = run('resume-step', 2);
  t.is(runFolderOf(join(out, 'snapshots', 'step-000000012.msgpack')), out);
  t.is(runFolderOf(join(out, 'snapshot.msgpack')), out);
  const older = cli('train', '--resume', join(out, 'snapshots', 'step-000000006.msgpack'), '--epochs', '3');
  t.is(older.code, 2);
  t.regex(
    older.stderr,
    /^boltzflow: --resume: got ".*step-000000006.msgpack", expected the run's latest snapshot \(.*step-000000012.msgpack is newer, .*pass --out NEWDIR to continue step 6 there/,
  );
  const r = cli('train', '--resume', join(out, 'snapshots', 'step-000000012.msgpack'), '--epochs', '3', '--json');
  t.is(r.code, 0, r.stderr);
  t.is(JSON.parse(r.stdout.trim().split('\n').at(-1)!).snapshot, join(out, 'snapshot.msgpack'));
  t.false(existsSync(join(out, 'snapshots', 'snapshots')), 'no run nested in snapshots/');
  t.deepEqual(files(join(out, 'snapshots')), ['step-000000006.msgpack', 'step-000000012.msgpack', 'step-000000018.msgpack']);
  t.is((await readSnapshot(join(out, 'snapshot.msgpack'))).counters.step, 18);
  t.deepEqual(
    metricSteps(out),
    Array.from({ length: 18 }, (_, i) => i + 1),
  );
  // Another run's folder as --out of a resume is refused too.
  const other = run('other', 1);
  t.regex(
    cli('train', '--resume', join(out, 'snapshot.msgpack'), '--epochs', '4', '--out', other).stderr,
    /^boltzflow: --out: got ".*other", expected a folder without a run, or the resumed run's own folder/,
  );
});

test('--resume with --epochs fewer than or equal to those done is refused, writing nothing', (t) => {
  const out = run('epochs', 2);
  const listing = files(join(out, 'snapshots'));
  const metrics = readFileSync(join(out, 'metrics.ndjson'));
  const fewer = cli('train', '--resume', join(out, 'snapshot.msgpack'), '--epochs', '1');
  t.is(fewer.code, 2);
  t.regex(
    fewer.stderr,
    /^boltzflow: --epochs: got 1, expected more than 2: .*snapshot.msgpack already has 2 epoch\(s\) done; pass --epochs 3 or more to train on\n$/,
  );
  const same = cli('train', '--resume', join(out, 'snapshot.msgpack'));
  t.is(same.code, 2);
  t.regex(
    same.stderr,
    /^boltzflow: --epochs: got 2, expected more than 2 \(no --epochs given: the resumed run's own count\): .* already has 2 epoch\(s\) done, so there is nothing left to train; pass --epochs 3 or more/,
  );
  t.deepEqual(files(join(out, 'snapshots')), listing);
  t.true(readFileSync(join(out, 'metrics.ndjson')).equals(metrics));
});

test('a pointer link left by a failed swap is removed when a run starts, and a swap that fails removes its link', async (t) => {
  const out = run('tmp-link', 1);
  symlinkSync(join('snapshots', 'step-000000006.msgpack'), join(out, 'snapshot.msgpack.4242.tmp'));
  const r = cli('train', '--resume', join(out, 'snapshot.msgpack'), '--epochs', '2', '--sample-steps', '0');
  t.is(r.code, 0, r.stderr);
  t.deepEqual(files(out), ['curves.png', 'filters.png', 'metrics.ndjson', 'run.json', 'snapshot.msgpack', 'snapshots']);
  t.is(readlinkSync(join(out, 'snapshot.msgpack')), join('snapshots', 'step-000000012.msgpack'));
  // The swap fails: the pointer's place is taken by a folder.
  const blocked = join(dir, 'blocked');
  mkdirSync(join(blocked, 'snapshot.msgpack', 'x'), { recursive: true });
  const config = parseWith(trainConfigSchema, { nHidden: 3, batchSize: 10, seed: 3 });
  const info = { name: 'unit', rows: 20, imageShape: null, binarize: 'none' as const };
  await t.throwsAsync(
    lastValueFrom(trainRbm({ data: binaryData(20, 5, 1), config }).pipe(snapshotSink({ dir: blocked, config, data: info }))),
    {
      instanceOf: BoltzflowError,
      message: /^snapshot: got ".*step-0+2.msgpack", expected a writable file \(EISDIR/,
    },
  );
  t.deepEqual(files(blocked), ['snapshot.msgpack', 'snapshots'], 'no .tmp link left');
});

test("write only what can be read: a model past the reader's limits is refused before training; the sink never writes a snapshot past them", async (t) => {
  const wide = join(dir, 'wide.ndjson');
  writeFileSync(wide, `[${new Array(SNAPSHOT_LIMITS.maxVisible + 1).fill(0).join(',')}]\n`);
  const r = cli('train', '--data', wide, '--hidden', '2', '--batch', '1', '--out', join(dir, 'wide-run'));
  t.is(r.code, 2);
  t.regex(
    r.stderr,
    /^boltzflow: nVisible: got 1000001, expected at most 1000000 visible units \(values per record\), so that its snapshots can be read back\n$/,
  );
  t.false(existsSync(join(dir, 'wide-run')), 'no folder left behind');
  // 2,000 × 100,000 weights: about 1.6 GB of snapshot, refused from the config alone (nothing is allocated).
  const big = join(dir, 'big.ndjson');
  writeFileSync(big, `[${new Array(2000).fill(0).join(',')}]\n`.repeat(2));
  const b = cli('train', '--data', big, '--hidden', '100000', '--batch', '2', '--method', 'cd', '--out', join(dir, 'big-run'));
  t.is(b.code, 2);
  t.regex(
    b.stderr,
    /^boltzflow: model: got "rbm 2000→100000, whose snapshot needs about \d+ bytes", expected a snapshot of at most 1073741824 bytes \(the reader's limit\)/,
  );
  t.throws(() => assertSnapshotFits({ nVisible: 784, nHidden: 500, chains: 100 }, { ...SNAPSHOT_LIMITS, maxBytes: 3_000_000 }), {
    message: /needs about 3\d{6} bytes/,
  });
  t.notThrows(() => assertSnapshotFits({ nVisible: 784, nHidden: 500, chains: 100 }));
  // The sink checks the encoded bytes against the same limits: one snapshot fits, a bigger model's does not.
  const config = parseWith(trainConfigSchema, { nHidden: 3, batchSize: 10, seed: 3 });
  const info = { name: 'unit', rows: 20, imageShape: null, binarize: 'none' as const };
  const small = join(dir, 'small-limit');
  await lastValueFrom(
    trainRbm({ data: binaryData(20, 5, 1), config }).pipe(
      snapshotSink({ dir: small, config, data: info, limits: { ...SNAPSHOT_LIMITS, maxBytes: 2000 } }),
    ),
  );
  t.deepEqual(files(join(small, 'snapshots')), ['step-000000002.msgpack']);
  const config2 = parseWith(trainConfigSchema, { nHidden: 30, batchSize: 10, seed: 3 });
  await t.throwsAsync(
    lastValueFrom(
      trainRbm({ data: binaryData(20, 5, 1), config: config2 }).pipe(
        snapshotSink({ dir: small, config: config2, data: info, limits: { ...SNAPSHOT_LIMITS, maxBytes: 2000 } }),
      ),
    ),
    {
      instanceOf: BoltzflowError,
      message:
        /^snapshot: got "\d+ bytes at step 2", expected at most 2000 bytes, the reader's limit \(nothing written to .*; the earlier snapshots are intact\)$/,
    },
  );
  t.deepEqual(files(join(small, 'snapshots')), ['step-000000002.msgpack'], 'nothing written');
  t.is((await readSnapshot(join(small, 'snapshot.msgpack'))).nHidden, 3);
});

test('checkRunFolder: checks write nothing; the earlier run is deleted only when the returned function is called', (t) => {
  const out = join(dir, 'check');
  mkdirSync(out);
  writeFileSync(join(out, 'metrics.ndjson'), '{}\n');
  writeFileSync(join(out, 'notes.txt'), 'mine');
  const clear = checkRunFolder(out, { overwrite: true });
  t.deepEqual(files(out), ['metrics.ndjson', 'notes.txt']);
  clear();
  t.deepEqual(files(out), ['notes.txt'], "only the run's files are deleted");
});

test('checkRunFolder: an empty metrics file (a run stopped before its first step) is no run, and a fresh run may start there; a non-empty one is', (t) => {
  const out = join(dir, 'empty-metrics');
  mkdirSync(out);
  writeFileSync(join(out, 'metrics.ndjson'), '');
  t.notThrows(() => checkRunFolder(out));
  writeFileSync(join(out, 'metrics.ndjson'), '{"step":1}\n');
  t.throws(() => checkRunFolder(out), { message: /holds metrics.ndjson of an earlier run/ });
});
