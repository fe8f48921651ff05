import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandwichText } from '../cli/evaluate.js';
import { Rng } from '../kernels/Rng.js';
import { bin } from './cliRun.js';

const dir = mkdtempSync(join(tmpdir(), 'boltzflow-raise-'));
const rng = Rng.fromSeed(9);

/** 60 noisy 4×4 bars, as CSV: binary, or (`grey`) intensities in (0, 1) as MNIST's are. */
function bars(name: string, grey: boolean): string {
  const path = join(dir, name);
  const value = (on: boolean) => (grey ? (on ? 0.6 + 0.3 * rng.uniform() : 0.1 * rng.uniform()) : Number(rng.uniform() < 0.05 ? !on : on));
  const rows = Array.from({ length: 60 }, (_, r) =>
    Array.from({ length: 16 }, (_, i) => value(r % 2 ? i % 4 === r % 4 : Math.floor(i / 4) === r % 4)).join(','),
  );
  writeFileSync(path, rows.join('\n'));
  return path;
}
const binary = bars('bars.csv', false),
  grey = bars('grey.csv', true);

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  const lines = () =>
    r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  return { code: r.status, stderr: r.stderr, lines };
}

function trained(name: string, data: string, ...more: string[]): string {
  const out = join(dir, name);
  const args = [
    'train',
    '--data',
    data,
    '--hidden',
    '6',
    '--batch',
    '10',
    '--lr',
    '0.3',
    '--sample-steps',
    '0',
    '--k',
    '1',
    '--no-centering',
  ];
  const r = cli(...args, '--out', out, '--json', ...more);
  if (r.code !== 0) throw new Error(r.stderr);
  return join(out, 'snapshot.msgpack');
}
// 60 epochs: far enough from the base rate that 300 temperatures leave a visible gap.
const model = trained('rbm', binary, '--epochs', '60');

test('eval --metric ais,raise: the sandwich, RAISE below the exact mean ln P(v) and AIS within 0.15 nats of it (300 temperatures), in JSON and in words', (t) => {
  const exact = cli('eval', '--model', model, '--data', binary, '--metric', 'exact', '--json').lines()[0];
  const flags = [
    '--model',
    model,
    '--data',
    binary,
    '--metric',
    'ais,raise',
    '--ais-steps',
    '300',
    '--ais-runs',
    '50',
    '--raise-runs',
    '2',
  ];
  const r = cli('eval', ...flags, '--json');
  t.is(r.code, 0, r.stderr);
  const lines = r.lines();
  t.true(lines.some((l) => l.event === 'progress' && l.metric === 'raise'));
  const s = lines.at(-1)!;
  t.log(
    `exact ${exact.value.toFixed(4)}, AIS ${s.value.toFixed(4)}, RAISE ${s.raise.value.toFixed(4)} ± ${s.raise.standardError.toFixed(4)}`,
  );
  t.is(s.metric, 'ais,raise');
  t.true(Math.abs(s.value - exact.value) < 0.15);
  t.true(s.raise.value < exact.value, 'RAISE is conservative');
  t.is(s.raise.runs, 2);
  t.is(s.raise.n, 60);
  t.true(Math.abs(s.gap - (s.value - s.raise.value)) < 1e-9);
  const text = cli('eval', ...flags);
  t.is(text.code, 0, text.stderr);
  t.regex(
    text.stderr,
    /RAISE \(conservative, 2 reverse runs per row\): -?\d+\.\d{3} ± \d+\.\d{3}; the log-probability lies between RAISE -?\d+\.\d{3} and AIS -?\d+\.\d{3} \(a gap of \d+\.\d{3} nats\)/,
  );
  // --metric raise alone: the same estimate as in the sandwich (same seed, same chains).
  const alone = cli('eval', '--model', model, '--data', binary, '--metric', 'raise', '--ais-steps', '300', '--raise-runs', '2', '--json')
    .lines()
    .at(-1)!;
  t.is(alone.value, s.raise.value);
  t.regex(alone.bound, /RAISE: a stochastic lower bound/);
});

