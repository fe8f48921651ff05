/**
 * GEMM throughput of each available backend at the RBM's shapes (784 visible, 500 hidden,
 * batch 100), on dense random operands and on MNIST-like sparse binary ones; the wasm backend
 * in both its builds (fused multiply-adds and plain SIMD), on ordinary arrays and on arrays in its own
 * memory (as training's are: see `Backend.allocate`).
 * Run: `npm run bench`.
 */
import { enableRelaxedSimd } from '../kernels/enableRelaxedSimd.js';
import { allocateMatrix } from '../kernels/allocateMatrix.js';
import type { Backend } from '../kernels/Backend.js';
import { availableBackends } from '../kernels/selectBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { loadWasmBackend } from '../kernels/wasmBackend.js';

// Like the CLI, a benchmark is a program: it measures the wasm backend's fused build where the engine has it.
enableRelaxedSimd();

const rng = Rng.fromSeed(1);
function random(rows: number, cols: number, density = 1): Matrix {
  const m = Matrix.zeros(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.uniform() < density ? rng.uniform() : 0;
  return m;
}
const B = 100,
  V = 784,
  H = 500;
const W = random(V, H);
// js first, so that the other backends can report their speed-up over it.
const cases: Array<[string, boolean, boolean, Matrix, Matrix, Matrix]> = [
  ['v·W        (100×784 · 784×500), dense', false, false, random(B, V), W, Matrix.zeros(B, H)],
  ['v·W        (100×784 · 784×500), 19% nonzero', false, false, random(B, V, 0.19), W, Matrix.zeros(B, H)],
  ['h·Wᵀ       (100×500 · 500×784), dense', false, true, random(B, H), W, Matrix.zeros(B, V)],
  ['h·Wᵀ       (100×500 · 500×784), 20% nonzero', false, true, random(B, H, 0.2), W, Matrix.zeros(B, V)],
  ['vᵀ·h       (784×100 · 100×500), dense', true, false, random(B, V), random(B, H), Matrix.zeros(V, H)],
  ['vᵀ·h       (784×100 · 100×500), 19% nonzero', true, false, random(B, V, 0.19), random(B, H), Matrix.zeros(V, H)],
];
const seconds: Record<string, number[]> = {};
// The wasm backend's plain-SIMD build too, where the default one runs fused multiply-adds.
const plain = availableBackends().wasm?.detail?.includes('fused') ? loadWasmBackend(undefined, { fma: false }) : null;
const backends = Object.values(availableBackends()).reverse();
if (plain) backends.splice(backends.findIndex((b) => b.name === 'wasm') + 1, 0, plain);
/** Seconds per call of c ← a·b (transposed as asked), timed for about a second. */
function time(backend: Backend, ta: boolean, tb: boolean, a: Matrix, b: Matrix, c: Matrix): number {
  backend.gemm(ta, tb, 1, a, b, 0, c);
  let reps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) {
    backend.gemm(ta, tb, 1, a, b, 0, c);
    reps++;
  }
  return (performance.now() - t0) / 1000 / reps;
}
for (const backend of backends) {
  // A backend with memory of its own (wasm) runs the cases twice: on ordinary arrays, which each
  // call copies in and out, and on arrays in its memory, as training's parameters and buffers are.
  for (const resident of backend.allocate ? [false, true] : [false]) {
    console.log(
      `backend ${backend.name}${backend.detail ? `, ${backend.detail}` : ''}, ${backend.threads ?? 1} thread(s)${resident ? ', operands in its own memory (as in training)' : ''}`,
    );
    const key = `${backend.name}${resident ? ' resident' : ''}`;
    seconds[key] = [];
    const own = (m: Matrix) => (resident ? allocateMatrix(backend, m.rows, m.cols).copyFrom(m) : m);
    for (const [label, ta, tb, a, b, c] of cases) {
      const flop = 2 * c.rows * c.cols * (ta ? a.rows : a.cols);
      const s = time(backend, ta, tb, own(a), own(b), own(c));
      seconds[key].push(s);
      const js = seconds.js?.[seconds[key].length - 1];
      const ratio = backend.name === 'js' || js === undefined ? '' : `  ${(js / s).toFixed(1)}× js`;
      console.log(
        `  ${label.padEnd(48)} ${(s * 1000).toFixed(2).padStart(8)} ms  ${(flop / s / 1e9).toFixed(2).padStart(6)} GFLOP/s (dense-equivalent)${ratio}`,
      );
    }
  }
}
