import test from 'ava';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { allocateMatrix } from '../kernels/allocateMatrix.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { loadWasmBackend } from '../kernels/wasmBackend.js';
import { wasmHeap } from '../kernels/wasmHeap.js';
import { minibatches } from '../sources/minibatches.js';
import { bytesOf, randomMatrix } from './helpers.js';

// Arrays from the wasm backend's `allocate` live in its memory and are used in place. Every method
// must give the same bits on them as on ordinary arrays (which it copies), whatever the mix.
const wasm = loadWasmBackend()!;

/** A copy of `m` in the backend's memory. */
const resident = (m: Matrix): Matrix => allocateMatrix(wasm, m.rows, m.cols).copyFrom(m);
const residentArray = (a: Float32Array): Float32Array => {
  const r = wasm.allocate!(a.length);
  r.set(a);
  return r;
};
const same = (a: Float32Array, b: Float32Array) => bytesOf(a).equals(bytesOf(b));

test('allocate: zero-filled arrays on shared memory, 64-byte aligned, bad lengths refused; the js backend has none', (t) => {
  t.is(typeof jsBackend.allocate, 'undefined');
  const a = wasm.allocate!(1001);
  t.is(a.length, 1001);
  t.true(a.buffer instanceof SharedArrayBuffer);
  t.true(a.every((x) => x === 0));
  t.is(a.byteOffset % 64, 0);
  t.is(allocateMatrix(jsBackend, 2, 3).data.buffer instanceof SharedArrayBuffer, false);
  t.throws(() => wasm.allocate!(-1), { instanceOf: BoltzflowError, message: /length: got -1, expected an integer ≥ 0/ });
  t.throws(() => allocateMatrix(wasm, 2.5, 3), { instanceOf: BoltzflowError, message: /rows: got 2.5/ });
});

for (const [ta, tb] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const)
  test(`wasm gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} gives the same bits with any of A, B and C resident (views included) as with none`, (t) => {
    const rng = Rng.fromSeed(21);
    for (const [m, k, n, density] of [
      [100, 784, 500, 0.2],
      [7, 30, 50, 1],
      [13, 5, 29, 0.3],
    ] as const) {
      const a = randomMatrix(ta ? k : m, ta ? m : k, rng, density);
      const b = randomMatrix(tb ? n : k, tb ? k : n, rng);
      const c = randomMatrix(m, n, rng);
      const want = c.clone();
      wasm.gemm(ta, tb, 0.7, a, b, 0.5, want);
      for (let mask = 1; mask < 8; mask++) {
        const ra = mask & 1 ? resident(a) : a,
          rb = mask & 2 ? resident(b) : b,
          rc = mask & 4 ? resident(c) : c.clone();
        wasm.gemm(ta, tb, 0.7, ra, rb, 0.5, rc);
        t.true(same(rc.data, want.data), `${m}×${k}×${n}, resident ${mask & 1 ? 'A' : ''}${mask & 2 ? 'B' : ''}${mask & 4 ? 'C' : ''}`);
      }
      // Views of a larger resident buffer (a short last minibatch): the rows past the view are untouched.
      const bigA = allocateMatrix(wasm, a.rows + 3, a.cols),
        bigC = allocateMatrix(wasm, m + 3, n);
      bigA.data.set(a.data);
      bigC.data.fill(9);
      bigC.data.set(c.data);
      if (!ta) {
        wasm.gemm(ta, tb, 0.7, bigA.topRows(m), b, 0.5, bigC.topRows(m));
        t.true(same(bigC.topRows(m).data, want.data), `${m}×${k}×${n} through views`);
        t.true(
          bigC.data.subarray(m * n).every((x) => x === 9),
          'rows past the view stay as they were',
        );
      }
    }
  });

test('wasm sigmoid, bernoulli, columnSums and momentumStep give the same bits on resident operands, in place or not', (t) => {
  const rng = Rng.fromSeed(5);
  const x = randomMatrix(37, 53, rng),
    bias = Float32Array.from({ length: 53 }, () => rng.normal());
  const want = Matrix.zeros(37, 53);
  wasm.sigmoid(x, bias, 0.8, want);
  for (const [name, xi, out] of [
    ['x resident, out plain', resident(x), Matrix.zeros(37, 53)],
    ['x plain, out resident', x, allocateMatrix(wasm, 37, 53)],
    ['both resident', resident(x), allocateMatrix(wasm, 37, 53)],
  ] as const) {
    wasm.sigmoid(xi, residentArray(bias), 0.8, out);
    t.true(same(out.data, want.data), `sigmoid: ${name}`);
  }
  const inPlace = resident(x);
  wasm.sigmoid(inPlace, bias, 0.8, inPlace);
  t.true(same(inPlace.data, want.data), 'sigmoid: out = x, resident');

  const p = want.data,
    draws = new Float32Array(p.length);
  wasm.bernoulli(p, Rng.fromSeed(3), draws);
  for (const [name, pi, out] of [
    ['p resident, out plain', residentArray(p), new Float32Array(p.length)],
    ['p plain, out resident', p, wasm.allocate!(p.length)],
    ['both resident', residentArray(p), wasm.allocate!(p.length)],
  ] as const) {
    wasm.bernoulli(pi, Rng.fromSeed(3), out);
    t.true(same(out, draws), `bernoulli: ${name}`);
  }
  const pp = residentArray(p);
  wasm.bernoulli(pp, Rng.fromSeed(3), pp);
  t.true(same(pp, draws), 'bernoulli: out = p, resident');

  const sums = Float32Array.from({ length: 53 }, (_, i) => i);
  const wantSums = sums.slice();
  wasm.columnSums(x, 0.5, 0.25, wantSums);
  const rs = residentArray(sums);
  wasm.columnSums(resident(x), 0.5, 0.25, rs);
  t.true(same(rs, wantSums), 'columnSums, resident a and out (β ≠ 0)');

  const g = randomMatrix(1, 1003, rng).data,
    v = randomMatrix(1, 1003, rng).data,
    w = randomMatrix(1, 1003, rng).data;
  const [v1, w1] = [v.slice(), w.slice()];
  const s1 = wasm.momentumStep(g, v1, w1, 0.1, 0.5, 0.001);
  const [g2, v2, w2] = [residentArray(g), residentArray(v), residentArray(w)];
  const s2 = wasm.momentumStep(g2, v2, w2, 0.1, 0.5, 0.001);
  t.is(s2, s1);
  t.true(same(v2, v1) && same(w2, w1), 'momentumStep, all resident');
  const [v3, w3] = [v.slice(), residentArray(w)];
  t.is(wasm.momentumStep(residentArray(g), v3, w3, 0.1, 0.5, 0.001), s1);
  t.true(same(v3, v1) && same(w3, w1), 'momentumStep, mixed');
});

