import type { Backend } from './Backend.js';
import { allocateMatrix } from './allocateMatrix.js';
import { Matrix } from './Matrix.js';

/**
 * A buffer of `cols` columns that is allocated once and grown only when a larger row count is
 * asked for; smaller requests get a view of its first rows. This is how the operators avoid an
 * allocation per minibatch while still accepting a short last minibatch. With a `backend`, the
 * buffer lives in its own memory where it has one (see {@link allocateMatrix}).
 *
 * @example
 * ```ts
 * import { reusableMatrix } from '#internal/kernels/reusableMatrix.js';
 * const buf = reusableMatrix(784);
 * const a = buf(100), b = buf(60); // b is a view of a's first 60 rows
 * console.log(a.data.buffer === b.data.buffer); // true
 * ```
 */
export function reusableMatrix(cols: number, backend?: Backend): (rows: number) => Matrix {
  let full = Matrix.zeros(0, cols);
  return (rows) => {
    if (rows > full.rows) full = allocateMatrix(backend, rows, cols);
    return full.topRows(rows);
  };
}
