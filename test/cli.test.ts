import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../kernels/Rng.js';
import { readSnapshot } from '../sources/readSnapshot.js';
import { selectBackend } from '../kernels/selectBackend.js';

const bin = fileURLToPath(new URL('../cli/boltzflow.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'boltzflow-cli-'));

/** 60 noisy 4×4 images of a horizontal or a vertical bar, as CSV. */
const csv = join(dir, 'bars.csv');
const rng = Rng.fromSeed(4);
writeFileSync(
  csv,
  Array.from({ length: 60 }, (_, r) =>
    Array.from({ length: 16 }, (_, i) => {
      const on = r % 2 ? i % 4 === r % 4 : Math.floor(i / 4) === r % 4;
      return rng.uniform() < 0.05 ? Number(!on) : Number(on);
    }).join(','),
  ).join('\n'),
);

function cli(...args: string[]) {
  return cliWith({}, ...args);
}

function cliWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    lines: () =>
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
  };
}

const train = (out: string, ...more: string[]) =>
  cli('train', '--data', csv, '--hidden', '6', '--batch', '10', '--lr', '0.1', '--out', out, '--sample-steps', '20', '--json', ...more);

test('train --json: NDJSON start, one step event per minibatch, a summary; snapshot, metrics and PNGs written', (t) => {
  const out = join(dir, 'run');
  const r = train(out, '--epochs', '3');
  t.is(r.code, 0, r.stderr);
  const lines = r.lines();
  t.is(lines[0].event, 'start');
  const auto = selectBackend('auto');
  t.is(lines[0].backend, auto.name, 'auto picks the fastest backend built (native, else wasm)');
  t.is(lines[0].threads, auto.threads ?? 1);
  if (auto.name === 'wasm') t.is(lines[0].threads, Math.min(2, availableParallelism()), 'two threads where there are two cores');
  t.is(lines[0].config.nHidden, 6);
  const steps = lines.filter((l) => l.event === 'step');
  t.deepEqual(
    steps.map((s) => s.step),
    Array.from({ length: 18 }, (_, i) => i + 1),
  );
  const summary = lines.at(-1);
  t.is(summary.event, 'summary');
  t.is(summary.steps, 18);
  t.is(typeof summary.reconstructionError, 'number');
  for (const f of ['snapshot.msgpack', 'metrics.ndjson', 'filters.png', 'samples.png']) t.true(existsSync(join(out, f)), f);
  t.is(readFileSync(join(out, 'samples.png')).subarray(1, 4).toString(), 'PNG');
});

test('eval --json gives each metric as `value` in a summary object', async (t) => {
  const out = join(dir, 'eval-run');
  t.is(train(out, '--epochs', '2').code, 0);
  const model = join(out, 'snapshot.msgpack');
  const values: Record<string, number> = {};
  for (const metric of ['reconstruction', 'pseudo-likelihood', 'free-energy']) {
    const r = cli('eval', '--model', model, '--data', csv, '--metric', metric, '--json');
    t.is(r.code, 0, r.stderr);
    const [summary] = r.lines();
    t.is(summary.event, 'summary');
    t.is(summary.metric, metric);
    t.is(summary.n, 60);
    t.true(Number.isFinite(summary.value));
    values[metric] = summary.value;
  }
  t.true(values.reconstruction >= 0);
  t.true(values['pseudo-likelihood'] <= 0);
});

test('train --validation --eval-every taps held-out pseudo-likelihood and the free-energy gap every N steps', (t) => {
  const r = train(join(dir, 'taps'), '--epochs', '2', '--validation', csv, '--eval-every', '4');
  t.is(r.code, 0, r.stderr);
  const steps = r.lines().filter((l) => l.event === 'step');
  t.deepEqual(
    steps.filter((s) => 'pseudoLikelihood' in s).map((s) => s.step),
    [4, 8, 12],
  );
  t.true(
    steps.filter((s) => 'freeEnergyGap' in s).every((s) => Math.abs(s.freeEnergyGap - (s.freeEnergyValidation - s.freeEnergyTrain)) < 1e-9),
  );
  const human = cli(
    'train',
    '--data',
    csv,
    '--hidden',
    '4',
    '--batch',
    '10',
    '--epochs',
    '1',
    '--out',
    join(dir, 'taps2'),
    '--sample-steps',
    '0',
    '--validation',
    csv,
    '--eval-every',
    '6',
  );
  t.regex(human.stderr, /epoch 1\/1 done in .* · held-out PL -?\d+\.\d\d · free-energy gap -?\d+\.\d\d\n/);
});

