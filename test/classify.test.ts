import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../kernels/Rng.js';
import { bin, runCli } from './cliRun.js';

// `boltzflow classify` on a toy problem with three classes: each record is its class's prototype
// (12 binary inputs) with 10% of the bits flipped.
const dir = mkdtempSync(join(tmpdir(), 'boltzflow-classify-'));
const rng = Rng.fromSeed(3);
const prototypes = [0, 1, 2].map(() => Array.from({ length: 12 }, () => (rng.uniform() < 0.5 ? 1 : 0)));
function write(name: string, rows: number): void {
  const inputs: string[] = [],
    labels: string[] = [];
  for (let r = 0; r < rows; r++) {
    const y = r % 3;
    inputs.push(prototypes[y].map((x) => (rng.uniform() < 0.1 ? 1 - x : x)).join(','));
    labels.push(String(y));
  }
  writeFileSync(join(dir, `${name}.csv`), inputs.join('\n') + '\n');
  writeFileSync(join(dir, `${name}-labels.txt`), labels.join('\n') + '\n');
}
write('train', 305); // a short last minibatch of 5
write('test', 150);
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, 'classify', ...args], { cwd: dir, encoding: 'utf8' });
const events = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

for (const objective of ['discriminative', 'hybrid', 'generative'] as const)
  test(`classify --objective ${objective} learns the toy problem (test error < 10%), reports every epoch, saves a model that --model tests the same`, (t) => {
    const out = `run-${objective}`;
    const r = cli(
      ...['--data', 'train.csv', '--labels', 'train-labels.txt', '--test', 'test.csv', '--test-labels', 'test-labels.txt'],
      ...['--hidden', '16', '--epochs', '15', '--batch', '10', '--objective', objective, '--out', out, '--json'],
      // The generative default (0.05) suits MNIST's 60,000 records; 450 steps here need more.
      ...(objective === 'generative' ? ['--lr', '0.3'] : []),
    );
    t.is(r.status, 0, r.stderr);
    const all = events(r.stdout);
    const epochs = all.filter((e) => e.event === 'epoch');
    t.is(epochs.length, 15);
    const summary = all.at(-1)!;
    t.like(summary, { event: 'summary', objective, classes: 3, trainingRows: 305, testRows: 150 });
    t.true((summary.testError as number) < 0.1, `test error ${summary.testError as number}`);
    t.is(summary.testError, epochs.at(-1)!.testError);
    if (objective !== 'generative') t.is(typeof epochs[0].trainingError, 'number');
    // The metrics hold the test error at each epoch end, and it is drawn.
    const logged = readFileSync(join(dir, out, 'metrics.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { testError?: number });
    t.is(logged.filter((l) => l.testError !== undefined).length, 15);
    t.true(existsSync(join(dir, out, 'curves-test-error.png')));
    const again = cli('--model', join(out, 'snapshot.msgpack'), '--test', 'test.csv', '--test-labels', 'test-labels.txt', '--json');
    t.is(again.status, 0, again.stderr);
    t.like(events(again.stdout).at(-1), { event: 'summary', testRows: 150, testError: summary.testError });
  });

test('classify refuses data without labels, a label count that differs, a bad label line, an unknown test class and a model folder in use, each naming the flag', (t) => {
  const refused = (pattern: RegExp, ...args: string[]) => {
    const r = cli(...args);
    t.is(r.status, 2, r.stderr);
    t.regex(r.stderr, pattern);
  };
  refused(/--labels: got nothing, expected the labels of --data train\.csv/, '--data', 'train.csv');
  writeFileSync(join(dir, 'short.txt'), '0\n1\n');
  refused(/--labels: got "2 labels", expected 305, one per record of --data train\.csv/, '--data', 'train.csv', '--labels', 'short.txt');
  writeFileSync(join(dir, 'bad.txt'), '0\n1\nseven\n');
  refused(/bad\.txt line 3: got "seven", expected a class label/, '--data', 'train.csv', '--labels', 'bad.txt', '--limit', '3');
  writeFileSync(join(dir, 'five.txt'), Array.from({ length: 150 }, () => '5').join('\n'));
  refused(
    /--test-labels label 1: got 5, expected a class the model has: 0 … 2/,
    ...['--data', 'train.csv', '--labels', 'train-labels.txt', '--test', 'test.csv', '--test-labels', 'five.txt'],
  );
  const out = 'run-busy';
  t.is(cli('--data', 'train.csv', '--labels', 'train-labels.txt', '--hidden', '4', '--epochs', '1', '--out', out).status, 0);
  refused(
    /--out: got "run-busy", expected a folder that holds no run yet \(it has snapshot\.msgpack\)/,
    ...['--data', 'train.csv', '--labels', 'train-labels.txt', '--out', out],
  );
  mkdirSync(join(dir, 'run-metrics'));
  writeFileSync(join(dir, 'run-metrics', 'metrics.ndjson'), '{"event":"step","step":1}\n');
  refused(
    /--out: got "run-metrics", expected a folder that holds no run yet \(it has metrics\.ndjson\)/,
    ...['--data', 'train.csv', '--labels', 'train-labels.txt', '--out', 'run-metrics'],
  );
  refused(
    /^boltzflow: --test-labels: .*missing\.txt/,
    ...['--data', 'train.csv', '--labels', 'train-labels.txt', '--test', 'test.csv', '--test-labels', 'missing.txt'],
  );
  refused(/--test: got nothing, expected the inputs to classify with --model/, '--model', join(out, 'snapshot.msgpack'));
});

test('SIGTERM stops classify cleanly: the run exits 0 with an interrupted summary, and the model it saved is tested again by --model', async (t) => {
  const out = join(dir, 'run-stopped');
  const run = runCli([
    'classify',
    ...['--data', join(dir, 'train.csv'), '--labels', join(dir, 'train-labels.txt'), '--test', join(dir, 'test.csv')],
    ...['--test-labels', join(dir, 'test-labels.txt'), '--hidden', '16', '--epochs', '100000', '--batch', '10', '--out', out, '--json'],
  ]);
  await run.waitFor((e) => e.event === 'epoch' && (e.epoch as number) >= 2);
  run.child.kill('SIGTERM');
  const { code, stderr } = await run.exited;
  t.is(code, 0, stderr);
  const summary = run.events.at(-1)!;
  t.like(summary, { event: 'summary', interrupted: true, signal: 'SIGTERM' });
  t.is(typeof summary.testError, 'number', 'the last epoch end’s test error');
  const again = cli('--model', join(out, 'snapshot.msgpack'), '--test', 'test.csv', '--test-labels', 'test-labels.txt', '--json');
  t.is(again.status, 0, again.stderr);
  t.is(typeof events(again.stdout).at(-1)!.testError, 'number');
});

for (const [kind, epochs, what] of [
  ['dbn', 5, 'by backpropagation'],
  ['dbm', 3, 'each record with its mean-field h² as extra input'],
] as const)
  test(`classify --model ${kind.toUpperCase()} fine-tunes a trained ${kind.toUpperCase()}, ${what}: test error at every epoch, under 5% at the end, lower cross-entropy at the end than after the first epoch; --out refused`, (t) => {
    const trained = spawnSync(
      process.execPath,
      [
        bin,
        'train',
        '--model',
        kind,
        '--layers',
        '16,8',
        '--data',
        'train.csv',
        '--batch',
        '10',
        '--epochs',
        String(epochs),
        '--out',
        kind,
        '--json',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    t.is(trained.status, 0, trained.stderr);
    const model = join(kind, 'snapshot.msgpack');
    const r = cli(
      ...[
        '--model',
        model,
        '--data',
        'train.csv',
        '--labels',
        'train-labels.txt',
        '--test',
        'test.csv',
        '--test-labels',
        'test-labels.txt',
      ],
      ...['--epochs', '30', '--batch', '10', '--lr', '0.5', '--json'],
    );
    t.is(r.status, 0, r.stderr);
    const all = events(r.stdout);
    const perEpoch = all.filter((e) => e.event === 'epoch');
    t.is(perEpoch.length, 30);
    const summary = all.at(-1)!;
    t.like(summary, { event: 'summary', fineTuned: 'backpropagation', classes: 3, testRows: 150 });
    t.true((summary.testError as number) < 0.05, `test error ${summary.testError as number}`);
    t.true((perEpoch.at(-1)!.crossEntropy as number) < (perEpoch[0].crossEntropy as number));
    const out = cli('--model', model, '--test', 'test.csv', '--test-labels', 'test-labels.txt', '--out', 'ft');
    t.is(out.status, 2);
    t.regex(out.stderr, new RegExp(`--out: got "ft", expected no --out with a ${kind.toUpperCase()}`));
  });
