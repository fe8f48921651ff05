import { spawnSync } from 'node:child_process';
import test from 'ava';
import { createJsBackend, jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { bytesOf, randomMatrix } from './helpers.js';

test('each createJsBackend() is a backend of its own that gives the reference jsBackend’s bits', (t) => {
  const mine = createJsBackend(),
    other = createJsBackend();
  t.not(mine, jsBackend);
  t.not(mine, other);
  const rng = Rng.fromSeed(3);
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const)
    for (const density of [1, 0.2]) {
      const [m, k, n] = [9, 31, 13];
      const a = randomMatrix(ta ? k : m, ta ? m : k, rng, density),
        b = randomMatrix(tb ? n : k, tb ? k : n, rng);
      const c0 = randomMatrix(m, n, rng),
        c1 = c0.clone(),
        c2 = c0.clone();
      jsBackend.gemm(ta, tb, 0.5, a, b, 0.25, c0);
      mine.gemm(ta, tb, 0.5, a, b, 0.25, c1);
      // Interleaved with another backend's bigger call, which grows that one's scratch, not this one's.
      other.gemm(
        ta,
        tb,
        1,
        randomMatrix(ta ? 2 * k : m, ta ? m : 2 * k, rng, density),
        randomMatrix(tb ? n : 2 * k, tb ? 2 * k : n, rng),
        0,
        Matrix.zeros(m, n),
      );
      mine.gemm(ta, tb, 0.5, a, b, 0.25, c2);
      t.deepEqual(bytesOf(c1.data), bytesOf(c0.data), `gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} density ${density}`);
      t.deepEqual(bytesOf(c2.data), bytesOf(c0.data));
    }
  const x = randomMatrix(17, 11, rng),
    s0 = new Float32Array(11),
    s1 = new Float32Array(11);
  jsBackend.columnSums(x, 0.5, 0, s0);
  mine.columnSums(x, 0.5, 0, s1);
  t.deepEqual(bytesOf(s1), bytesOf(s0));
});

// What a module global would keep: a backend's scratch outlives it. In a child, with gc exposed:
// a sparse A·Bᵀ transposes B (2000×4000 floats, 32 MB) into the backend's scratch.
const script = `const { createJsBackend, Matrix } = await import(${JSON.stringify(new URL('../index.js', import.meta.url).href)});
const mb = () => { gc(); gc(); return process.memoryUsage().arrayBuffers / 2 ** 20; };
const a = Matrix.zeros(1, 4000), b = Matrix.zeros(2000, 4000), c = Matrix.zeros(1, 2000);
a.data[7] = 1; b.data.fill(0.5);
const base = mb();
let backend = createJsBackend();
backend.gemm(false, true, 1, a, b, 0, c);
const used = mb() - base;
backend = null;
await new Promise((r) => setTimeout(r, 10));
console.log(JSON.stringify({ used, left: mb() - base, c: c.data[0] }));`;

test('a js backend’s scratch buffers are its own: they go with it, no module keeps them', (t) => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const { used, left, c } = JSON.parse(r.stdout) as { used: number; left: number; c: number };
  t.is(c, 0.5);
  t.true(used >= 30, `the transpose's scratch (32 MB) is held while the backend lives: ${used.toFixed(1)} MB`);
  t.true(left < 2, `and freed with the backend: ${left.toFixed(1)} MB left`);
});
