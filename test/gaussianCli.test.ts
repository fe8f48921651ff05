import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { exactGaussianRbmLogPartition } from '../models/exactGaussianRbm.js';
import { logProbability } from '../models/logProbability.js';
import { sampleRbm } from '../models/sampleRbm.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { standardize } from '../models/standardize.js';
import { readSnapshot, snapshotModel } from '../sources/readSnapshot.js';
import { runCli } from './cliRun.js';

const dir = mkdtempSync(join(tmpdir(), 'boltzflow-gaussian-cli-'));
const V = 6,
  ROWS = 400;

/**
 * ROWS rows of two Gaussian clusters in 6 dimensions, centred at 40 and 60 in every column with
 * sd 5 within a cluster (so each column has mean ≈ 50, sd ≈ 7): values far from [0, 1].
 */
function clusters(seed: number, rows = ROWS): number[][] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: rows }, (_, r) => Array.from({ length: V }, () => (r % 2 ? 40 : 60) + 5 * rng.normal()));
}
const writeCsv = (name: string, rows: number[][]) => {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => r.map((x) => x.toFixed(4)).join(',')).join('\n') + '\n');
  return path;
};
const real = clusters(1);
const csv = writeCsv('real.csv', real);
/** The same rows as the CSV holds them (float32, as loaded). */
const loaded = new Matrix(ROWS, V, Float32Array.from(real.flatMap((r) => r.map((x) => Number(x.toFixed(4))))));

async function cli(args: string[]) {
  const run = runCli([...args, '--json']);
  const { code, stderr } = await run.exited;
  return { code, stderr, events: run.events, summary: run.events.find((e) => e.event === 'summary') };
}
// A constant rate, so that 1 epoch + 1 resumed is the same run as 2 straight (a linear decay depends on the epoch count).
const small = ['--hidden', '8', '--batch', '10', '--backend', 'js', '--seed', '3', '--lr', '0.05', '--lr-schedule', 'constant'];
const trainGaussian = (out: string, ...more: string[]) =>
  cli(['train', '--visible', 'gaussian', '--data', csv, '--out', join(dir, out), ...small, ...more]);

/** Column means and population sds in float64, two passes. */
function columnStats(m: Matrix): { mean: number[]; sd: number[] } {
  const col = (i: number) => Array.from({ length: m.rows }, (_, r) => m.data[r * m.cols + i]);
  const mean = Array.from({ length: m.cols }, (_, i) => col(i).reduce((a, x) => a + x, 0) / m.rows);
  const sd = mean.map((mu, i) => Math.sqrt(col(i).reduce((a, x) => a + (x - mu) ** 2, 0) / m.rows));
  return { mean, sd };
}

const straight = trainGaussian('straight', '--epochs', '2', '--learn-variance');

test("train --visible gaussian: every snapshot holds the standardisation, equal to the data columns' mean and sd (1e-5 relative)", async (t) => {
  const r = await straight;
  t.is(r.code, 0, r.stderr);
  const snap = await readSnapshot(join(dir, 'straight', 'snapshot.msgpack'));
  t.deepEqual(snap.visibleUnits, { type: 'gaussian', learnVariance: true });
  const s = snap.data.standardization!;
  const want = columnStats(loaded);
  for (let i = 0; i < V; i++) {
    t.true(Math.abs(s.mean[i] - want.mean[i]) <= 1e-5 * Math.abs(want.mean[i]), `mean[${i}] ${s.mean[i]} vs ${want.mean[i]}`);
    t.true(Math.abs(s.std[i] - want.sd[i]) <= 1e-5 * want.sd[i], `std[${i}] ${s.std[i]} vs ${want.sd[i]}`);
  }
  const first = await readSnapshot(join(dir, 'straight', 'snapshots', 'step-000000040.msgpack'));
  t.deepEqual(first.data.standardization, s, 'the epoch-1 snapshot holds it too');
});