test('the sandwich in words: RAISE below AIS brackets the log-probability with their gap; RAISE above AIS says they agree within noise, never a negative gap', (t) => {
  t.is(sandwichText(-5.1, -5.3), 'the log-probability lies between RAISE -5.300 and AIS -5.100 (a gap of 0.200 nats)');
  t.is(
    sandwichText(-5.179, -5.148),
    'RAISE lies 0.031 nats above AIS: the two agree within their noise (no gap to bracket the log-probability with)',
  );
});

test('eval --metric ais says in words when the lower 3σ bound of ln Z is undefined (JSON: null and logZLowUndefined), never "-Infinity"', (t) => {
  const flags = ['--model', model, '--data', binary, '--metric', 'ais', '--ais-steps', '3', '--ais-runs', '2', '--seed', '1'];
  const j = cli('eval', ...flags, '--json')
    .lines()
    .at(-1)!;
  t.is(j.logZLow, null);
  t.is(j.valueHigh, null);
  t.regex(j.logZLowUndefined, /undefined: the runs' mean weight r̂ minus three standard errors σ̂ is ≤ 0/);
  const text = cli('eval', ...flags);
  t.is(text.code, 0, text.stderr);
  t.regex(
    text.stderr,
    /lower 3σ bound undefined: the runs' mean weight r̂ minus three standard errors σ̂ is ≤ 0 .*--ais-runs or --ais-steps/,
  );
  t.regex(text.stderr, /the log-probability is at least -?\d+\.\d{3}, with no upper 3σ bound/);
  t.notRegex(text.stderr, /Infinity/);
});

test('eval --metric exact|ais|raise of data that are not binary is refused in one line naming --binarize and what to pass; --binarize stochastic runs', (t) => {
  const greyModel = trained('grey', grey, '--epochs', '3');
  for (const metric of ['exact', 'ais', 'raise', 'ais,raise']) {
    const r = cli('eval', '--model', greyModel, '--data', grey, '--metric', metric, '--ais-steps', '10');
    t.is(r.code, 2, r.stderr);
    t.regex(
      r.stderr,
      new RegExp(
        `^boltzflow: --binarize: got "none", expected stochastic or threshold for --metric ${metric}: .*grey\\.csv has values between 0 and 1 \\(row 0, column 0: .*\\), and ln P\\(v\\) is a log-probability of binary vectors only \\(pass --binarize stochastic, as the papers do\\)\\n$`,
      ),
    );
  }
  const ok = cli('eval', '--model', greyModel, '--data', grey, '--metric', 'exact', '--binarize', 'stochastic', '--json');
  t.is(ok.code, 0, ok.stderr);
  t.true(ok.lines()[0].value < 0);
  // Pseudo-likelihood and free energy stay defined on intensities.
  t.is(cli('eval', '--model', greyModel, '--data', grey, '--metric', 'free-energy').code, 0);
});

test('eval of a DBM refuses data that are not binary in the same words; a Gaussian model refuses RAISE', (t) => {
  const out = join(dir, 'dbm');
  const r = cli('train', '--data', grey, '--model', 'dbm', '--layers', '4,3', '--epochs', '1', '--batch', '10', '--out', out, '--json');
  t.is(r.code, 0, r.stderr);
  const e = cli('eval', '--model', join(out, 'snapshot.msgpack'), '--data', grey, '--metric', 'exact');
  t.is(e.code, 2);
  t.regex(
    e.stderr,
    /^boltzflow: --binarize: got "none", expected stochastic or threshold for --metric exact: .*\(pass --binarize stochastic, as the papers do\)\n$/,
  );
  const gaussian = trained('gaussian', grey, '--epochs', '1', '--visible', 'gaussian');
  const g = cli('eval', '--model', gaussian, '--data', grey, '--metric', 'raise');
  t.is(g.code, 2);
  t.regex(g.stderr, /--metric: got "raise", expected reconstruction, free-energy or exact for a model with Gaussian visible units/);
});
