import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { last, lastValueFrom } from 'rxjs';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { completeDbn } from '../models/completeDbn.js';
import { createDbn, sampleDbn } from '../models/dbn.js';
import { rbmFromParams } from '../models/rbm.js';
import { sampleDbm } from '../models/sampleDbm.js';
import { fitStandardization, standardize, unstandardize } from '../models/standardize.js';
import { trainDbn } from '../pipelines/trainDbn.js';
import { decodeModelSnapshot, encodeModelSnapshot, type DbmSnapshot, type DbnSnapshot } from '../schemas/modelSnapshot.js';
import { parseWith } from '../schemas/parseWith.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { dbnSnapshot } from '../sinks/stateSnapshot.js';
import { dbmSnapshotState, dbnSnapshotState } from '../sources/restoreState.js';
import { runCli } from './cliRun.js';

const dir = mkdtempSync(join(tmpdir(), 'boltzflow-deep-sample-'));
const data = join(dir, 'bars.csv');
// 60 records of 4×4 images (16 values: the CLI takes them as square images): horizontal or vertical bars.
const rows = Array.from({ length: 60 }, (_, r) => Array.from({ length: 16 }, (_, k) => ((r % 2 ? k % 4 : k >> 2) === r % 4 ? 1 : 0)));
writeFileSync(data, rows.map((r) => r.join(',')).join('\n') + '\n');

async function cli(args: string[]): Promise<{ code: number | null; stderr: string; events: Record<string, unknown>[] }> {
  const run = runCli(args);
  const { code, stderr } = await run.exited;
  return { code, stderr, events: run.events };
}
const summaryOf = (r: { events: Record<string, unknown>[] }) => r.events[r.events.length - 1];
const read = (path: string) => decodeModelSnapshot(readFileSync(path), path);
const round4 = (m: Matrix) => Array.from({ length: m.rows }, (_, r) => Array.from(m.row(r), (x) => Math.round(x * 1e4) / 1e4));

// 6 steps per epoch, 2 epochs: 12 steps per layer; a DBN's files are numbered over all layers.
const trained = Promise.all(
  (['dbn', 'dbm'] as const).map((model) =>
    cli([
      'train',
      '--model',
      model,
      '--layers',
      '8,4',
      '--data',
      data,
      '--batch',
      '10',
      '--epochs',
      '2',
      '--snapshot-every',
      '3',
      '--keep',
      '100',
      '--backend',
      'js',
      '--out',
      join(dir, model),
      '--json',
    ]),
  ),
);

for (const model of ['dbn', 'dbm'] as const)
  test(`sample and complete read a ${model.toUpperCase()} trained by train --model ${model}: n rows of 16 probabilities (JSON events, CSV, PNG), completions of n records, and summaries that name the model`, async (t) => {
    for (const r of await trained) t.is(r.code, 0, r.stderr);
    const path = join(dir, model, 'snapshot.msgpack');
    const s = await cli(['sample', '--model', path, '--n', '5', '--steps', '10', '--backend', 'js', '--seed', '3', '--json']);
    t.is(s.code, 0, s.stderr);
    const samples = s.events.filter((e) => e.event === 'sample').map((e) => e.values as number[]);
    t.is(samples.length, 5);
    t.true(samples.every((v) => v.length === 16 && v.every((x) => x >= 0 && x <= 1)));
    const { seconds, ...summary } = summaryOf(s);
    t.is(typeof seconds, 'number');
    t.deepEqual(summary, {
      event: 'summary',
      model,
      n: 5,
      steps: 10,
      values: 'probability',
      ...(model === 'dbn' ? { layers: { used: 2, of: 2, inTraining: null } } : {}),
      out: null,
    });
    // The same chains drawn here, from the snapshot, with the same seed and backend.
    const snap = read(path);
    const want =
      snap.model === 'dbm'
        ? sampleDbm({ ...dbmSnapshotState(snap, { backend: jsBackend }).model, rng: Rng.fromSeed(3) }, { n: 5, steps: 10 }).probs
        : sampleDbn(dbnOf(snap as DbnSnapshot, 2, 3), 5, { gibbsSteps: 10 });
    t.deepEqual(samples, round4(want));
    const csv = join(dir, `${model}.csv`);
    t.is((await cli(['sample', '--model', path, '--n', '4', '--steps', '5', '--out', csv, '--json'])).code, 0);
    t.deepEqual(
      readFileSync(csv, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(',').length),
      [16, 16, 16, 16],
    );
    const png = join(dir, `${model}.png`);
    t.is((await cli(['sample', '--model', path, '--n', '4', '--steps', '5', '--out', png, '--json'])).code, 0);
    t.is(readFileSync(png).subarray(1, 4).toString(), 'PNG');
    const grid = join(dir, `${model}-completion.png`);
    const c = await cli([
      'complete',
      '--model',
      path,
      '--data',
      data,
      '--n',
      '3',
      '--samples',
      '10',
      '--steps',
      '5',
      '--out',
      grid,
      '--json',
    ]);
    t.is(c.code, 0, c.stderr);
    const completions = c.events.filter((e) => e.event === 'completion');
    t.deepEqual(
      completions.map((e) => e.index),
      [0, 1, 2],
    );
    t.true(completions.every((e) => (e.probability as number) > 0 && (e.probability as number) <= 1 && (e.squaredError as number) >= 0));
    const { meanSquaredError, ...rest } = summaryOf(c);
    t.deepEqual(rest, {
      event: 'summary',
      model,
      n: 3,
      known: 'top',
      ...(model === 'dbn' ? { layers: { used: 2, of: 2, inTraining: null } } : {}),
      out: grid,
    });
    t.true((meanSquaredError as number) < 8, `mean squared error ${String(meanSquaredError)} (8 unknown pixels)`);
    t.is(readFileSync(grid).subarray(1, 4).toString(), 'PNG');
  });