// A full collection, then a turn of the event loop for the finalizers.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const collect = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('memory of a garbage array is reused, but not while a Matrix view of it lives; a full memory gives ordinary arrays', async (t) => {
  const small = loadWasmBackend(undefined, { threads: 1, maxMemory: 1 << 24 })!; // 16 MiB
  const n = 1 << 21; // 8 MiB
  const offsetOfDropped = (() => small.allocate!(n).byteOffset)();
  await collect();
  const again = small.allocate!(n);
  t.is(again.byteOffset, offsetOfDropped, 'the dropped array’s block is handed out again');
  const full = small.allocate!(n);
  t.false(full.buffer instanceof SharedArrayBuffer, 'past maxMemory: an ordinary array');
  t.is(full.length, n);
  t.throws(() => small.gemm(false, false, 1, Matrix.zeros(1500, 1500), Matrix.zeros(1500, 1500), 0, Matrix.zeros(1500, 1500)), {
    instanceOf: BoltzflowError,
    message: /wasm backend memory \(bytes\): got \d+, expected at most 16777216 bytes/,
  });

  const row = (() => {
    const m = allocateMatrix(small, 2, n / 4); // 4 MiB: the last block that fits
    m.data.fill(7);
    return m.row(1);
  })();
  await collect();
  const other = small.allocate!(n / 2);
  t.false(other.buffer instanceof SharedArrayBuffer, 'the view keeps its block: no room for another');
  t.true(
    row.every((x) => x === 7),
    'the view still reads its own values',
  );
});

test('wasmHeap: first fit, neighbours merged, the top lowered, a failed growth changes nothing', (t) => {
  let limit = 1024 + 64 * 6;
  const heap = wasmHeap(1000, (end) => {
    if (end > limit) throw new Error('full');
  });
  const a = heap.allocate(1),
    b = heap.allocate(100),
    c = heap.allocate(64);
  t.deepEqual([a, b, c], [1024, 1088, 1216]);
  t.is(heap.used, 256);
  heap.release(a);
  heap.release(b);
  t.is(heap.allocate(150), 1024, 'a and b merged into one 192-byte block');
  t.throws(() => heap.allocate(200), { message: 'full' });
  t.is(heap.used, 256);
  limit = Infinity;
  t.is(heap.allocate(200), 1280, 'the failed allocation took nothing');
  heap.release(1280);
  heap.release(c);
  t.is(heap.allocate(64), 1216, 'releasing the top block lowered the top');
  t.throws(() => heap.release(4), { message: /no live block at 4/ });
});

test('wasm squaredDistance matches the js reference within 1e-12 relative (any length, resident or not); minibatches can live in its memory', async (t) => {
  const rng = Rng.fromSeed(8);
  for (const n of [0, 1, 2, 3, 4, 5, 7, 1003, 78_400]) {
    const a = randomMatrix(1, n, rng).data,
      b = randomMatrix(1, n, rng, 0.3).data;
    const want = jsBackend.squaredDistance(a, b);
    for (const [x, y] of [
      [a, b],
      [residentArray(a), b],
      [residentArray(a), residentArray(b)],
    ]) {
      const got = wasm.squaredDistance(x, y);
      t.true(Math.abs(got - want) <= 1e-12 * want, `n=${n}: ${got} vs ${want}`);
    }
  }
  t.throws(() => wasm.squaredDistance(new Float32Array(3), new Float32Array(2)), {
    instanceOf: BoltzflowError,
    message: /squaredDistance operand/,
  });

  const data = randomMatrix(10, 6, rng);
  const plain: Float32Array[] = [],
    inMemory: Float32Array[] = [];
  for await (const b of minibatches(data, { batchSize: 4, epochs: 2, seed: 3 })) plain.push(b.data.data.slice());
  for await (const b of minibatches(data, { batchSize: 4, epochs: 2, seed: 3, backend: wasm })) {
    t.true(b.data.data.buffer instanceof SharedArrayBuffer);
    inMemory.push(b.data.data.slice());
  }
  t.deepEqual(inMemory, plain);
});
