import { BoltzflowError } from './BoltzflowError.js';
import type { Matrix } from './Matrix.js';

// The argument checks every backend's kernels share, so that all backends refuse bad shapes alike.

/** A vector of length `n`, or an error naming `field`. */
export function checkLength(v: { length: number }, n: number, field: string): void {
  if (v.length !== n) throw new BoltzflowError(field, `length ${v.length}`, `length ${n}`);
}

/** `y` of `x`'s shape, or an error naming `field`. */
export function checkSameShape(x: Matrix, y: Matrix, field: string): void {
  if (x.rows !== y.rows || x.cols !== y.cols) throw new BoltzflowError(field, `${y.rows}×${y.cols}`, `shape ${x.rows}×${x.cols}`);
}

/** `x` as rows of `n` columns (its length a multiple of n; n ≥ 1 unless x is empty), or an error naming `field`. */
export function checkRows(x: { length: number }, n: number, field: string): void {
  if (n === 0 ? x.length !== 0 : x.length % n !== 0)
    throw new BoltzflowError(field, `length ${x.length}`, `a multiple of ${n} (rows of ${n} columns)`);
}
