import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../kernels/Rng.js';
import { decodeModelSnapshot, type ModelSnapshot } from '../schemas/modelSnapshot.js';
import { runCli } from './cliRun.js';
import { Matrix } from '../kernels/Matrix.js';
import { dbmAsRbm, meanFieldLowerBound } from '../models/dbmBound.js';
import { exactRbmLogPartition } from '../models/exactRbm.js';
import { mean } from '../models/logProbability.js';
import { dbmSnapshotState } from '../sources/restoreState.js';
import { last, lastValueFrom } from 'rxjs';
import { pretrainDbm } from '../pipelines/pretrainDbm.js';
import { trainDbm } from '../pipelines/trainDbm.js';

const dir = mkdtempSync(join(tmpdir(), 'boltzflow-deep-'));
const data = join(dir, 'bars.csv');
const grey = join(dir, 'grey.csv');
{
  const rng = Rng.fromSeed(4);
  const rows = Array.from({ length: 60 }, () =>
    Array.from({ length: 16 }, (_, j) => (rng.uniform() < (j % 4 === 0 ? 0.8 : 0.2) ? 1 : 0)).join(','),
  );
  writeFileSync(data, rows.join('\n') + '\n');
  // Intensities in (0, 1), for runs that binarise stochastically with their own seed.
  writeFileSync(
    grey,
    Array.from({ length: 60 }, () => Array.from({ length: 16 }, () => (0.1 + 0.8 * rng.uniform()).toFixed(2)).join(',')).join('\n') + '\n',
  );
}

/** The CSV's rows as a matrix. */
function loadRows(): Matrix {
  return Matrix.from(
    readFileSync(data, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number)),
  );
}

async function train(args: string[], on = data): Promise<Record<string, unknown>> {
  const run = runCli(['train', '--data', on, '--json', ...args]);
  const { code, stderr } = await run.exited;
  if (code !== 0) throw new Error(`exit ${code}: ${stderr}`);
  return run.events[run.events.length - 1];
}

