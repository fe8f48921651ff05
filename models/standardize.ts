import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';

/** Per-column mean and standard deviation of a data set, to standardise it and undo that. */
export interface Standardization {
  readonly mean: Float32Array;
  readonly std: Float32Array;
}

/** A floor under each column's std: at least `absolute`, and at least `relative` × |mean|. */
export interface StdFloor {
  readonly absolute: number;
  readonly relative: number;
}

/**
 * The columns' means and standard deviations (population, two passes in float64), with each std
 * floored so that constant columns (MNIST's border pixels) map to 0 rather than to NaN: at `minStd`
 * (a number, default 1e-2, in the data's units), or at max(absolute, relative · |mean|) per column
 * for a {@link StdFloor} — a floor that does not depend on the data's units.
 *
 * @example
 * ```ts
 * import { fitStandardization, standardize, Matrix } from 'boltzflow';
 * const data = Matrix.from([[0, 10], [2, 10], [4, 10]]);
 * const s = fitStandardization(data);
 * console.log(Array.from(s.mean), standardize(data, s).toArrays()[0]); // [2, 10] [≈ −1.22, 0]
 * ```
 */
export function fitStandardization(data: Matrix, minStd: number | StdFloor = 1e-2): Standardization {
  if (data.rows === 0) throw new BoltzflowError('data', '0 rows', 'at least one row to standardise');
  const V = data.cols,
    n = data.rows;
  const floor = typeof minStd === 'number' ? { absolute: minStd, relative: 0 } : minStd;
  if (!(floor.absolute > 0) || !(floor.relative >= 0))
    throw new BoltzflowError('minStd', JSON.stringify(floor), 'an absolute floor > 0 and a relative one ≥ 0');
  const sum = new Float64Array(V),
    sq = new Float64Array(V);
  for (let r = 0; r < n; r++)
    for (let i = 0, k = r * V; i < V; i++, k++) {
      const x = data.data[k];
      if (!Number.isFinite(x)) throw new BoltzflowError(`data, row ${r}, column ${i}`, x, 'a finite number');
      sum[i] += x;
    }
  for (let i = 0; i < V; i++) sum[i] /= n;
  // Deviations from the mean (a second pass): no cancellation when the mean is large against the spread.
  for (let r = 0; r < n; r++) for (let i = 0, k = r * V; i < V; i++, k++) sq[i] += (data.data[k] - sum[i]) ** 2;
  const mean = new Float32Array(V),
    std = new Float32Array(V);
  for (let i = 0; i < V; i++) {
    mean[i] = sum[i];
    std[i] = Math.max(floor.absolute, floor.relative * Math.abs(sum[i]), Math.sqrt(sq[i] / n));
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
