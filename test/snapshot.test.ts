import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatMap, last, lastValueFrom, map, tap, timer } from 'rxjs';
import { Packr } from 'msgpackr';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { guardDivergence } from '../operators/guardDivergence.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { parseWith } from '../schemas/parseWith.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../schemas/snapshot.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { snapshotSink } from '../sinks/snapshotSink.js';
import { readSnapshot } from '../sources/readSnapshot.js';
import { binaryData, bytesOf } from './helpers.js';

const data = binaryData(40, 9, 1);
const config = parseWith(trainConfigSchema, { nHidden: 4, method: 'pcd', batchSize: 10, epochs: 2, seed: 2, snapshotEvery: 3 });
const info = { name: 'unit', rows: 40, imageShape: [3, 3] as [number, number], binarize: 'none' as const };

async function trainInto(dir: string): Promise<{ writes: number[]; final: Awaited<ReturnType<typeof lastRun>> }> {
  const writes: number[] = [];
  const final = await lastRun(dir, writes);
  return { writes, final };
}
function lastRun(dir: string, writes: number[]) {
  return lastValueFrom(
    trainRbm({ data, config }).pipe(snapshotSink({ dir, config, data: info, every: 3, onWrite: (_, s) => writes.push(s) }), last()),
  );
}

test('snapshotSink writes every N steps and at epoch ends, atomically (no temp file left), keeps the last 3, with the full state', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boltzflow-snap-'));
  const { writes, final } = await trainInto(dir);
  t.deepEqual(writes, [3, 4, 6, 8]);
  t.deepEqual(readdirSync(dir).sort(), ['snapshot.msgpack', 'snapshots']);
  t.deepEqual(readdirSync(join(dir, 'snapshots')), ['step-000000004.msgpack', 'step-000000006.msgpack', 'step-000000008.msgpack']);
  t.is(readlinkSync(join(dir, 'snapshot.msgpack')), join('snapshots', 'step-000000008.msgpack'), 'the latest pointer is a relative link');
  const snap = await readSnapshot(join(dir, 'snapshot.msgpack'));
  t.is(snap.counters.step, 8);
  t.deepEqual(snap.counters, { step: 8, epoch: 2, index: 0 });
  t.true(bytesOf(snap.params.weights).equals(bytesOf(final.model.params.weights.data)));
  t.true(bytesOf(snap.velocity!.weights).equals(bytesOf(final.velocity.weights.data)));
  t.is(snap.chains!.rows, 10);
  t.deepEqual(snap.rng, Array.from(final.model.rng.state()));
  t.deepEqual(snap.config, config);
});

test('a failed snapshot write errors the stream naming the path, and the previous snapshot stays intact', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boltzflow-snap-'));
  await trainInto(dir);
  const before = readFileSync(join(dir, 'snapshot.msgpack'));
  const blocked = join(dir, 'not-a-folder');
  writeFileSync(blocked, 'x');
  await t.throwsAsync(lastValueFrom(trainRbm({ data, config }).pipe(snapshotSink({ dir: join(blocked, 'run'), config, data: info }))), {
    instanceOf: BoltzflowError,
    message: /^snapshot: got ".*not-a-folder\/run\/snapshots\/step-0+4.msgpack", expected a writable file/,
  });
  t.true(readFileSync(join(dir, 'snapshot.msgpack')).equals(before));
});

test('snapshotSink every T seconds and keep K: one file per write until K, the pointer always on the newest complete one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boltzflow-snap-'));
  const seen: number[] = [];
  // 8 steps, 4 per epoch, a slow consumer (20 ms a step) and everySeconds 0.05: writes at the epoch ends and about every third step.
  await lastValueFrom(
    trainRbm({ data, config }).pipe(
      concatMap((e) => timer(20).pipe(map(() => e))),
      snapshotSink({ dir, config, data: info, everySeconds: 0.05, keep: 2, onWrite: (_, step) => seen.push(step) }),
    ),
  );
  t.true(
    seen.some((s) => s % 4 !== 0),
    `a write by time, between epoch ends: steps ${seen.join(', ')}`,
  );
  t.deepEqual(
    seen,
    [...seen].sort((a, b) => a - b),
  );
  const files = readdirSync(join(dir, 'snapshots'));
  t.is(files.length, 2);
  t.is((await readSnapshot(join(dir, 'snapshot.msgpack'))).counters.step, seen.at(-1)!);
  t.is(readlinkSync(join(dir, 'snapshot.msgpack')), join('snapshots', files[1]));
});

