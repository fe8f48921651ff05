import type { ExecutionContext } from 'ava';
import { last, lastValueFrom } from 'rxjs';
import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { createRbm, type Rbm } from '../models/rbm.js';
import { trainRbm } from '../pipelines/trainRbm.js';

/** A small RBM with weights and biases drawn from N(0, scale²), so the tests see non-trivial values. */
export function randomRbm(nVisible: number, nHidden: number, seed: number, scale = 1): Rbm {
  const rbm = createRbm({ nVisible, nHidden, seed });
  const rng = Rng.fromSeed(seed + 1000);
  const p = rbm.params;
  for (let i = 0; i < p.weights.data.length; i++) p.weights.data[i] = scale * rng.normal();
  for (let i = 0; i < p.nVisible; i++) p.visibleBias[i] = scale * rng.normal();
  for (let j = 0; j < p.nHidden; j++) p.hiddenBias[j] = scale * rng.normal();
  return rbm;
}

/** All 2^n binary vectors of length n; row s has bit i of s in column i. */
export function allStates(n: number): Matrix {
  const m = Matrix.zeros(1 << n, n);
  for (let s = 0; s < 1 << n; s++) for (let i = 0; i < n; i++) m.data[s * n + i] = (s >>> i) & 1;
  return m;
}

/** A matrix of uniform values, with entries set to 0 with probability 1 − density. */
export function randomMatrix(rows: number, cols: number, rng: Rng, density = 1): Matrix {
  const m = Matrix.zeros(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.uniform() < density ? rng.uniform() * 2 - 1 : 0;
  return m;
}

/** Binary data rows drawn from fixed per-unit probabilities. */
export function binaryData(rows: number, cols: number, seed: number): Matrix {
  const rng = Rng.fromSeed(seed);
  const p = Array.from({ length: cols }, () => 0.1 + 0.8 * rng.uniform());
  const m = Matrix.zeros(rows, cols);
  for (let r = 0; r < rows; r++) for (let i = 0; i < cols; i++) m.data[r * cols + i] = rng.uniform() < p[i] ? 1 : 0;
  return m;
}

/** ∂f/∂param[k] by central differences of step `eps` (the entry is restored afterwards). */
export function centralDifference(param: Float32Array, k: number, f: () => number, eps: number): number {
  const keep = param[k];
  param[k] = keep + eps;
  const up = f();
  param[k] = keep - eps;
  const down = f();
  param[k] = keep;
  return (up - down) / (2 * eps);
}

/**
 * One random GEMM (c ← α·op(a)·op(b) + β·c, op(a) m×k with `density` nonzeros, op(b) k×n) on
 * `backend` and on the js reference; returns the worst error relative to 1 + |reference|.
 */
export function gemmErrorAgainstJs(
  backend: Backend,
  ta: boolean,
  tb: boolean,
  alpha: number,
  beta: number,
  [m, k, n]: readonly number[],
  rng: Rng,
  density = 1,
  binary = false,
): number {
  const a = randomMatrix(ta ? k : m, ta ? m : k, rng, density);
  if (binary) for (let i = 0; i < a.data.length; i++) a.data[i] = a.data[i] === 0 ? 0 : 1;
  const b = randomMatrix(tb ? n : k, tb ? k : n, rng);
  const c = randomMatrix(m, n, rng);
  const want = c.clone(),
    got = c.clone();
  jsBackend.gemm(ta, tb, alpha, a, b, beta, want);
  backend.gemm(ta, tb, alpha, a, b, beta, got);
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]) / (1 + Math.abs(want.data[i])));
  return worst;
}

/**
 * The backend's sigmoid (in place) against the js reference on inputs from −80 to 80, odd widths
 * and β ∈ {1, 0.37}: the worst absolute error of each case.
 */
