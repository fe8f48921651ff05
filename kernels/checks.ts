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
