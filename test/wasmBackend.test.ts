import test from 'ava';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { availableBackends, selectBackend } from '../kernels/selectBackend.js';
import { loadWasmBackend } from '../kernels/wasmBackend.js';
import { assertTrainsLikeJs, assertUpdatesMatchJs, bytesOf, gemmErrorAgainstJs, randomMatrix, sigmoidErrorsAgainstJs } from './helpers.js';

const wasm = loadWasmBackend();

test('the wasm backend is built by npm run build; auto selects it unless the native one was built', (t) => {
  t.truthy(wasm, 'dist/kernels/kernels.wasm loads');
  t.deepEqual(Object.keys(availableBackends()).slice(-2), ['wasm', 'js']);
  t.is(selectBackend('auto').name, Object.keys(availableBackends())[0]);
  t.is(selectBackend('wasm').name, 'wasm');
  t.is(selectBackend('js').name, 'js');
  t.throws(() => selectBackend('gpu'), {
    instanceOf: BoltzflowError,
    message: /backend: got "gpu", expected one of auto, (native, )?wasm, js/,
  });
});

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
  [9, 100, 13],
  // Past one 256-row pass of the dense kernel; 24-column strips of the sparse one and tails of 1 to 6 groups of 4 columns, the last 1 to 4 wide.
  [13, 300, 70],
  [6, 257, 37],
  [5, 40, 28],
  [11, 50, 44],
];

for (const [ta, tb] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const)
  for (const [density, binary] of [
    [1, false],
    [0.2, false],
    [0.2, true],
  ] as const)
    test(`wasm gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} (left operand ${density * 100}% nonzero${binary ? ', binary' : ''}) matches the js reference within 1e-5 relative`, (t) => {
      const rng = Rng.fromSeed(7);
      for (const [m, k, n] of shapes)
        for (const [alpha, beta] of [
          [1, 0],
          [0.5, 1],
          [-2, 0.25],
        ]) {
          const worst = gemmErrorAgainstJs(wasm!, ta, tb, alpha, beta, [m, k, n], rng, density, binary);
          t.true(worst < 1e-5, `${m}×${k}×${n} α=${alpha} β=${beta}: ${worst}`);
        }
    });

test('wasm sigmoid matches the reference within 1e-6 (inputs from −80 to 80, odd widths, β ≠ 1)', (t) => {
  for (const { rows, cols, beta, worst } of sigmoidErrorsAgainstJs(wasm!)) t.true(worst < 1e-6, `${rows}×${cols} β=${beta}: ${worst}`);
});

test('wasm bernoulli: frequencies match p within 0.005 over 400k draws, same generator state → same samples, in place and odd lengths', (t) => {
  for (const q of [0.03, 0.5, 0.91]) {
    const p = new Float32Array(400_001).fill(q);
    const out = new Float32Array(p.length);
    wasm!.bernoulli(p, Rng.fromSeed(9), out);
    const mean = out.reduce((a, b) => a + b, 0) / out.length;
    t.true(Math.abs(mean - q) < 0.005, `p=${q}: ${mean}`);
    t.true(out.every((v) => v === 0 || v === 1));
  }
  const p = Float32Array.from({ length: 1003 }, (_, i) => (i % 10) / 10);
  const a = new Float32Array(1003),
    b = p.slice();
  wasm!.bernoulli(p, Rng.fromSeed(2), a);
  wasm!.bernoulli(b, Rng.fromSeed(2), b); // out may be p
  t.deepEqual(a, b);
  t.true(
    a.every((v, i) => (p[i] === 0 ? v === 0 : true)),
    'p = 0 never fires',
  );
  const r = Rng.fromSeed(2);
  wasm!.bernoulli(p, r, a);
  t.notDeepEqual(r.state(), Rng.fromSeed(2).state(), 'the draws come from the run generator');
});

test('wasm columnSums and momentumStep give the js reference bits exactly (both sum in double), on one thread or two', (t) => {
  assertUpdatesMatchJs(t, wasm!);
  assertUpdatesMatchJs(t, loadWasmBackend(undefined, { threads: 1 })!);
});

