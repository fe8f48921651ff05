import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';

/** Per-column mean and standard deviation of a data set, to standardise it and undo that. */
export interface Standardization {
  readonly mean: Float32Array;
  readonly std: Float32Array;
}

/**
 * The columns' means and standard deviations (population, in float64), with each std floored at
 * `minStd` so that constant columns (MNIST's border pixels) map to 0 rather than to NaN.
 *
 * @example
 * ```ts
 * import { fitStandardization, standardize, Matrix } from 'boltzflow';
 * const data = Matrix.from([[0, 10], [2, 10], [4, 10]]);
 * const s = fitStandardization(data);
 * console.log(Array.from(s.mean), standardize(data, s).toArrays()[0]); // [2, 10] [≈ −1.22, 0]
 * ```
 */
export function fitStandardization(data: Matrix, minStd = 1e-2): Standardization {
  if (data.rows === 0) throw new BoltzflowError('data', '0 rows', 'at least one row to standardise');
  const V = data.cols;
  const sum = new Float64Array(V), sq = new Float64Array(V);
  for (let r = 0; r < data.rows; r++)
    for (let i = 0, k = r * V; i < V; i++, k++) {
      const x = data.data[k];
      if (!Number.isFinite(x)) throw new BoltzflowError(`data, row ${r}, column ${i}`, x, 'a finite number');
      sum[i] += x;
      sq[i] += x * x;
    }
  const mean = new Float32Array(V), std = new Float32Array(V);
  for (let i = 0; i < V; i++) {
    const m = sum[i] / data.rows;
    mean[i] = m;
    std[i] = Math.max(minStd, Math.sqrt(Math.max(0, sq[i] / data.rows - m * m)));
  }
  return { mean, std };
}

/** (x − mean) / std per column, into a new matrix (or `out`). */
export function standardize(data: Matrix, s: Standardization, out: Matrix = Matrix.zeros(data.rows, data.cols)): Matrix {
  check(data, s);
  const V = data.cols;
  for (let k = 0; k < data.data.length; k++) out.data[k] = (data.data[k] - s.mean[k % V]) / s.std[k % V];
  return out;
}

/** x · std + mean per column: back to the data's own scale (to show samples as images, say). */
export function unstandardize(data: Matrix, s: Standardization, out: Matrix = Matrix.zeros(data.rows, data.cols)): Matrix {
  check(data, s);
  const V = data.cols;
  for (let k = 0; k < data.data.length; k++) out.data[k] = data.data[k] * s.std[k % V] + s.mean[k % V];
  return out;
}

function check(data: Matrix, s: Standardization): void {
  if (s.mean.length !== data.cols || s.std.length !== data.cols)
    throw new BoltzflowError('standardization', `${s.mean.length} columns`, `${data.cols} columns, as the data has`);
}