const read = (path: string): ModelSnapshot => decodeModelSnapshot(readFileSync(path), path);
/** A run folder's pretraining.ndjson, parsed. */
const pretrainingLines = (out: string): Record<string, unknown>[] =>
  readFileSync(join(out, 'pretraining.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
/** Every float array of a snapshot, in order, as bytes (not the time it was saved). */
function arrays(s: unknown): Buffer[] {
  if (s instanceof Float32Array) return [Buffer.from(s.buffer, s.byteOffset, s.byteLength)];
  if (Array.isArray(s)) return s.flatMap(arrays);
  if (s && typeof s === 'object')
    return Object.entries(s)
      .filter(([k]) => k !== 'savedAt')
      .flatMap(([, v]) => arrays(v));
  return [];
}

for (const [model, layers, file] of [
  ['dbm', '8,4', 'step-000000009.msgpack'],
  ['dbn', '8,4', 'step-000000021.msgpack'], // the second layer, mid-way: 18 steps per layer
] as const) {
  test(`train --model ${model}: a run resumed from a mid-run snapshot ends with the same bytes as the run straight through (parameters, velocity, chains, generator)`, async (t) => {
    const straight = join(dir, `${model}-straight`);
    const summary = await train(
      [
        '--batch',
        '10',
        '--model',
        model,
        '--layers',
        layers,
        '--epochs',
        '3',
        '--snapshot-every',
        '3',
        '--keep',
        '100',
        '--out',
        straight,
        // The data are binarised with the run's seed (7, not the default): a resumed run must see the same.
        '--binarize',
        'stochastic',
        '--seed',
        '7',
      ],
      grey,
    );
    t.is(summary.event, 'summary');
    // Its learning curve is drawn as an RBM run's is; a DBN's metrics say which layer each step trained.
    t.deepEqual(summary.curves, [join(straight, 'curves.png')]);
    const steps = readFileSync(join(straight, 'metrics.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; layer?: number; reconstructionError: number });
    t.true(steps.every((s) => Number.isFinite(s.reconstructionError)));
    t.deepEqual([...new Set(steps.map((s) => s.layer))], model === 'dbn' ? [0, 1] : [undefined]);
    const end = read(join(straight, 'snapshot.msgpack'));
    t.is(end.model, model);
    const copy = join(dir, `${model}-resumed`);
    const resumedFrom = join(straight, 'snapshots', file);
    const mid = read(resumedFrom);
    if (mid.model === 'dbn') t.is(mid.trained.length, 1, 'the snapshot is mid-way through the second layer');
    const again = await train(['--resume', resumedFrom, '--out', copy], grey);
    t.is(again.event, 'summary');
    const resumed = read(join(copy, 'snapshot.msgpack'));
    const a = arrays(end),
      b = arrays(resumed);
    t.true(a.length >= 8, `${a.length} arrays`);
    t.is(a.length, b.length);
    a.forEach((x, i) => t.true(x.equals(b[i]), `array ${i} differs`));
    t.false(arrays(mid)[0].equals(a[0]) && arrays(mid)[arrays(mid).length - 1].equals(a[a.length - 1]), 'the resumed run trained on');
  });
}

test('train --model rbm is an RBM run, as without --model', async (t) => {
  const summary = await train([
    '--model',
    'rbm',
    '--hidden',
    '4',
    '--batch',
    '10',
    '--epochs',
    '1',
    '--sample-steps',
    '0',
    '--out',
    join(dir, 'rbm'),
  ]);
  t.is(summary.event, 'summary');
  t.is(read(join(dir, 'rbm', 'snapshot.msgpack')).model, 'rbm');
});

test("resuming a finished DBM or DBN (its last layer done) is refused naming --epochs, as an RBM's is; more epochs train on", async (t) => {
  for (const model of ['dbm', 'dbn'] as const) {
    const out = join(dir, `${model}-finished`);
    await train(['--batch', '10', '--model', model, '--layers', '6,3', '--epochs', '1', '--out', out]);
    for (const more of [[], ['--epochs', '1']]) {
      const run = runCli(['train', '--json', '--resume', join(out, 'snapshot.msgpack'), ...more]);
      const { code, stderr } = await run.exited;
      t.is(code, 2, stderr);
      t.regex(stderr, /--epochs: got 1, expected more than 1.*nothing left to train; pass --epochs 2 or more/);
    }
    const summary = await train(['--resume', join(out, 'snapshot.msgpack'), '--epochs', '2']);
    t.true((summary.steps as number) > 0, JSON.stringify(summary));
    if (model === 'dbn') {
      const ev = runCli(['eval', '--model', join(out, 'snapshot.msgpack'), '--data', data]);
      const { code, stderr } = await ev.exited;
      t.is(code, 2, stderr);
      t.regex(stderr, /model: got "dbn", expected "rbm" or "dbm": eval has no log-probability for a DBN yet/);
    }
  }
});

test('train --model dbm without --layers, or with one layer, is refused naming --layers; --model xyz names the flag', async (t) => {
  for (const [args, text] of [
    [['--model', 'dbm'], '--layers'],
    [['--model', 'dbm', '--layers', '10'], 'at least 2 hidden layer sizes'],
    [['--model', 'xyz'], '--model'],
  ] as const) {
    const run = runCli(['train', '--data', data, '--out', join(dir, 'refused'), ...args]);
    const { code, stderr } = await run.exited;
    t.is(code, 2, stderr);
    t.true(stderr.includes(text), stderr);
  }
});

test('eval of a DBM snapshot: the mean-field lower bound on ln P(v), with ln Z exact (the same as recomputed here, 1e-9) or by AIS (within 0.1 nats of it); other metrics refused', async (t) => {
  const out = join(dir, 'dbm-eval');
  await train(['--batch', '10', '--model', 'dbm', '--layers', '4,3', '--epochs', '3', '--out', out]);
  const model = join(out, 'snapshot.msgpack');
  const evaluate = async (args: string[]) => {
    const run = runCli(['eval', '--model', model, '--data', data, '--json', ...args]);
    const { code, stderr } = await run.exited;
    return { code, stderr, summary: run.events[run.events.length - 1] };
  };
  const exact = await evaluate(['--metric', 'exact']);
  t.is(exact.code, 0, exact.stderr);
  const snap = read(model);
  if (snap.model !== 'dbm') return t.fail(snap.model);
  const dbm = dbmSnapshotState(snap).model;
  const logZ = exactRbmLogPartition(dbmAsRbm(dbm).params);
  const rows = loadRows();
  const want = mean(meanFieldLowerBound(dbm, rows, logZ));
  t.true(Math.abs((exact.summary.logZ as number) - logZ) < 1e-9);
  t.true(Math.abs((exact.summary.value as number) - want) < 1e-9, `${exact.summary.value as number} vs ${want}`);
  const ais = await evaluate(['--ais-steps', '2000', '--ais-runs', '100']);
  t.is(ais.code, 0, ais.stderr);
  t.is(ais.summary.metric, 'ais');
  t.true(Math.abs((ais.summary.logZ as number) - logZ) < 0.1, `AIS ${ais.summary.logZ as number}, exact ${logZ}`);
  const refused = await evaluate(['--metric', 'pseudo-likelihood']);
  t.is(refused.code, 2);
  t.true(refused.stderr.includes('ais or exact for a DBM'), refused.stderr);
});

test('train --model dbm pretrains with modified RBMs first (--pretrain-epochs, by default --epochs): the same bytes as pretrainDbm then trainDbm; 0 starts from small random weights as trainDbm({ hidden }) does; refused with --resume or --model dbn, and a too-large layer or batch named by its flag', async (t) => {
  const rows = loadRows();
  const library = async (pretrainEpochs: number) => {
    const config = { epochs: 2, batchSize: 10 };
    const pretrained =
      pretrainEpochs === 0
        ? undefined
        : (
            await lastValueFrom(
              pretrainDbm({
                data: rows,
                layers: [4, 3].map((nHidden, l) => ({ nHidden, epochs: pretrainEpochs, batchSize: 10, seed: 1 + l })),
              }).pipe(last()),
            )
          ).rbms();
    const final = await lastValueFrom(trainDbm({ data: rows, hidden: [4, 3], pretrained, config }).pipe(last()));
    return arrays(final.model.params.weights);
  };
  for (const [flags, pretrainEpochs] of [
    [[], 2],
    [['--pretrain-epochs', '3'], 3],
    [['--pretrain-epochs', '0'], 0],
  ] as const) {
    const out = join(dir, `dbm-pretrained-${pretrainEpochs}`);
    await train(['--batch', '10', '--model', 'dbm', '--layers', '4,3', '--epochs', '2', '--out', out, ...flags]);
    const snap = read(join(out, 'snapshot.msgpack'));
    if (snap.model !== 'dbm') return t.fail(snap.model);
    const weights = arrays(dbmSnapshotState(snap).model.params.weights);
    t.is(weights.length, 2);
    t.deepEqual(weights, await library(pretrainEpochs), `--pretrain-epochs ${pretrainEpochs}`);
    t.is(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).pretrainEpochs, pretrainEpochs);
    // The pretraining's own step lines, layer by layer: 60 rows in batches of 10, 6 steps an epoch.
    const lines = pretrainEpochs === 0 ? [] : pretrainingLines(out);
    t.deepEqual(
      lines.map((l) => [l.event, l.layer, l.step]),
      [0, 1].flatMap((layer) => Array.from({ length: 6 * pretrainEpochs }, (_, i) => ['step', layer, i + 1])),
    );
    t.true(lines.every((l) => typeof l.reconstructionError === 'number'));
    t.is(existsSync(join(out, 'pretraining.ndjson')), pretrainEpochs > 0);
  }
  for (const [args, text] of [
    [
      ['--resume', join(dir, 'dbm-pretrained-2', 'snapshot.msgpack'), '--epochs', '3', '--pretrain-epochs', '1'],
      '--pretrain-epochs: got 1, expected no training flag',
    ],
    [
      ['--model', 'dbn', '--layers', '4,3', '--pretrain-epochs', '1', '--out', join(dir, 'dbn-pre')],
      'no --pretrain-epochs with --model dbn',
    ],
    // The modified RBMs' limits name the flag and the layer, as a DBN's do; the default batch says it is the default.
    [['--model', 'dbm', '--layers', '200000,3', '--batch', '10', '--out', join(dir, 'dbm-big')], '--layers (layer 1): got 200000'],
    [['--model', 'dbm', '--layers', '4,3', '--out', join(dir, 'dbm-batch')], '--batch: got "100 (the default)", expected at most 60'],
    [['--model', 'dbn', '--layers', '4,3', '--batch', '61', '--out', join(dir, 'dbn-batch')], '--batch: got "61", expected at most 60'],
  ] as const) {
    const run = runCli(['train', '--data', data, ...args]);
    const { code, stderr } = await run.exited;
    t.is(code, 2, stderr);
    t.true(stderr.includes(text), stderr);
  }
});

test('a DBM stopped by SIGINT while pretraining says so and that nothing was saved (summary snapshot null, pretrainingLayer 0); the same command then runs in that folder', async (t) => {
  const out = join(dir, 'dbm-stopped-pretraining');
  const args = ['train', '--data', data, '--json', '--batch', '10', '--model', 'dbm', '--layers', '4,3', '--epochs', '1', '--out', out];
  const run = runCli([...args, '--pretrain-epochs', '1000000']);
  await run.waitFor((e) => e.event === 'pretrain');
  run.child.kill('SIGINT');
  const { code, stderr } = await run.exited;
  t.is(code, 0, stderr);
  const summary = run.events.at(-1)!;
  t.like(summary, { event: 'summary', interrupted: true, signal: 'SIGINT', snapshot: null, pretrainingLayer: 0, steps: 0 });
  t.true(pretrainingLines(out).length >= 6, 'the stopped pretraining had written its steps');
  const again = runCli([...args, '--pretrain-epochs', '1']);
  const second = await again.exited;
  t.is(second.code, 0, second.stderr);
  t.like(again.events.at(-1), { event: 'summary', interrupted: false, snapshot: join(out, 'snapshot.msgpack') });
  t.deepEqual(
    pretrainingLines(out).map((l) => [l.layer, l.step]),
    [0, 1].flatMap((layer) => Array.from({ length: 6 }, (_, i) => [layer, i + 1])),
    'the rerun starts the pretraining file over',
  );
});