test('snapshots are validated fully: format, version, truncation, shapes, non-finite values, unknown keys', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boltzflow-snap-'));
  await trainInto(dir);
  const bytes = readFileSync(join(dir, 'snapshot.msgpack'));
  const good = decodeSnapshot(bytes, 's');
  const packr = new Packr({ moreTypes: true, useRecords: false });
  const mutate = (f: (s: Record<string, unknown>) => void) => {
    const s = structuredClone(good) as unknown as Record<string, unknown>;
    f(s);
    return packr.pack(s);
  };
  const bad: Array<[string, Uint8Array, RegExp]> = [
    ['truncated', bytes.subarray(0, bytes.length >> 1), /s: got ".* bytes that are not valid msgpack", expected a boltzflow snapshot/],
    ['format', mutate((s) => (s.format = 'something-else')), /s format: got "something-else", expected "boltzflow-snapshot"/],
    ['version', mutate((s) => (s.version = 99)), /s version: got 99, expected 1/],
    [
      'shape',
      mutate((s) => ((s.params as Snapshot['params']).weights = new Float32Array(5))),
      /s params.weights: got Float32Array\(5\), expected length 36/,
    ],
    ['NaN', mutate((s) => ((s.params as Snapshot['params']).hiddenBias[1] = NaN)), /s params.hiddenBias: .* expected finite values only/],
    [
      'type',
      mutate((s) => ((s.params as Record<string, unknown>).visibleBias = [1, 2])),
      /s params.visibleBias: got an array of length 2, expected a Float32Array/,
    ],
    ['key', mutate((s) => (s.extra = 1)), /s extra: got 1, expected no such field/],
    ['rng', mutate((s) => (s.rng = [0, 0, 0, 0])), /s rng: .*expected not all zero/],
    [
      'chains.hidden',
      mutate((s) => ((s.chains as { hidden?: Float32Array }).hidden = new Float32Array(3))),
      /s chains.hidden: got Float32Array\(3\), expected length 40/,
    ],
    ['not msgpack map', packr.pack('hello'), /s format: got nothing/],
  ];
  for (const [name, b, message] of bad) t.throws(() => decodeSnapshot(b, 's'), { instanceOf: BoltzflowError, message }, name);
  t.notThrows(() => decodeSnapshot(encodeSnapshot(good), 's'));
  t.false(existsSync(join(dir, 'snapshot.msgpack.tmp')));
});

test('a hostile __proto__ key in a snapshot neither pollutes prototypes nor passes validation', (t) => {
  const packr = new Packr({ moreTypes: true, useRecords: false });
  const hostile = packr.pack(JSON.parse('{"format":"boltzflow-snapshot","version":1,"__proto__":{"polluted":true}}'));
  t.throws(() => decodeSnapshot(hostile, 'h'), { instanceOf: BoltzflowError });
  t.is(({} as Record<string, unknown>).polluted, undefined);
});

test('divergence: the guard stops the run with advice before the diverged step is saved; the last snapshot on disk is the last good one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boltzflow-diverge-'));
  const hot = parseWith(trainConfigSchema, { ...config, learningRate: 100, momentum: 0.9, epochs: 5 });
  const norms: number[] = [];
  const limit = 60;
  await t.throwsAsync(
    lastValueFrom(
      trainRbm({ data, config: hot }).pipe(
        tap((e) => norms.push(e.metrics.weightNorm)),
        guardDivergence({ maxWeightNorm: limit, learningRate: 100 }),
        snapshotSink({ dir, config: hot, data: info, every: 1 }),
      ),
    ),
    {
      instanceOf: BoltzflowError,
      message:
        /^training: got "weight norm .* at step \d+", expected finite metrics and a weight norm ≤ 6e\+1 \(training diverged\)\nLikely cause: the learning rate \(100\) is too high/,
    },
  );
  const tripped = norms.findIndex((n) => n > limit) + 1; // the step that diverged
  t.true(tripped > 1, `tripped at step ${tripped}`);
  const snap = await readSnapshot(join(dir, 'snapshot.msgpack'));
  t.is(snap.counters.step, tripped - 1, 'the last snapshot is the step before');
  t.true(Math.hypot(...snap.params.weights) <= limit);
});
