import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../kernels/Rng.js';
import { readSnapshot } from '../sources/readSnapshot.js';

const bin = fileURLToPath(new URL('../cli/boltzflow.js', import.meta.url));

test('SIGKILL at random moments, snapshots written every step: the latest snapshot always loads, and resuming from it finishes the run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boltzflow-crash-'));
  const rng = Rng.fromSeed(99);
  // 200 rows of 784 values: each snapshot is about 0.7 MB, so kills often land inside a write.
  const csv = join(dir, 'data.csv');
  writeFileSync(
    csv,
    Array.from({ length: 200 }, () => Array.from({ length: 784 }, () => (rng.uniform() < 0.2 ? 1 : 0)).join(',')).join('\n'),
  );
  const out = join(dir, 'run');
  const args = ['--keep', '2', '--sample-steps', '0', '--json'];
  let cycles = 0,
    lastStep = 0,
    loaded = 0,
    midWrite = 0;
  for (let i = 0; i < 12; i++) {
    // Until a first snapshot exists (a slow start can be killed before it), start afresh, replacing what a killed start left.
    const resume = existsSync(join(out, 'snapshot.msgpack'))
      ? ['--resume', join(out, 'snapshot.msgpack')]
      : ['--data', csv, '--hidden', '100', '--batch', '10', '--epochs', '400', '--snapshot-every', '1', '--out', out, '--overwrite'];
    const child = spawn(process.execPath, [bin, 'train', ...resume, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    // The random moment is counted from the run's first step, not from the process's start: on a loaded
    // machine starting node can take longer than the whole window, and a kill before any step tests nothing.
    const stepped = new Promise<void>((r) => child.stdout.on('data', (c: Buffer) => c.includes('"event":"step"') && r()));
    await Promise.race([stepped, exited, new Promise((r) => setTimeout(r, 30_000))]);
    await new Promise((r) => setTimeout(r, 100 + rng.int(900)));
    child.kill('SIGKILL');
    const code = await exited;
    t.is(code, null, `killed, not exited by itself: ${stderr}`);
    cycles++;
    const names = existsSync(out) ? readdirSync(out) : [];
    if (names.includes('snapshots') && readdirSync(join(out, 'snapshots')).some((f) => f.endsWith('.tmp'))) midWrite++;
    if (!names.includes('snapshot.msgpack')) continue; // killed before the first snapshot
    const snap = await readSnapshot(join(out, 'snapshot.msgpack')); // throws if the pointer were on a partial file
    loaded++;
    t.true(snap.counters.step >= lastStep, `cycle ${cycles}: step ${snap.counters.step} after ${lastStep}: progress is never lost`);
    lastStep = snap.counters.step;
  }
  t.log(
    `${cycles} SIGKILL cycles, ${midWrite} of them in the middle of a snapshot write (a partial temp file left); the latest snapshot loaded after ${loaded}; reached step ${lastStep} of 8000`,
  );
  t.true(loaded >= cycles - 2, 'snapshots were being written');
  t.true(lastStep > 0);
  // Finally let the resumed run finish: it ends at the configured length.
  const done = spawnSync(
    process.execPath,
    [
      bin,
      'train',
      '--resume',
      join(out, 'snapshot.msgpack'),
      '--epochs',
      String(Math.ceil(lastStep / 20) + 2),
      '--sample-steps',
      '0',
      '--json',
    ],
    { encoding: 'utf8' },
  );
  t.is(done.status, 0, done.stderr);
  t.is((await readSnapshot(join(out, 'snapshot.msgpack'))).counters.step, (Math.ceil(lastStep / 20) + 2) * 20);
  t.deepEqual(
    readdirSync(join(out, 'snapshots')).filter((f) => f.endsWith('.tmp')),
    [],
    'stale partial files are cleaned up when a run starts',
  );
});

// A disk that fills up: a 256 KiB tmpfs. Mounting needs root; where it is refused the test is not
// registered (CI runs as root, so it runs there).
const tiny = join(mkdtempSync(join(tmpdir(), 'boltzflow-full-')), 'disk');
mkdirSync(tiny);
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', tiny]).status === 0;
(mounted ? test : null)?.(
  'disk full while saving: a clear error naming the file and ENOSPC, exit status 2, and the latest snapshot on disk still loads',
  async (t) => {
    try {
      const rng = Rng.fromSeed(5);
      const csv = join(tmpdir(), `boltzflow-full-${process.pid}.csv`);
      writeFileSync(csv, Array.from({ length: 100 }, () => Array.from({ length: 16 }, () => rng.int(2)).join(',')).join('\n'));
      const out = join(tiny, 'run');
      // 16×800 weights: each snapshot is about 110 KB, so the second or third write finds the disk full.
      const r = spawnSync(
        process.execPath,
        [
          bin,
          'train',
          '--data',
          csv,
          '--hidden',
          '800',
          '--batch',
          '10',
          '--epochs',
          '50',
          '--snapshot-every',
          '5',
          '--keep',
          '5',
          '--sample-steps',
          '0',
          '--out',
          out,
        ],
        { encoding: 'utf8' },
      );
      t.is(r.status, 2, r.stderr);
      t.regex(r.stderr, /^boltzflow: (snapshot|metrics): got ".*", expected a writable file \(ENOSPC: no space left on device/m);
      t.false(/\n\s+at /.test(r.stderr), 'no stack trace');
      const snap = await readSnapshot(join(out, 'snapshot.msgpack'));
      t.true(snap.counters.step >= 5, `the last good snapshot (step ${snap.counters.step}) loads`);
      t.log(`stopped with: ${r.stderr.trim().split('\n').at(-1)}; snapshot.msgpack → step ${snap.counters.step}`);
    } finally {
      spawnSync('umount', [tiny]);
    }
  },
);