test('eval of a Gaussian model: the saved standardisation is applied (exact log-density equals the one computed here); pseudo-likelihood refused', async (t) => {
  t.is((await straight).code, 0);
  const model = join(dir, 'straight', 'snapshot.msgpack');
  const snap = await readSnapshot(model);
  const exact = await cli(['eval', '--model', model, '--data', csv, '--metric', 'exact']);
  t.is(exact.code, 0, exact.stderr);
  // ln p(x) = ln p_model((x − mean)/std) − Σ ln std, mean over rows.
  const rbm = snapshotModel(snap, { seed: 1 });
  const z = standardize(loaded, snap.data.standardization!);
  const lp = logProbability(rbm, z, exactGaussianRbmLogPartition(rbm.params));
  const jacobian = Array.from(snap.data.standardization!.std).reduce((a, s) => a + Math.log(s), 0);
  const want = lp.reduce((a, x) => a + x, 0) / lp.length - jacobian;
  t.true(Math.abs((exact.summary!.value as number) - want) < 1e-6 * Math.abs(want), `${String(exact.summary!.value)} vs ${want}`);
  const recon = await cli(['eval', '--model', model, '--data', csv]);
  t.is(recon.code, 0, recon.stderr);
  t.is(recon.summary!.metric, 'reconstruction');
  // Squared error summed over the 6 standardised columns: an untrained model's would be about 6.
  t.true(
    Number.isFinite(recon.summary!.value) && (recon.summary!.value as number) < 6,
    `reconstruction error ${String(recon.summary!.value)}`,
  );
  const pl = await cli(['eval', '--model', model, '--data', csv, '--metric', 'pseudo-likelihood']);
  t.is(pl.code, 2);
  t.regex(pl.stderr, /--metric: got "?pseudo-likelihood"?, expected reconstruction, free-energy or exact .*Gaussian/);
});

test('a Bernoulli model (or run) given real-valued data is refused with a message naming --visible gaussian', async (t) => {
  const unit = writeCsv(
    'unit.csv',
    real.map((r) => r.map((x) => (x > 50 ? 1 : 0))),
  );
  const bern = await cli(['train', '--data', unit, '--out', join(dir, 'bern'), ...small]);
  t.is(bern.code, 0, bern.stderr);
  const evalReal = await cli(['eval', '--model', join(dir, 'bern', 'snapshot.msgpack'), '--data', csv]);
  t.is(evalReal.code, 2);
  t.regex(evalReal.stderr, /value 0: got 6\d\.\d+, expected a value in \[0, 1\] .*--visible gaussian/);
  const trainReal = await cli(['train', '--data', csv, '--out', join(dir, 'bern-real'), ...small]);
  t.is(trainReal.code, 2);
  t.regex(trainReal.stderr, /--visible gaussian/);
});

test("sample of a Gaussian model is in the data's units: mean + std · (the model's means), to 6 digits; each column's sample mean within 2 sd of the data's", async (t) => {
  t.is((await straight).code, 0);
  const model = join(dir, 'straight', 'snapshot.msgpack');
  const r = await cli(['sample', '--model', model, '--n', '400', '--steps', '200', '--backend', 'js', '--seed', '7']);
  t.is(r.code, 0, r.stderr);
  t.is(r.summary!.values, 'data');
  const rows = r.events.filter((e) => e.event === 'sample').map((e) => e.values as number[]);
  t.is(rows.length, 400);
  // The same chains drawn here, in standardised units, then mapped back by hand.
  const snap = await readSnapshot(model);
  const { probs } = sampleRbm(snapshotModel(snap, { seed: 7, backend: selectBackend('js') }), { n: 400, steps: 200 });
  const { mean, std } = snap.data.standardization!;
  for (const [r0, i] of [
    [0, 0],
    [17, 3],
    [399, 5],
  ])
    t.is(rows[r0][i], Number((probs.data[r0 * V + i] * std[i] + mean[i]).toPrecision(6)), `sample ${r0}, column ${i}`);
  // Coarse, and independent of how well 80 steps of training mix the two clusters (a chain stays in
  // one for long: the sample mean of 400 chains was seen 1.3 sd from the data's): 2 sd. Unmapped,
  // standardised values would sit at ≈ 0, 4.4 sd (50 / 11.4) from the data mean.
  const want = columnStats(loaded);
  for (let i = 0; i < V; i++) {
    const m = rows.reduce((a, row) => a + row[i], 0) / rows.length;
    t.true(Math.abs(m - want.mean[i]) < 2 * want.sd[i], `column ${i}: sample mean ${m}, data ${want.mean[i]} ± ${want.sd[i]}`);
  }
});

