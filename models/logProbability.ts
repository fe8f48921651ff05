import { checkVisibleRows } from './checkVisibleRows.js';
import type { Matrix } from '../kernels/Matrix.js';
import { freeEnergy } from './freeEnergy.js';
import type { Rbm } from './rbm.js';

/**
 * ln P(v) = −F(v) − ln Z for each row of `v`, given ln Z (exact, or an AIS estimate). One value per
 * row, like every evaluation function; `mean` of it is the data set's log-likelihood.
 *
 * @example
 * ```ts
 * import { createRbm, exactRbmLogPartition, logProbability, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 4, nHidden: 2, seed: 1 });
 * const lp = logProbability(rbm, Matrix.from([[1, 0, 1, 0]]), exactRbmLogPartition(rbm.params));
 * console.log(lp[0]); // ≈ −4 ln 2 = −2.77 for near-zero weights
 * ```
 */
export function logProbability(rbm: Rbm, v: Matrix, logZ: number): Float64Array {
  checkVisibleRows(v, rbm.params.nVisible, 'logProbability(v)');
  const f = freeEnergy(rbm, v);
  for (let i = 0; i < f.length; i++) f[i] = -f[i] - logZ;
  return f;
}

/**
 * The mean of an array (float64): the companion of every evaluation function, which all return one
 * value per row (`mean(pseudoLikelihood(rbm, v))` is the data set's score). NaN for an empty array.
 */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}
