import { checkVisibleRows } from './checkVisibleRows.js';
import { requireBinaryVisible } from './visibleUnits.js';
import { Matrix } from '../kernels/Matrix.js';
import { freeEnergy } from './freeEnergy.js';
import type { Rbm } from './rbm.js';

/**
 * Stochastic pseudo-log-likelihood of each row of `v`, as scikit-learn's
 * `BernoulliRBM.score_samples` defines it: for each sample one unit i is drawn uniformly from the
 * run's generator and flipped (ṽᵢ = 1 − vᵢ), and the score is V · ln σ(F(ṽ) − F(v)), with F the
 * free energy. Higher is better; it is ≤ 0. Rows are processed in chunks of `chunk`. One value per
 * row, like every evaluation function (`mean` of it is the data set's score); `v` must have at least
 * one row of `nVisible` values.
 *
 * @example
 * ```ts
 * import { createRbm, pseudoLikelihood, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 4, nHidden: 2, seed: 1 });
 * const pl = pseudoLikelihood(rbm, Matrix.from([[1, 0, 1, 0]]));
 * console.log(pl[0]); // ≈ 4·ln σ(0) = −2.77 for an untrained machine
 * ```
 */
export function pseudoLikelihood(rbm: Rbm, v: Matrix, chunk = 1000): Float64Array {
  requireBinaryVisible(rbm.params, 'pseudoLikelihood');
  checkVisibleRows(v, rbm.params.nVisible, 'pseudoLikelihood(v)');
  const out = new Float64Array(v.rows);
  const nv = rbm.params.nVisible;
  const rows = Math.min(chunk, v.rows);
  const flipped = Matrix.zeros(rows, nv);
  const scratch = Matrix.zeros(rows, rbm.params.nHidden);
  const f = new Float64Array(rows);
  const fFlipped = new Float64Array(rows);
  for (let start = 0; start < v.rows; start += rows) {
    const end = Math.min(v.rows, start + rows);
    const n = end - start;
    const part = v.rowRange(start, end);
    const part2 = flipped.topRows(n);
    part2.data.set(part.data);
    for (let r = 0; r < n; r++) {
      const i = rbm.rng.int(nv);
      part2.data[r * nv + i] = 1 - part2.data[r * nv + i];
    }
    freeEnergy(rbm, part, f.subarray(0, n), scratch.topRows(n));
    freeEnergy(rbm, part2, fFlipped.subarray(0, n), scratch.topRows(n));
    for (let r = 0; r < n; r++) out[start + r] = nv * logSigmoid(fFlipped[r] - f[r]);
  }
  return out;
}

/** ln σ(x), without overflow for large |x|. */
export function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}