test("resume applies the saved standardisation: 1 epoch + resume 1 gives the straight run's bytes; other data is standardised with the saved fit, not refitted", async (t) => {
  t.is((await straight).code, 0);
  const first = await trainGaussian('resumed', '--epochs', '1', '--learn-variance');
  t.is(first.code, 0, first.stderr);
  const resumed = await cli(['train', '--resume', join(dir, 'resumed', 'snapshot.msgpack'), '--epochs', '2']);
  t.is(resumed.code, 0, resumed.stderr);
  const a = await readSnapshot(join(dir, 'straight', 'snapshot.msgpack'));
  const b = await readSnapshot(join(dir, 'resumed', 'snapshot.msgpack'));
  t.is(b.counters.step, a.counters.step);
  t.deepEqual(
    Buffer.from(b.params.weights.buffer, b.params.weights.byteOffset, b.params.weights.byteLength),
    Buffer.from(a.params.weights.buffer, a.params.weights.byteOffset, a.params.weights.byteLength),
  );
  t.deepEqual(b.params.logVariance, a.params.logVariance);
  // Other rows (shifted by +20): a refit would centre them again; the saved fit keeps them where they are.
  const other = writeCsv(
    'other.csv',
    clusters(2).map((r) => r.map((x) => x + 20)),
  );
  const onOther = await cli([
    'train',
    '--resume',
    join(dir, 'resumed', 'snapshots', 'step-000000040.msgpack'),
    '--data',
    other,
    '--epochs',
    '2',
    '--out',
    join(dir, 'other'),
  ]);
  t.is(onOther.code, 0, onOther.stderr);
  const c = await readSnapshot(join(dir, 'other', 'snapshot.msgpack'));
  t.deepEqual(c.data.standardization, a.data.standardization);
  const refused = await cli(['train', '--resume', join(dir, 'resumed', 'snapshot.msgpack'), '--epochs', '3', '--visible', 'bernoulli']);
  t.is(refused.code, 2);
  t.regex(refused.stderr, /--visible: got "?bernoulli"?, expected no training flag besides --epochs and --backend with --resume/);
});

test('--learn-variance needs --visible gaussian; --online with Gaussian units is refused, saying to train offline; --binarize too', async (t) => {
  const lv = await cli(['train', '--learn-variance', '--data', csv, '--out', join(dir, 'lv'), ...small]);
  t.is(lv.code, 2);
  t.regex(lv.stderr, /^boltzflow: --learn-variance: got true, expected to be used with --visible gaussian/m);
  const online = await cli(['train', '--online', '--visible', 'gaussian', '--data', csv, '--out', join(dir, 'online'), ...small]);
  t.is(online.code, 2);
  t.regex(online.stderr, /--visible: got "?gaussian"?, expected bernoulli with --online .*boltzflow train --visible gaussian --data FILE/);
  t.is((await straight).code, 0);
  const resumeOnline = await cli(['train', '--online', '--resume', join(dir, 'straight', 'snapshot.msgpack'), '--data', csv]);
  t.is(resumeOnline.code, 2);
  t.regex(resumeOnline.stderr, /--resume: got .*Gaussian visible units.*expected a Bernoulli run with --online/);
  const bin = await cli(['train', '--visible', 'gaussian', '--binarize', 'threshold', '--data', csv, '--out', join(dir, 'bin'), ...small]);
  t.is(bin.code, 2);
  t.regex(bin.stderr, /--binarize: got "?threshold"?, expected "none" with Gaussian visible units/);
});

test('complete with a Gaussian model on 4×4 real images: completions in data units, near the originals', async (t) => {
  // 200 4×4 "images": a bright (80) top or bottom half on a dark (20) ground, sd 3; the top is known.
  const rng = Rng.fromSeed(5);
  const rows = Array.from({ length: 200 }, (_, r) =>
    Array.from({ length: 16 }, (_, k) => (k < 8 === (r % 2 === 0) ? 80 : 20) + 3 * rng.normal()),
  );
  const images = writeCsv('images.csv', rows);
  const trained = await cli([
    'train',
    '--visible',
    'gaussian',
    '--data',
    images,
    '--out',
    join(dir, 'images'),
    '--epochs',
    '20',
    '--sample-steps',
    '10',
    ...small,
  ]);
  t.is(trained.code, 0, trained.stderr);
  const r = await cli([
    'complete',
    '--model',
    join(dir, 'images', 'snapshot.msgpack'),
    '--data',
    images,
    '--n',
    '10',
    '--out',
    join(dir, 'complete.png'),
  ]);
  t.is(r.code, 0, r.stderr);
  // Guessing the column mean (50) would give 8 · 30² = 7,200 per record; the bottom half follows the top.
  const mse = r.summary!.meanSquaredError as number;
  t.true(mse < 1500, `mean squared error ${mse} over 8 unknown values in data units`);
  t.is(readFileSync(join(dir, 'complete.png')).subarray(1, 4).toString(), 'PNG');
});