export function sigmoidErrorsAgainstJs(backend: Backend): { rows: number; cols: number; beta: number; worst: number }[] {
  const rng = Rng.fromSeed(4);
  const out = [];
  for (const [rows, cols] of [
    [1, 1],
    [3, 7],
    [10, 501],
    [2, 4],
    [101, 203],
  ]) {
    const x = Matrix.zeros(rows, cols);
    for (let i = 0; i < x.data.length; i++) x.data[i] = (rng.uniform() * 2 - 1) * 80;
    const bias = Float32Array.from({ length: cols }, () => rng.normal());
    for (const beta of [1, 0.37]) {
      const want = Matrix.zeros(rows, cols),
        got = x.clone();
      jsBackend.sigmoid(x, bias, beta, want);
      backend.sigmoid(got, bias, beta, got);
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(want.data[i] - got.data[i]));
      out.push({ rows, cols, beta, worst });
    }
  }
  return out;
}

/** log Σ exp(xs), stably. */
export function logSumExp(xs: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) max = Math.max(max, xs[i]);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.exp(xs[i] - max);
  return max + Math.log(s);
}

export function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * A faster backend against the js reference on one small training run: the same seed gives the
 * same weights, byte for byte, and (since its samples differ) it learns as well: the final
 * reconstruction error within 25% of js's.
 */
export async function assertTrainsLikeJs(t: ExecutionContext, backend: 'wasm' | 'native'): Promise<void> {
  const data = binaryData(80, 16, 2);
  const run = (name: 'wasm' | 'native' | 'js') =>
    lastValueFrom(trainRbm({ data, config: { nHidden: 8, batchSize: 20, epochs: 3, seed: 5, backend: name } }).pipe(last()));
  const [a, b, j] = [await run(backend), await run(backend), await run('js')];
  t.is(a.model.backend.name, backend);
  t.true(bytesOf(a.model.params.weights.data).equals(bytesOf(b.model.params.weights.data)));
  const recon = (e: typeof a) => e.metrics.reconstructionError;
  t.log(`final reconstruction error: ${backend} ${recon(a).toFixed(3)}, js ${recon(j).toFixed(3)}`);
  t.true(Math.abs(recon(a) - recon(j)) < 0.25 * recon(j));
}

/**
 * The backend's columnSums and momentumStep against the js reference on odd and MNIST-sized shapes:
 * the stored values and the returned norm, bit for bit (every backend sums in double, in the
 * reference's order: column by column, and Σw² per block of 16384 floats as four running sums over
 * i mod 4, the blocks in order).
 */
export function assertUpdatesMatchJs(t: ExecutionContext, backend: Backend): void {
  const rng = Rng.fromSeed(8);
  // Lengths ≡ 0, 1, 2, 3 (mod 4), one block of Σw² (16384) exactly, and 2 blocks + 1.
  for (const [rows, cols] of [
    [1, 1],
    [1, 2],
    [2, 3],
    [1, 7],
    [7, 3],
    [100, 500],
    [33, 784],
    [128, 128],
    [3, 10923],
  ]) {
    const a = randomMatrix(rows, cols, rng, 0.5);
    const want = Float32Array.from({ length: cols }, () => rng.normal()),
      got = want.slice();
    jsBackend.columnSums(a, 0.3, 0.9, want);
    backend.columnSums(a, 0.3, 0.9, got);
    t.true(bytesOf(want).equals(bytesOf(got)), `columnSums ${rows}×${cols}`);
    const g = randomMatrix(rows, cols, rng).data,
      w1 = randomMatrix(rows, cols, rng).data,
      v1 = randomMatrix(rows, cols, rng).data;
    const w2 = w1.slice(),
      v2 = v1.slice();
    t.is(backend.momentumStep(g, v2, w2, 0.05, 0.5, 1e-4), jsBackend.momentumStep(g, v1, w1, 0.05, 0.5, 1e-4));
    t.true(bytesOf(w1).equals(bytesOf(w2)) && bytesOf(v1).equals(bytesOf(v2)), `momentumStep ${rows}×${cols}`);
  }
  t.throws(() => backend.columnSums(Matrix.zeros(2, 3), 1, 0, new Float32Array(2)), { instanceOf: BoltzflowError });
}
