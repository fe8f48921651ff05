import { checkVisibleRows } from './checkVisibleRows.js';
import { Matrix } from '../kernels/Matrix.js';
import type { Rbm } from './rbm.js';
import { scaledVisible, visibleUnitsOf } from './visibleUnits.js';

/**
 * Free energy of each row of `v`: F(v) = −bᵀv − Σⱼ softplus(c_j + (vW)_j), so that
 * P(v) = e^{−F(v)} / Z; for Gaussian visible units F(v) = Σᵢ (vᵢ − bᵢ)²/(2σᵢ²) − Σⱼ softplus(c_j + Σᵢ vᵢ W_ij/σᵢ²),
 * a density. Writes into `out` (length B) and returns it: one value per row, like every evaluation
 * function (`mean` of it is the data set's mean); `v` must have at least one row of `nVisible` values.
 *
 * @example
 * ```ts
 * import { createRbm, freeEnergy, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 4, nHidden: 2, seed: 1 });
 * console.log(freeEnergy(rbm, Matrix.from([[1, 0, 1, 0]]))[0]); // ≈ −1.386 (−2 ln 2 at near-zero weights)
 * ```
 */
export function freeEnergy(
  rbm: Rbm,
  v: Matrix,
  out: Float64Array = new Float64Array(v.rows),
  scratch: Matrix = Matrix.zeros(v.rows, rbm.params.nHidden),
): Float64Array {
  const { backend, params } = rbm;
  checkVisibleRows(v, params.nVisible, 'freeEnergy(v)');
  backend.gemm(false, false, 1, scaledVisible(params, v, backend), params.weights, 0, scratch);
  backend.softplusRowSums(scratch, params.hiddenBias, 1, out);
  if (visibleUnitsOf(params).type === 'gaussian') {
    const z = params.logVariance!,
      b = params.visibleBias,
      V = v.cols;
    for (let r = 0; r < v.rows; r++) {
      let q = 0;
      for (let i = 0, k = r * V; i < V; i++, k++) q += ((v.data[k] - b[i]) ** 2 / 2) * Math.exp(-z[i]);
      out[r] = q - out[r];
    }
    return out;
  }
  const vb = new Float64Array(v.rows);
  backend.rowDots(v, params.visibleBias, vb);
  for (let i = 0; i < v.rows; i++) out[i] = -vb[i] - out[i];
  return out;
}