test('wasm gemm, transposes and sigmoid on two threads (helper worker over shared memory) give bit-identical results to one thread', (t) => {
  const one = loadWasmBackend(undefined, { threads: 1 })!,
    two = loadWasmBackend(undefined, { threads: 2 })!;
  t.is(one.threads, 1);
  t.is(two.threads, 2);
  const rng = Rng.fromSeed(12);
  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const)
    for (const [m, k, n, density] of [
      [100, 784, 500, 0.2],
      [37, 300, 101, 1],
      [9, 512, 200, 0.5],
    ] as const) {
      const a = randomMatrix(ta ? k : m, ta ? m : k, rng, density);
      const b = randomMatrix(tb ? n : k, tb ? k : n, rng);
      const c = randomMatrix(m, n, rng);
      const c1 = c.clone(),
        c2 = c.clone();
      one.gemm(ta, tb, 0.7, a, b, 0.5, c1);
      two.gemm(ta, tb, 0.7, a, b, 0.5, c2);
      t.true(bytesOf(c1.data).equals(bytesOf(c2.data)), `${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${m}×${k}×${n}`);
    }
  for (const [rows, cols] of [
    [101, 203],
    [300, 784],
  ]) {
    const x = randomMatrix(rows, cols, rng),
      bias = randomMatrix(1, cols, rng).data;
    const s1 = Matrix.zeros(rows, cols),
      s2 = Matrix.zeros(rows, cols);
    one.sigmoid(x, bias, 0.9, s1);
    two.sigmoid(x, bias, 0.9, s2);
    t.true(bytesOf(s1.data).equals(bytesOf(s2.data)), `sigmoid ${rows}×${cols}`);
  }
});

test('wasm gemm grows its memory for large operands and refuses bad shapes like the reference', (t) => {
  const rng = Rng.fromSeed(3);
  const a = randomMatrix(300, 784, rng, 0.2),
    b = randomMatrix(784, 600, rng);
  const want = Matrix.zeros(300, 600),
    got = Matrix.zeros(300, 600);
  jsBackend.gemm(false, false, 1, a, b, 0, want);
  wasm!.gemm(false, false, 1, a, b, 0, got);
  t.true(want.data.every((x, i) => Math.abs(x - got.data[i]) < 1e-4 * (1 + Math.abs(x))));
  t.throws(() => wasm!.gemm(false, false, 1, Matrix.zeros(2, 3), Matrix.zeros(4, 5), 0, Matrix.zeros(2, 5)), { message: /gemm shapes/ });
});

test('on the wasm backend the same seed gives the same weights, byte for byte, and training learns like js', async (t) => {
  await assertTrainsLikeJs(t, 'wasm');
});

test('wasm firstOutside finds the same index as the reference: NaN, ±∞, values just outside bounds that are not float32s, any length', (t) => {
  const rng = Rng.fromSeed(30);
  for (const n of [0, 1, 3, 4, 5, 17, 1003]) {
    const a = Float32Array.from({ length: n }, () => rng.uniform());
    t.is(wasm!.firstOutside(a, 0, 1), -1, `n=${n}, all inside`);
    for (const bad of [NaN, Infinity, -Infinity, -1e-30, 1.0000001, 2])
      for (const at of n ? [0, n >> 1, n - 1] : []) {
        const b = a.slice();
        b[at] = bad;
        t.is(wasm!.firstOutside(b, 0, 1), jsBackend.firstOutside(b, 0, 1), `n=${n}, ${bad} at ${at}`);
        t.is(jsBackend.firstOutside(b, 0, 1), at);
      }
    // Bounds that float32 cannot hold: 0.1 and 0.7 fall between two float32s.
    for (const [lo, hi] of [
      [0.1, 0.7],
      [-0.3, 0.3],
      [1e-46, 1],
      [0, -1e-46],
    ])
      t.is(wasm!.firstOutside(a, lo, hi), jsBackend.firstOutside(a, lo, hi), `n=${n}, [${lo}, ${hi}]`);
  }
  // float32(−0.3) < −0.3 and float32(0.1) > 0.1: each is just outside its bound, which rounding the bound to the nearest float32 would miss.
  t.is(wasm!.firstOutside(Float32Array.of(0, Math.fround(-0.3)), -0.3, 1), 1);
  t.is(wasm!.firstOutside(Float32Array.of(0, Math.fround(0.1)), 0, 0.1), 1);
  t.is(jsBackend.firstOutside(Float32Array.of(0, Math.fround(0.1)), 0, 0.1), 1);
});
