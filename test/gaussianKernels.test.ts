import test from 'ava';
import type { Backend } from '../kernels/Backend.js';
import { Rng } from '../kernels/Rng.js';
import { availableBackends } from '../kernels/selectBackend.js';

// The kernels of Gaussian visible units (Backend.addBias, expScaleColumns, expScaleRows,
// varianceGradient, gaussianSample) on every backend, held to values computed here in float64 from
// their definitions (the js reference's arithmetic), so that the js backend is checked too.

const backends = Object.entries(availableBackends());

/** Floats from the seed: normals scaled by `scale`. */
function floats(n: number, seed: number, scale = 1): Float32Array {
  const rng = Rng.fromSeed(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/**
 * Where an operand of `n` floats lives: an ordinary array, a view at an odd offset of a longer one,
 * or an array in the backend's own memory (where it has one), each filled with `values`.
 */
function homes(backend: Backend): Array<[string, (values: Float32Array) => Float32Array]> {
  const list: Array<[string, (values: Float32Array) => Float32Array]> = [
    ['array', (v) => v.slice()],
    [
      'view',
      (v) => {
        const a = new Float32Array(v.length + 4).subarray(3, 3 + v.length);
        a.set(v);
        return a;
      },
    ],
  ];
  if (backend.allocate)
    list.push([
      'resident',
      (v) => {
        const a = backend.allocate!(v.length);
        a.set(v);
        return a;
      },
    ]);
  return list;
}

/** |a − b| ≤ ulps float32 steps of b (2⁻²³·|b| each), or the first index where not. */
function firstApart(a: Float32Array, b: ArrayLike<number>, ulps: number): number {
  for (let k = 0; k < a.length; k++) if (!(Math.abs(a[k] - b[k]) <= ulps * 2 ** -23 * Math.abs(b[k]))) return k;
  return a.length === b.length ? -1 : a.length;
}

const shapes: Array<[number, number]> = [
  [0, 3],
  [1, 1],
  [1, 5],
  [2, 7],
  [5, 3],
  [3, 9],
  [4, 4],
  [7, 13],
  [33, 2],
];

for (const [name, backend] of backends) {
  test(`${name}: addBias exact, expScaleColumns and expScaleRows within 1 float32 step of the float64 definition, for odd shapes, views, resident arrays and in place`, (t) => {
    for (const [rows, cols] of shapes)
      for (const [home, put] of homes(backend)) {
        const what = `${rows}×${cols} ${home}`;
        const x0 = floats(rows * cols, rows * 31 + cols, 3),
          b = put(floats(cols, cols + 100)),
          z = put(floats(cols, cols + 200, 0.7));
        const plus = Float32Array.from(x0, (v, k) => v + b[k % cols]);
        const x = put(x0),
          out = put(new Float32Array(rows * cols).fill(9));
        backend.addBias(x, b, out);
        t.deepEqual(Array.from(out), Array.from(plus), `addBias ${what}`);
        backend.addBias(x, b, x);
        t.deepEqual(Array.from(x), Array.from(plus), `addBias in place ${what}`);
        for (const c of [-1, 0.5]) {
          const cols_ = Array.from(x0, (v, k) => Math.fround(v * Math.exp(c * z[k % cols])));
          const y = put(x0);
          backend.expScaleColumns(y, z, c, out);
          t.is(firstApart(out, cols_, 1), -1, `expScaleColumns c=${c} ${what}`);
          backend.expScaleColumns(y, z, c, y);
          t.deepEqual(Array.from(y), Array.from(out), `expScaleColumns in place ${what}`);
          // expScaleRows: the same floats seen as cols rows of `rows` floats each.
          const rowsExpected = Array.from(x0, (v, k) => Math.fround(v * Math.exp(c * z[Math.floor(k / rows)])));
          const a = put(x0);
          backend.expScaleRows(a, z, c);
          t.is(firstApart(a, rowsExpected, 1), -1, `expScaleRows c=${c} ${what}`);
        }
      }
    t.throws(() => backend.addBias(new Float32Array(7), new Float32Array(3), new Float32Array(7)), {
      message: /^addBias x: got "length 7", expected a multiple of 3/,
    });
    t.throws(() => backend.expScaleColumns(new Float32Array(6), new Float32Array(3), -1, new Float32Array(5)), {
      message: /^expScaleColumns out/,
    });
    t.throws(() => backend.expScaleRows(new Float32Array(5), new Float32Array(2), -1), { message: /^expScaleRows a/ });
  });

  test(`${name}: varianceGradient accumulates alpha·((v − b)²/2 − v·wh) row by row, rounded to float32 at each row: the reference's bits exactly`, (t) => {
    for (const [rows, cols] of shapes)
      for (const [home, put] of homes(backend)) {
        const v = put(floats(rows * cols, 7 + rows, 2)),
          wh = put(floats(rows * cols, 8 + cols)),
          b = put(floats(cols, 9)),
          g0 = floats(cols, 10, 0.1),
          alpha = -1 / (rows || 1);
        const expected = g0.slice();
        for (let r = 0; r < rows; r++)
          for (let i = 0, k = r * cols; i < cols; i++, k++) expected[i] += alpha * ((v[k] - b[i]) ** 2 / 2 - v[k] * wh[k]);
        const g = put(g0);
        backend.varianceGradient(v, wh, b, alpha, g);
        t.deepEqual(Array.from(g), Array.from(expected), `${rows}×${cols} ${home}`);
      }
    t.throws(() => backend.varianceGradient(new Float32Array(6), new Float32Array(5), new Float32Array(3), 1, new Float32Array(3)), {
      message: /^varianceGradient wh/,
    });
  });

  test(`${name}: gaussianSample draws N(mean, e^z/β): 40,000 draws per column have mean, variance, 4th moment and lag-1 correlation within 4 standard errors; same seed → same bits, in place, views`, (t) => {
    const cols = 7,
      rows = 40_000,
      beta = 2;
    const z = floats(cols, 3, 0.5),
      means = Float32Array.from({ length: rows * cols }, (_, k) => (k % cols) - 3);
    const out = new Float32Array(means.length);
    backend.gaussianSample(means, z, beta, Rng.fromSeed(21), out);
    for (let j = 0; j < cols; j++) {
      const s2 = Math.exp(z[j]) / beta;
      let m1 = 0,
        m2 = 0,
        m4 = 0,
        lag = 0;
      for (let r = 0; r < rows; r++) {
        const e = out[r * cols + j] - means[j];
        m1 += e;
        m2 += e * e;
        m4 += e ** 4;
        if (r > 0) lag += e * (out[(r - 1) * cols + j] - means[j]);
      }
      m1 /= rows;
      m2 /= rows;
      m4 /= rows;
      lag /= rows - 1;
      t.true(Math.abs(m1) < 4 * Math.sqrt(s2 / rows), `column ${j} mean offset ${m1}`);
      t.true(Math.abs(m2 - s2) < 4 * s2 * Math.sqrt(2 / rows), `column ${j} variance ${m2} vs ${s2}`);
      t.true(Math.abs(m4 / s2 ** 2 - 3) < 4 * Math.sqrt(96 / rows), `column ${j} kurtosis ${m4 / s2 ** 2}`);
      t.true(Math.abs(lag / s2) < 4 / Math.sqrt(rows), `column ${j} lag-1 correlation ${lag / s2}`);
    }
    // Neighbouring columns (Box–Muller's cos and sin of one pair on the SIMD backends) are uncorrelated too.
    let c01 = 0;
    for (let r = 0; r < rows; r++) c01 += (out[r * cols] - means[0]) * (out[r * cols + 1] - means[1]);
    t.true(
      Math.abs(c01 / rows / Math.sqrt((Math.exp(z[0]) * Math.exp(z[1])) / beta ** 2)) < 4 / Math.sqrt(rows),
      `columns 0, 1: ${c01 / rows}`,
    );
    for (const [home, put] of homes(backend))
      for (const n of [1, 3, 5, 13]) {
        const m = put(means.subarray(0, n * cols)),
          zz = put(z);
        const a = new Float32Array(n * cols);
        const rng = Rng.fromSeed(5);
        backend.gaussianSample(m, zz, 1, rng, a);
        t.notDeepEqual(rng.state(), Rng.fromSeed(5).state(), 'the draws come from the run generator');
        backend.gaussianSample(m, zz, 1, Rng.fromSeed(5), m); // out may be means
        t.deepEqual(Array.from(m), Array.from(a), `${n} rows ${home}: the same seed, the same draws`);
      }
  });
}

test('js gaussianSample is means + (e^{z/2}/√β)·rng.normal() in row-major order: the same bits and generator state as before the kernel', (t) => {
  const cols = 5,
    means = floats(11 * cols, 1),
    z = floats(cols, 2, 0.6),
    beta = 1.7;
  const rng = Rng.fromSeed(3),
    expected = new Float32Array(means.length);
  for (let k = 0; k < means.length; k++) expected[k] = means[k] + (Math.exp(0.5 * z[k % cols]) / Math.sqrt(beta)) * rng.normal();
  const mine = Rng.fromSeed(3),
    out = new Float32Array(means.length);
  availableBackends().js.gaussianSample(means, z, beta, mine, out);
  t.deepEqual(Array.from(out), Array.from(expected));
  t.deepEqual(mine.state(), rng.state());
});

const { wasm, native } = availableBackends();
test('wasm and native gaussianSample draw the same normals (the same lanes and Box–Muller), within 2 float32 steps (their ln, sin, cos are their own)', (t) => {
  if (!wasm || !native) return t.pass('needs both the wasm and the native backend');
  const cols = 9,
    means = floats(1001 * cols, 4),
    z = floats(cols, 5);
  const a = new Float32Array(means.length),
    b = new Float32Array(means.length);
  wasm.gaussianSample(means, z, 1.3, Rng.fromSeed(8), a);
  native.gaussianSample(means, z, 1.3, Rng.fromSeed(8), b);
  let worst = 0;
  for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]) / (2 ** -23 * Math.max(1, Math.abs(b[k]))));
  t.true(worst <= 2, `worst ${worst} float32 steps`);
});
