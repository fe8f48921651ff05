import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelArrays } from '../sinks/modelArrays.js';
import { readModelSnapshot } from '../sources/readSnapshot.js';

const bin = fileURLToPath(new URL('../cli/boltzflow.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'boltzflow-export-'));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });

/** A Python 3 with NumPy and msgpack (Debian's python3-numpy and python3-msgpack; npm test and .ci/run install them). */
const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import numpy, msgpack'], { stdio: 'ignore' }).status === 0);
function py(code: string): string {
  if (!python) throw new Error('no python3 with numpy and msgpack: bash scripts/debian-packages.sh python3-numpy python3-msgpack');
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8', cwd: dir });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

const csv = join(dir, 'bars.csv');
writeFileSync(
  csv,
  Array.from({ length: 40 }, (_, r) =>
    Array.from({ length: 16 }, (_, i) => Number(r % 2 ? i % 4 === r % 4 : Math.floor(i / 4) === r % 4)).join(','),
  ).join('\n'),
);

test('export writes what numpy.load, json and numpy.loadtxt read back bit for bit, and transform the features NumPy computes from them, for an RBM, a DBM and a DBN', async (t) => {
  const runs = {
    rbm: ['--hidden', '5'],
    dbm: ['--model', 'dbm', '--layers', '5,3'],
    dbn: ['--model', 'dbn', '--layers', '5,3'],
  };
  for (const [kind, flags] of Object.entries(runs)) {
    const out = join(dir, kind);
    const trained = cli('train', '--data', csv, ...flags, '--batch', '10', '--epochs', '2', '--out', out, '--json');
    t.is(trained.status, 0, trained.stderr);
    const snapshot = join(out, 'snapshot.msgpack');
    const expected = modelArrays(await readModelSnapshot(snapshot));
    writeFileSync(
      join(dir, `${kind}-expected.json`),
      JSON.stringify(expected.map((a) => ({ name: a.name, shape: a.shape, data: [...a.data] }))),
    );
    for (const [format, target] of [
      ['npz', `${kind}.npz`],
      ['json', `${kind}.json`],
      ['csv', `${kind}-csv`],
    ]) {
      const r = cli('export', '--model', snapshot, '--out', target, ...(format === 'csv' ? ['--format', 'csv'] : []), '--json');
      t.is(r.status, 0, r.stderr);
      t.deepEqual(JSON.parse(r.stdout).arrays, Object.fromEntries(expected.map((a) => [a.name, a.shape])));
    }
    // Python compares each array as NumPy reads it (dtype float32, the shape) with the values the snapshot holds.
    const report = py(`
import json, numpy as np
expected = json.load(open('${kind}-expected.json'))
z = np.load('${kind}.npz')
j = json.load(open('${kind}.json'))['arrays']
bad = []
for a in expected:
    want = np.array(a['data'], dtype=np.float32).reshape(a['shape'])
    got = {'npz': z[a['name']], 'json': np.array(j[a['name']]['data'], dtype=np.float32),
           'csv': np.loadtxt('${kind}-csv/' + a['name'] + '.csv', delimiter=',', dtype=np.float32, ndmin=len(a['shape']))}
    for fmt, g in got.items():
        if g.dtype != np.float32 or g.shape != want.shape or not np.array_equal(g, want):
            bad.append(f"{fmt} {a['name']} {g.dtype} {g.shape}")
print(json.dumps({'arrays': sorted(z.files), 'bad': bad}))
`);
    const { arrays, bad } = JSON.parse(report) as { arrays: string[]; bad: string[] };
    t.deepEqual(arrays, expected.map((a) => `${a.name}`).sort(), kind);
    t.deepEqual(bad, [], kind);
    // transform's features against NumPy's own arithmetic on the exported parameters: P(h | v) of an RBM, a DBN's up pass,
    // a DBM's mean-field fixed point (iterated here to convergence, so to within the CLI's tolerance).
    const tr = cli('transform', '--model', snapshot, '--data', csv, '--out', `${kind}-features.npy`, '--json');
    t.is(tr.status, 0, tr.stderr);
    const gap = py(`
import numpy as np
z = np.load('${kind}.npz')
v = np.loadtxt('${csv}', delimiter=',')
s = lambda a: 1 / (1 + np.exp(-a))
kind = '${kind}'
if kind == 'rbm':
    want = s(v @ z['weights'] + z['hidden_bias'])
elif kind == 'dbn':
    want = v
    for l in (1, 2):
        want = s(want @ z[f'layer_{l}_weights'] + z[f'layer_{l}_hidden_bias'])
else:
    W, b = [None, z['weights_1'], z['weights_2']], [None, z['hidden_bias_1'], z['hidden_bias_2']]
    q = [v, s(2 * v @ W[1] + b[1]), None]
    q[2] = s(q[1] @ W[2] + b[2])
    for _ in range(500):
        q[1] = s(v @ W[1] + q[2] @ W[2].T + b[1])
        q[2] = s(q[1] @ W[2] + b[2])
    want = np.hstack([q[1], q[2]])
got = np.load('${kind}-features.npy')
print(got.shape == want.shape and got.dtype == np.float32, float(np.abs(got - want).max()))
`)
      .trim()
      .split(' ');
    t.is(gap[0], 'True', `${kind} features: shape and dtype`);
    t.true(Number(gap[1]) < (kind === 'dbm' ? 1e-3 : 1e-5), `${kind} features differ from NumPy's by ${gap[1]}`);
  }
  t.regex(
    cli('export', '--model', join(dir, 'rbm', 'snapshot.msgpack'), '--out', 'x.txt').stderr,
    /--out: got "x\.txt", expected a file ending in \.npz or \.json/,
  );
  t.regex(
    cli('export', '--model', join(dir, 'rbm', 'snapshot.msgpack'), '--out', 'x.npz', '--format', 'json').stderr,
    /--out: got "x\.npz", expected a name for --format json, not a \.npz one/,
  );
  t.is(
    cli('export', '--model', join(dir, 'rbm', 'snapshot.msgpack'), '--out', 'runs-v1.2', '--format', 'csv').status,
    0,
    'a folder name with a dot',
  );
});

test("the README's Python snippets run: NumPy reads the export, msgpack the snapshot itself, and they agree", (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Using a model from Python'));
  const blocks = [...section.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
  t.is(blocks.length, 2);
  // The snippets' own paths: runs/mnist/snapshot.msgpack and model.npz, here from a small run.
  const run = join(dir, 'runs', 'mnist');
  mkdirSync(join(dir, 'runs'), { recursive: true });
  t.is(cli('train', '--data', csv, '--hidden', '5', '--batch', '10', '--epochs', '3', '--out', 'small', '--json').status, 0);
  symlinkSync(join(dir, 'small'), run);
  t.is(cli('export', '--model', 'runs/mnist/snapshot.msgpack', '--out', 'model.npz').status, 0);
  t.is(py(blocks[0]).trim(), '(16, 5) (1, 5)');
  t.is(py(blocks[1]).trim(), 'rbm 12 (16, 5)');
  t.is(py(`${blocks[1]}\nprint(np.array_equal(W, np.load('model.npz')['weights']))`).trim().split('\n').at(-1), 'True');
});