test('the backend is chosen by --backend or BOLTZFLOW_BACKEND and printed at the start of a run', (t) => {
  const byFlag = train(join(dir, 'backend-flag'), '--epochs', '1', '--backend', 'js');
  t.is(byFlag.lines()[0].backend, 'js');
  const byEnv = cliWith(
    { BOLTZFLOW_BACKEND: 'js' },
    'train',
    '--data',
    csv,
    '--hidden',
    '4',
    '--batch',
    '10',
    '--epochs',
    '1',
    '--out',
    join(dir, 'backend-env'),
    '--sample-steps',
    '0',
  );
  t.regex(byEnv.stderr, /^boltzflow train · backend js · RBM 16→4/);
  t.regex(
    train(join(dir, 'backend-bad'), '--backend', 'cuda').stderr,
    /--backend: got "cuda", expected one of "auto", "native", "wasm", "js"/,
  );
});

test('eval --metric exact and --metric ais: mean log-probability as `value`, ln Z, and AIS progress events', (t) => {
  const out = join(dir, 'loglik-run');
  t.is(train(out, '--epochs', '2').code, 0);
  const model = join(out, 'snapshot.msgpack');
  const exact = cli('eval', '--model', model, '--data', csv, '--metric', 'exact', '--json');
  t.is(exact.code, 0, exact.stderr);
  const [e] = exact.lines();
  t.true(e.value < 0 && Number.isFinite(e.logZ));
  const ais = cli('eval', '--model', model, '--data', csv, '--metric', 'ais', '--ais-steps', '1000', '--ais-runs', '50', '--json');
  t.is(ais.code, 0, ais.stderr);
  const lines = ais.lines();
  t.true(lines.filter((l) => l.event === 'progress').length >= 50);
  const a = lines.at(-1);
  t.is(a.event, 'summary');
  t.true(a.logZLow <= e.logZ && e.logZ <= a.logZHigh, `${e.logZ} in [${a.logZLow}, ${a.logZHigh}]`);
  t.true(Math.abs(a.value - e.value) < 0.1);
  t.true(a.valueLow <= a.value && a.value <= a.valueHigh);
});

test('encoder --completion-every: completion tests during a run, 10 trials a pattern, that leave the run as it was', (t) => {
  const args = ['encoder', '4-2-4', '--seeds', '1', '--max-cycles', '30', '--stop', 'end', '--json'];
  const plain = cli(...args),
    tested = cli(...args, '--completion-every', '10');
  t.is(tested.code, 0, tested.stderr);
  const tests = tested.lines().filter((l) => l.event === 'completion');
  t.deepEqual(
    tests.map((l) => l.cycle),
    [10, 20, 30],
  );
  for (const l of tests) t.true(Number.isInteger(l.completion * 40), `${l.completion}: a count of 4 patterns × 10 trials`);
  const seed = (r: typeof plain) => {
    const { seconds: _, ...rest } = r.lines().find((l) => l.event === 'seed');
    return rest;
  };
  t.deepEqual(seed(tested), seed(plain));
  t.is(seed(plain).cycles, 30, '--stop end runs every cycle');
});

test('encoder, hopfield and complete: NDJSON results', (t) => {
  const enc = cli('encoder', '4-2-4', '--seeds', '2', '--json');
  t.is(enc.code, 0, enc.stderr);
  const summary = enc.lines().at(-1);
  t.is(summary.event, 'summary');
  t.is(summary.seeds, 2);
  t.true(summary.solved >= 1, 'at least one of two seeds learns 4-2-4');
  t.regex(cli('encoder', '4-2-5').stderr, /^boltzflow: encoder shape: got "4-2-5", expected V-H-V with equal visible groups/);
  const hop = cli('hopfield', '--units', '50', '--max-patterns', '20', '--step', '10', '--trials', '2', '--json');
  t.is(hop.code, 0, hop.stderr);
  const [rows, hopSummary] = [hop.lines().slice(0, -1), hop.lines().at(-1)];
  t.deepEqual(
    rows.map((r) => r.patterns),
    [10, 20],
  );
  t.true(rows[0].recalled > rows[1].recalled);
  // Like every --json run, it ends with a summary: here the first load at which recall fell below half.
  t.like(hopSummary, { event: 'summary', units: 50, rows: 2 });
  t.is(hopSummary.breakdownLoadRatio, rows.find((r) => r.recalled < 0.5)?.loadRatio ?? null);
  const out = join(dir, 'complete-run');
  t.is(train(out, '--epochs', '2').code, 0);
  const png = join(out, 'completion.png');
  const c = cli(
    'complete',
    '--model',
    join(out, 'snapshot.msgpack'),
    '--data',
    csv,
    '--n',
    '4',
    '--samples',
    '10',
    '--steps',
    '20',
    '--out',
    png,
    '--json',
  );
  t.is(c.code, 0, c.stderr);
  const completions = c.lines().filter((l) => l.event === 'completion');
  t.is(completions.length, 4);
  // probability is the share of the samples equal to the most frequent completion: modeCount of samples.
  for (const e of completions) t.is(e.probability, e.modeCount / e.samples);
  t.is(readFileSync(png).subarray(1, 4).toString(), 'PNG');
});

