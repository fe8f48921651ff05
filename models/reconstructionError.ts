import { checkVisibleRows } from './checkVisibleRows.js';
import type { Matrix } from '../kernels/Matrix.js';
import { gibbsBuffers, hiddenProbs, visibleProbs } from './rbm.js';
import type { Rbm } from './rbm.js';

/**
 * Reconstruction error of each row of `v`: Σᵢ (vᵢ − P(vᵢ = 1 | h))², with h drawn from P(h | v)
 * by the run's generator — one up-down pass, the quantity Hinton's practical guide calls the
 * reconstruction error. The training metric of the same name is the mean of this over the
 * minibatch. Rows are processed in chunks of `chunk`. One value per row, like every evaluation
 * function (`mean` of it is the data set's error); `v` must have at least one row of `nVisible` values.
 *
 * @example
 * ```ts
 * import { createRbm, reconstructionError, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 4, nHidden: 2, seed: 1 });
 * console.log(reconstructionError(rbm, Matrix.from([[1, 0, 1, 0]]))[0]); // ≈ 1 (every P(vᵢ) ≈ 0.5)
 * ```
 */
export function reconstructionError(rbm: Rbm, v: Matrix, chunk = 1000): Float64Array {
  checkVisibleRows(v, rbm.params.nVisible, 'reconstructionError(v)');
  const out = new Float64Array(v.rows);
  const rows = Math.min(chunk, v.rows);
  const buffers = gibbsBuffers(rbm.params, rows);
  const nv = rbm.params.nVisible;
  for (let start = 0; start < v.rows; start += rows) {
    const end = Math.min(v.rows, start + rows);
    const n = end - start;
    const part = v.rowRange(start, end);
    const recon = reconstruct(rbm, part, buffers.hiddenProbs.topRows(n), buffers.hidden.topRows(n), buffers.visibleProbs.topRows(n));
    for (let r = 0; r < n; r++)
      out[start + r] = rbm.backend.squaredDistance(part.data.subarray(r * nv, (r + 1) * nv), recon.data.subarray(r * nv, (r + 1) * nv));
  }
  return out;
}

/** One up-down pass: h ~ P(h | v), then P(v | h) into `out`. */
export function reconstruct(rbm: Rbm, v: Matrix, hProbs: Matrix, h: Matrix, out: Matrix): Matrix {
  hiddenProbs(rbm, v, hProbs);
  rbm.backend.bernoulli(hProbs.data, rbm.rng, h.data);
  return visibleProbs(rbm, h, out);
}