/** The first `layers` trained layers of a DBN snapshot (the one in training too where it is done), on the js backend, drawing from one seeded generator. */
function dbnOf(snap: DbnSnapshot, layers: number, seed: number) {
  const restored = dbnSnapshotState(snap, { backend: jsBackend });
  const rng = Rng.fromSeed(seed);
  return createDbn([...restored.trained, restored.state.model].slice(0, layers).map((r) => rbmFromParams(r.params, rng, jsBackend)));
}

test('a DBN snapshot taken mid-way samples from its trained layers only, and says so; one taken before any layer was trained is refused naming --model', async (t) => {
  for (const r of await trained) t.is(r.code, 0, r.stderr);
  // Step 18: the second layer's epoch 1 of 2; step 12: the first layer done, the second not begun; step 6: the first layer mid-way.
  const mid = join(dir, 'dbn', 'snapshots', 'step-000000018.msgpack');
  const snap = read(mid) as DbnSnapshot;
  t.is(snap.trained.length, 1);
  const s = await cli(['sample', '--model', mid, '--n', '4', '--steps', '10', '--backend', 'js', '--seed', '5', '--json']);
  t.is(s.code, 0, s.stderr);
  t.deepEqual(summaryOf(s).layers, { used: 1, of: 2, inTraining: { layer: 2, epoch: 1, epochs: 2 } });
  const samples = s.events.filter((e) => e.event === 'sample').map((e) => e.values);
  t.deepEqual(samples, round4(sampleDbn(dbnOf(snap, 1, 5), 4, { gibbsSteps: 10 })));
  const text = await cli(['sample', '--model', mid, '--n', '2', '--steps', '3']);
  t.regex(text.stderr, /DBN: 1 of 2 layers \(layer 2, in training at epoch 1 of 2, is not used\)/);
  const c = await cli(['complete', '--model', mid, '--data', data, '--n', '2', '--samples', '5', '--steps', '3', '--json']);
  t.is(c.code, 0, c.stderr);
  t.deepEqual(summaryOf(c).layers, { used: 1, of: 2, inTraining: { layer: 2, epoch: 1, epochs: 2 } });
  const firstDone = await cli(['sample', '--model', join(dir, 'dbn', 'snapshots', 'step-000000012.msgpack'), '--n', '2', '--json']);
  t.deepEqual(summaryOf(firstDone).layers, { used: 1, of: 2, inTraining: null });
  const early = join(dir, 'dbn', 'snapshots', 'step-000000006.msgpack');
  for (const args of [
    ['sample', '--model', early],
    ['complete', '--model', early, '--data', data],
  ]) {
    const r = await cli(args);
    t.is(r.code, 2);
    t.regex(
      r.stderr,
      /^boltzflow: --model: got ".*step-000000006\.msgpack: a DBN whose first layer is still in training \(epoch 1 of 2\)", expected a DBN snapshot with at least one trained layer \(continue the run: boltzflow train --resume /,
    );
  }
  const zero = await cli(['sample', '--model', join(dir, 'dbn', 'snapshot.msgpack'), '--steps', '0']);
  t.is(zero.code, 2);
  t.regex(zero.stderr, /--steps: got 0, expected at least 1 for a DBN/);
});

test("a DBN with a Gaussian first layer samples and completes in the data's units, as an RBM does: the values and errors equal the model's, mapped back by the saved standardisation", async (t) => {
  const rng = Rng.fromSeed(11);
  const real = Matrix.from(rows.map((r) => r.map((x) => 50 + 20 * x + rng.normal())));
  const path = join(dir, 'real.csv');
  writeFileSync(
    path,
    Array.from({ length: real.rows }, (_, r) => Array.from(real.row(r), (x) => x.toFixed(4)).join(',')).join('\n') + '\n',
  );
  const loaded = Matrix.from(
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number)),
  );
  const standardization = fitStandardization(loaded, { absolute: 1e-30, relative: 1e-6 });
  const layers = [
    { nHidden: 8, visibleUnits: 'gaussian', batchSize: 10, epochs: 2, backend: 'js' },
    { nHidden: 4, batchSize: 10, epochs: 2, backend: 'js' },
  ].map((c) => parseWith(trainConfigSchema, c));
  const final = await lastValueFrom(trainDbn({ data: standardize(loaded, standardization), layers }).pipe(last()));
  const info = { name: path, rows: 60, imageShape: [4, 4] as [number, number], binarize: 'none' as const, standardization };
  const model = join(dir, 'gaussian-dbn.msgpack');
  // The standardisation is the network's (its first layer's), not the top layer's in training: dbnSnapshot keeps it on the DBN's data only.
  writeFileSync(model, encodeModelSnapshot(dbnSnapshot(final, layers, info)));
  const s = await cli(['sample', '--model', model, '--n', '3', '--steps', '10', '--backend', 'js', '--seed', '2', '--json']);
  t.is(s.code, 0, s.stderr);
  t.is(summaryOf(s).values, 'data');
  const snap = read(model) as DbnSnapshot;
  const means = unstandardize(sampleDbn(dbnOf(snap, 2, 2), 3, { gibbsSteps: 10 }), standardization);
  t.deepEqual(
    s.events.filter((e) => e.event === 'sample').map((e) => e.values),
    Array.from({ length: 3 }, (_, r) => Array.from(means.row(r), (x) => Number(x.toPrecision(6)))),
  );
  const c = await cli(['complete', '--model', model, '--data', path, '--n', '2', '--samples', '10', '--steps', '5', '--json']);
  t.is(c.code, 0, c.stderr);
  // The CLI's completion redone here: the record standardised, completed (the bottom half), mapped back; the error in data units.
  const auto = selectBackend('auto');
  const restored = dbnSnapshotState(snap, { backend: auto });
  const rng2 = Rng.fromSeed(1);
  const dbn = createDbn([...restored.trained, restored.state.model].map((r) => rbmFromParams(r.params, rng2, auto)));
  const known = Uint8Array.from({ length: 16 }, (_, k) => (k < 8 ? 1 : 0));
  const cue = standardize(loaded.topRows(2), standardization);
  const errors = [0, 1].map((r) => {
    const mean = unstandardize(
      new Matrix(1, 16, completeDbn(dbn, cue.row(r), known, { samples: 10, steps: 5 }).mean),
      standardization,
    ).data;
    return mean.reduce((e, x, k) => (known[k] ? e : e + (x - loaded.get(r, k)) ** 2), 0);
  });
  const got = c.events.filter((e) => e.event === 'completion').map((e) => e.squaredError as number);
  errors.forEach((e, r) => t.true(Math.abs(got[r] - e) <= 1e-9 * e, `record ${r}: ${got[r]} vs ${e}`));
  t.true(
    errors.every((e) => e < 8 * 20 ** 2),
    `squared errors ${errors.join(', ')} (in data units, 8 unknown values of spread 20)`,
  );
});

test('sample validates a DBM snapshot as it reads it: a weight matrix of the wrong length is refused naming the field', async (t) => {
  for (const r of await trained) t.is(r.code, 0, r.stderr);
  const snap = read(join(dir, 'dbm', 'snapshot.msgpack')) as DbmSnapshot;
  const bad = join(dir, 'bad-dbm.msgpack');
  writeFileSync(
    bad,
    encodeModelSnapshot({ ...snap, params: { ...snap.params, weights: [snap.params.weights[0].subarray(1), snap.params.weights[1]] } }),
  );
  const r = await cli(['sample', '--model', bad]);
  t.is(r.code, 2);
  t.regex(r.stderr, /params\.weights\.0/);
});