test('sample writes PNG, CSV, or NDJSON arrays on stdout', (t) => {
  const out = join(dir, 'sample-run');
  t.is(train(out, '--epochs', '1').code, 0);
  const model = join(out, 'snapshot.msgpack');
  t.is(cli('sample', '--model', model, '--n', '9', '--steps', '5', '--out', join(out, 's.png')).code, 0);
  t.is(readFileSync(join(out, 's.png')).subarray(1, 4).toString(), 'PNG');
  t.is(cli('sample', '--model', model, '--n', '4', '--steps', '5', '--out', join(out, 's.csv')).code, 0);
  const rows = readFileSync(join(out, 's.csv'), 'utf8').trim().split('\n');
  t.is(rows.length, 4);
  t.true(rows.every((l) => l.split(',').length === 16));
  const r = cli('sample', '--model', model, '--n', '3', '--steps', '5');
  const arrays = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.is(arrays.length, 3);
  t.true(arrays.every((a) => Array.isArray(a) && a.length === 16 && a.every((x: number) => x >= 0 && x <= 1)));
});

test('extending a finished run with --resume --epochs equals one longer run (constant learning rate)', async (t) => {
  const straight = join(dir, 'straight'),
    split = join(dir, 'split');
  t.is(train(straight, '--epochs', '4', '--method', 'pcd', '--lr-schedule', 'constant').code, 0);
  t.is(train(split, '--epochs', '2', '--method', 'pcd', '--lr-schedule', 'constant').code, 0);
  const r = cli('train', '--resume', join(split, 'snapshot.msgpack'), '--epochs', '4', '--sample-steps', '0', '--json');
  t.is(r.code, 0, r.stderr);
  t.is(r.lines()[0].resumedFrom.step, 12);
  const a = await readSnapshot(join(straight, 'snapshot.msgpack'));
  const b = await readSnapshot(join(split, 'snapshot.msgpack'));
  t.is(b.counters.step, 24);
  t.true(Buffer.from(a.params.weights.buffer).equals(Buffer.from(b.params.weights.buffer)));
  t.deepEqual(a.rng, b.rng);
});

