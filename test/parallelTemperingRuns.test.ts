import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { last, lastValueFrom, of, tap } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { createBm } from '../models/bm.js';
import { clampVisible } from '../operators/clampVisible.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import type { StepEvent } from '../operators/phases.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { parseWith } from '../schemas/parseWith.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../schemas/snapshot.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { toSnapshot } from '../sinks/stateSnapshot.js';
import { readSnapshot } from '../sources/readSnapshot.js';
import { bin } from './cliRun.js';
import { binaryData, bytesOf } from './helpers.js';

const data = binaryData(90, 12, 7);
const config = parseWith(trainConfigSchema, {
  nHidden: 5,
  method: 'pt',
  replicas: 3,
  k: 3, // rounds after step 7 odd (21), after step 10 even (30)
  learningRate: 0.05,
  momentum: 0.7,
  batchSize: 20,
  epochs: 3,
  seed: 11,
});
const info = { name: 'test', rows: 90, imageShape: null, binarize: 'none' } as const;

for (const at of [7, 10])
  test(`PT: resuming from the snapshot after step ${at} gives the straight run's bytes (parameters, velocity, every replica, swap rounds, generator)`, async (t) => {
    let saved: Snapshot | null = null;
    const straight = await lastValueFrom(
      trainRbm({ data, config }).pipe(
        tap((e: StepEvent) => {
          if (e.step === at) saved = decodeSnapshot(encodeSnapshot(toSnapshot(e, config, info)), 'test');
        }),
        last(),
      ),
    );
    const snap = saved as Snapshot | null;
    if (!snap?.chains?.tempered) return t.fail('no snapshot with tempered chains taken');
    t.deepEqual(Array.from(snap.chains.tempered.betas), [1, 0.5, 0]);
    t.is(snap.chains.tempered.states.length, 2 * 20 * 12);
    t.is(snap.chains.tempered.rounds, at * config.k);
    const resumed = await lastValueFrom(trainRbm({ data, resume: snap }).pipe(last()));
    t.is(resumed.step, straight.step);
    t.true(bytesOf(resumed.params.weights.data).equals(bytesOf(straight.params.weights.data)));
    t.true(bytesOf(resumed.velocity.weights.data).equals(bytesOf(straight.velocity.weights.data)));
    const [a, b] = [resumed.state.chains!, straight.state.chains!];
    t.true(bytesOf(a.visible.data).equals(bytesOf(b.visible.data)));
    t.true(bytesOf(a.tempered!.visible.data).equals(bytesOf(b.tempered!.visible.data)));
    t.is(a.tempered!.rounds, b.tempered!.rounds);
    t.deepEqual(resumed.model.rng.state(), straight.model.rng.state());
  });

test('snapshots of tempered chains are checked: replica states of the wrong length, temperatures that do not fall from 1', async (t) => {
  const e = await lastValueFrom(trainRbm({ data, config: { ...config, epochs: 1 } }).pipe(last()));
  const good = toSnapshot(e, config, info);
  const tempered = good.chains!.tempered!;
  const withTempered = (tm: object) => encodeSnapshot({ ...good, chains: { ...good.chains!, tempered: { ...tempered, ...tm } } });
  t.notThrows(() => decodeSnapshot(encodeSnapshot(good), 's'));
  t.throws(() => decodeSnapshot(withTempered({ states: new Float32Array(7) }), 's'), {
    instanceOf: BoltzflowError,
    message: /s chains.tempered.states: got Float32Array\(7\), expected length 480/,
  });
  t.throws(() => decodeSnapshot(withTempered({ betas: Float32Array.of(1, 0, 0.5) }), 's'), {
    message: /s chains.tempered.betas: .*expected values falling from 1 to ≥ 0/,
  });
  t.throws(() => decodeSnapshot(withTempered({ betas: Float32Array.of(1) }), 's'), {
    message: /chains.tempered.betas: .*length 2 to 1000/,
  });
});

test('tempered chains refuse what they cannot honour, naming the field: other options with them, their options without them, a general BM', async (t) => {
  const refused: Array<[object, RegExp]> = [
    [{ chains: 'tempered', keepHidden: true }, /keepHidden: got true, expected false with chains "tempered"/],
    [{ chains: 'tempered', temperature: 2 }, /temperature: got 2, expected 1 with chains "tempered"/],
    [{ chains: 'persistent', replicas: 4 }, /replicas: got 4, expected absent unless chains is "tempered"/],
    [{ chains: 'tempered', replicas: 1 }, /replicas: got 1/],
  ];
  for (const [options, message] of refused) t.throws(() => gibbsStep(options), { instanceOf: BoltzflowError, message });
  t.throws(() => parseWith(trainConfigSchema, { method: 'pt', keepHidden: true }), {
    message: /keepHidden: got true, expected false with method "pt"/,
  });
  const bm = createBm({ nVisible: 2, nHidden: 1, seed: 1 });
  await t.throwsAsync(lastValueFrom(of(Matrix.from([[1, 0]])).pipe(clampVisible(bm), gibbsStep({ chains: 'tempered' }))), {
    message: /gibbsStep chains: got "tempered", expected data, persistent or random for a general BM/,
  });
});

test('boltzflow train --method pt --replicas 3 trains with tempered chains (the banner says so, the snapshot holds them); --replicas without pt is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boltzflow-pt-'));
  const csv = join(dir, 'data.csv');
  writeFileSync(csv, Array.from({ length: 30 }, (_, r) => Array.from({ length: 12 }, (_, i) => data.get(r, i)).join(',')).join('\n'));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, 'train', '--data', csv, '--hidden', '4', '--batch', '10', ...args], { encoding: 'utf8' });
  const r = run('--method', 'pt', '--replicas', '3', '--epochs', '2', '--sample-steps', '0', '--out', join(dir, 'pt'));
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /RBM 12→4 · PT-2 \(3 replicas, β 1 → 0 linearly spaced\)/);
  const snap = await readSnapshot(join(dir, 'pt', 'snapshot.msgpack'));
  t.is(snap.config.method, 'pt');
  t.deepEqual(Array.from(snap.chains!.tempered!.betas), [1, 0.5, 0]);
  const bad = run('--method', 'pcd', '--replicas', '3', '--out', join(dir, 'pcd'));
  t.is(bad.status, 2);
  t.regex(bad.stderr, /^boltzflow: --replicas: got 3, expected to be used with --method pt/);
});
