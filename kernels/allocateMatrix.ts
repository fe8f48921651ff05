import type { Backend } from './Backend.js';
import { BoltzflowError } from './BoltzflowError.js';
import { Matrix } from './Matrix.js';

/**
 * A zero matrix in `backend`'s own memory where it has one (see `Backend.allocate`: the wasm
 * backend then works on it in place, with no copies), else an ordinary one. For the buffers a
 * model uses at every step: its weights, their gradient and velocity.
 *
 * @example
 * ```ts
 * import { loadWasmBackend } from 'boltzflow';
 * import { allocateMatrix } from '#internal/kernels/allocateMatrix.js';
 * const w = allocateMatrix(loadWasmBackend() ?? undefined, 784, 500);
 * console.log(w.rows, w.cols, w.data[0]); // 784 500 0
 * ```
 */
export function allocateMatrix(backend: Backend | undefined, rows: number, cols: number): Matrix {
  if (!backend?.allocate) return Matrix.zeros(rows, cols);
  for (const [field, n] of [
    ['rows', rows],
    ['cols', cols],
  ] as const)
    if (!Number.isInteger(n) || n < 0) throw new BoltzflowError(field, n, 'an integer ≥ 0');
  return new Matrix(rows, cols, backend.allocate(rows * cols));
}
