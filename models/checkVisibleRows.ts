import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';

/**
 * The shape check every evaluation function makes on its data (internal): at least one row, each
 * of `nVisible` values. `argument` names the function and the argument, as in `pseudoLikelihood(v)`,
 * so the message says which call got the wrong matrix.
 *
 * @example
 * ```ts
 * import { checkVisibleRows } from '#internal/models/checkVisibleRows.js';
 * import { Matrix } from 'boltzflow';
 * try { checkVisibleRows(Matrix.zeros(2, 5), 4, 'freeEnergy(v)'); }
 * catch (e) { console.log((e as Error).message); } // freeEnergy(v): got a 2×5 matrix, expected at least 1 row of 4 values (nVisible)
 * ```
 */
export function checkVisibleRows(data: Matrix, nVisible: number, argument: string): void {
  if (data.cols !== nVisible || data.rows < 1)
    throw new BoltzflowError(argument, data, `at least 1 row of ${nVisible} values (nVisible)`, {
      got: `a ${data.rows}×${data.cols} matrix`,
    });
}