test('bad flags exit with status 2 and one clear line naming the flag, the value and what was expected', (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['train', '--hidden', '0'], /^boltzflow: --hidden: got 0, expected a number ≥ 1\n$/],
    [['train', '--lr', '-0.5'], /^boltzflow: --lr: got -0.5, expected a number > 0\n$/],
    [['train', '--method', 'sgd'], /^boltzflow: --method: got "sgd", expected one of "cd", "pcd", "pt"\n$/],
    [['train', '--k', 'two'], /^boltzflow: --k: got "two", expected a finite number\n$/],
    [
      ['train', '--bogus', '1'],
      /^boltzflow: flag: got "--bogus", expected a flag of boltzflow train \(boltzflow train --help lists them\)\n$/,
    ],
    [
      ['train', '--hiden', '8'],
      /^boltzflow: flag: got "--hiden", expected a flag of boltzflow train; did you mean --hidden\? \(boltzflow train --help lists them\)\n$/,
    ],
    [['train', '--data', csv, '--batch', '1000', '--out', join(dir, 'x')], /^boltzflow: --batch: got 1000, expected at most 60/],
    [
      ['eval', '--model', join(dir, 'nope.msgpack'), '--data', csv],
      /^boltzflow: --model: got ".*nope.msgpack", expected a readable snapshot file \(ENOENT/,
    ],
    [
      ['eval', '--data', csv],
      /^boltzflow: --model: got nothing, expected a snapshot: a file, or nats:.* \(required; boltzflow eval --help\)\n$/,
    ],
    [
      ['train', '--dashboard', '--dashboard-host', '0.0.0.0'],
      /^boltzflow: --dashboard-host: got "0.0.0.0", expected 127.0.0.1, or another interface together with --dashboard-remote/,
    ],
    [
      ['fly'],
      /^boltzflow: command: got "fly", expected one of train, eval, sample, complete, transform, export, publish, watch, dashboard, encoder, classify, hopfield, help/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, message, args.join(' '));
    t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('Ctrl-C (SIGINT) stops training and saves a snapshot; resuming it ends exactly where an uninterrupted run ends', async (t) => {
  const out = join(dir, 'interrupted');
  const args = ['train', '--data', 'mnist', '--limit', '2000', '--hidden', '20', '--epochs', '10', '--sample-steps', '0', '--json'];
  const child = spawn(process.execPath, [bin, ...args, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let sent = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    stdout += d;
    if (!sent && stdout.includes('"event":"step"')) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.is(code, 0);
  const lines = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const summary = lines.at(-1);
  t.is(summary.event, 'summary');
  t.true(summary.interrupted);
  const snap = await readSnapshot(join(out, 'snapshot.msgpack'));
  t.is(snap.counters.step, summary.steps);
  t.true(snap.counters.step >= 1 && snap.counters.step < 200, `stopped at step ${snap.counters.step} of 200`);
  t.log(`interrupted at step ${snap.counters.step} of 200`);
  const resumed = cli('train', '--resume', join(out, 'snapshot.msgpack'), '--sample-steps', '0', '--json');
  t.is(resumed.code, 0, resumed.stderr);
  const straight = cli(...args, '--out', join(dir, 'uninterrupted'));
  t.is(straight.code, 0, straight.stderr);
  const a = await readSnapshot(join(out, 'snapshot.msgpack'));
  const b = await readSnapshot(join(dir, 'uninterrupted', 'snapshot.msgpack'));
  t.is(a.counters.step, 200);
  t.true(Buffer.from(a.params.weights.buffer).equals(Buffer.from(b.params.weights.buffer)));
  t.true(Buffer.from(a.chains!.states.buffer).equals(Buffer.from(b.chains!.states.buffer)));
});

test('filters.png and samples.png are drawn readable by default (600 pixels wide or more), or at --scale pixels per image pixel', (t) => {
  const pngWidth = (path: string) => readFileSync(path).readUInt32BE(16);
  const out = join(dir, 'scaled');
  t.is(train(out).code, 0);
  // 4×4 images ten to a row: zoom 15, 10·(4·15 + 1) + 1 pixels.
  t.is(pngWidth(join(out, 'filters.png')), 611);
  t.is(pngWidth(join(out, 'samples.png')), 611);
  const small = join(dir, 'scaled-2');
  t.is(train(small, '--scale', '2').code, 0);
  t.is(pngWidth(join(small, 'filters.png')), 91);
});

test('resuming with more epochs says how it stretches a linear decay; metrics seconds continue instead of restarting at 0', (t) => {
  const out = join(dir, 'stretched');
  t.is(train(out, '--epochs', '2').code, 0);
  const r = cli('train', '--resume', join(out, 'snapshot.msgpack'), '--epochs', '4', '--sample-steps', '0');
  t.is(r.code, 0, r.stderr);
  // 60 rows, batch 10: 6 steps an epoch; at step 12 of 12 the rate was 0, of 24 it is 0.1 · (1 − 12/24).
  t.regex(
    r.stderr,
    /--epochs 4 \(the run had 2\): the linear learning-rate decay now ends at epoch 4, so at step 12 the rate is 0\.0500 instead of 0\.00\b/,
  );
  const seconds = readFileSync(join(out, 'metrics.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; seconds: number });
  t.deepEqual(
    seconds.map((s) => s.step),
    Array.from({ length: 24 }, (_, i) => i + 1),
  );
  for (let i = 1; i < seconds.length; i++) t.true(seconds[i].seconds >= seconds[i - 1].seconds, `step ${seconds[i].step}`);
});
