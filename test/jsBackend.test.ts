import test from 'ava';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { jsBackend as be } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { randomMatrix } from './helpers.js';

/** C = alpha·op(A)·op(B) + beta·C in float64, the plain triple loop. */
function naive(ta: boolean, tb: boolean, alpha: number, a: Matrix, b: Matrix, beta: number, c: Matrix): Float64Array {
  const m = c.rows,
    n = c.cols,
    k = ta ? a.rows : a.cols;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a.get(p, i) : a.get(i, p)) * (tb ? b.get(j, p) : b.get(p, j));
      out[i * n + j] = alpha * s + beta * c.get(i, j);
    }
  return out;
}

const shapes: Array<[number, number, number]> = [
  [1, 1, 1],
  [1, 7, 1],
  [7, 1, 1],
  [1, 1, 9],
  [3, 5, 7],
  [13, 17, 19],
  [33, 8, 65],
  [100, 31, 3],
  [4, 64, 4],
  [2, 3, 1],
];

for (const [ta, tb] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const)
  for (const density of [1, 0.2]) {
    test(`gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} (left operand ${density * 100}% nonzero) matches the float64 triple loop within 1e-5 relative`, (t) => {
      const rng = Rng.fromSeed(42);
      for (const [m, k, n] of shapes) {
        const a = randomMatrix(ta ? k : m, ta ? m : k, rng, density);
        const b = randomMatrix(tb ? n : k, tb ? k : n, rng);
        const c = randomMatrix(m, n, rng);
        for (const [alpha, beta] of [
          [1, 0],
          [0.5, 1],
          [-2, 0.25],
        ]) {
          const c2 = c.clone();
          const want = naive(ta, tb, alpha, a, b, beta, c2);
          be.gemm(ta, tb, alpha, a, b, beta, c2);
          let worst = 0;
          for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(c2.data[i] - want[i]) / (1 + Math.abs(want[i])));
          t.true(worst < 1e-5, `${m}×${k}×${n} α=${alpha} β=${beta}: error ${worst}`);
        }
      }
    });
  }

test('gemm refuses mismatched shapes and an output that aliases an input', (t) => {
  const a = Matrix.zeros(2, 3),
    b = Matrix.zeros(4, 5);
  t.throws(() => be.gemm(false, false, 1, a, b, 0, Matrix.zeros(2, 5)), { instanceOf: BoltzflowError, message: /gemm shapes/ });
  const sq = Matrix.zeros(3, 3);
  t.throws(() => be.gemm(false, false, 1, sq, Matrix.zeros(3, 3), 0, sq), { instanceOf: BoltzflowError, message: /gemm output/ });
});

test('sigmoid applies σ(β(x + bias)) per column and stays finite for huge inputs', (t) => {
  const x = Matrix.from([
    [0, 1],
    [-1000, 1000],
  ]);
  const out = Matrix.zeros(2, 2);
  be.sigmoid(x, Float32Array.of(0, -1), 2, out);
  t.true(Math.abs(out.get(0, 0) - 0.5) < 1e-7);
  t.true(Math.abs(out.get(0, 1) - 0.5) < 1e-7);
  t.is(out.get(1, 0), 0);
  t.is(out.get(1, 1), 1);
});

test('bernoulli frequencies match p within 0.01 over 100k draws, and are reproducible', (t) => {
  const p = new Float32Array(100_000).fill(0.3);
  const out = new Float32Array(p.length);
  be.bernoulli(p, Rng.fromSeed(1), out);
  const mean = out.reduce((a, b) => a + b, 0) / out.length;
  t.true(Math.abs(mean - 0.3) < 0.01, `mean ${mean}`);
  t.true(out.every((x) => x === 0 || x === 1));
  const again = new Float32Array(p.length);
  be.bernoulli(p, Rng.fromSeed(1), again);
  t.deepEqual(again, out);
});

test('columnSums, rowDots, dot, squaredDistance, firstOutside and axpby agree with hand-computed values', (t) => {
  const a = Matrix.from([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const cs = Float32Array.of(10, 10, 10);
  be.columnSums(a, 2, 1, cs);
  t.deepEqual([...cs], [20, 24, 28]);
  const rd = new Float64Array(2);
  be.rowDots(a, Float32Array.of(1, 0, -1), rd);
  t.deepEqual([...rd], [-2, -2]);
  t.is(be.dot(Float32Array.of(1, 2, 3), Float32Array.of(4, 5, 6)), 32);
  t.is(be.squaredDistance(Float32Array.of(1, 2), Float32Array.of(3, 5)), 13);
  t.is(be.firstOutside(Float32Array.of(0, 1, 0.5, 1.5, NaN), 0, 1), 3);
  t.is(be.firstOutside(Float32Array.of(0, NaN), 0, 1), 1);
  t.is(be.firstOutside(Float32Array.of(0, 1), 0, 1), -1);
  const y = Float32Array.of(1, 1);
  be.axpby(2, Float32Array.of(3, 4), 0.5, y);
  t.deepEqual([...y], [6.5, 8.5]);
});

test('momentumStep: v ← m·v + lr·(g − decay·w), w ← w + v in one pass, returning Σw² afterwards', (t) => {
  const g = Float32Array.of(1, -2, 0.5),
    v = Float32Array.of(0.1, 0, -0.2),
    w = Float32Array.of(1, 2, 3);
  const want = [0, 1, 2].map((i) => {
    const step = 0.9 * v[i] + 0.1 * (g[i] - 0.01 * w[i]);
    return [step, w[i] + step];
  });
  const sumSq = be.momentumStep(g, v, w, 0.1, 0.9, 0.01);
  for (let i = 0; i < 3; i++) {
    t.true(Math.abs(v[i] - want[i][0]) < 1e-7);
    t.true(Math.abs(w[i] - want[i][1]) < 1e-6);
  }
  t.true(Math.abs(sumSq - want.reduce((s, [, x]) => s + x * x, 0)) < 1e-5);
});

test('softplusRowSums equals Σ ln(1 + e^(β(x + bias))) and does not overflow at ±1000', (t) => {
  const x = Matrix.from([
    [0, 1, -2],
    [1000, -1000, 30],
  ]);
  const out = new Float64Array(2);
  be.softplusRowSums(x, Float32Array.of(0, 0.5, 0), 1, out);
  t.true(Math.abs(out[0] - (Math.log(2) + Math.log1p(Math.exp(1.5)) + Math.log1p(Math.exp(-2)))) < 1e-12);
  t.true(Math.abs(out[1] - (1000 + Math.log1p(Math.exp(-999.5)) + 30 + Math.log1p(Math.exp(-30)))) < 1e-9);
  be.softplusRowSums(x, Float32Array.of(0, 0.5, 0), 0.5, out);
  t.true(Math.abs(out[0] - (Math.log(2) + Math.log1p(Math.exp(0.75)) + Math.log1p(Math.exp(-1)))) < 1e-12);
});
