import { BoltzflowError } from './BoltzflowError.js';

/** A Float32Array that the type system will not let you write to (no index writes, no `set`/`fill`). */
export type ReadonlyFloat32Array = Omit<Float32Array, 'set' | 'fill' | 'copyWithin' | 'reverse' | 'sort' | 'subarray'> & {
  readonly [index: number]: number;
  subarray(begin?: number, end?: number): ReadonlyFloat32Array;
};

/**
 * A dense row-major Float32 matrix: element (i, j) lives at `data[i * cols + j]`.
 * The storage may be a view into a larger buffer (see {@link Matrix.topRows}), which is how
 * boltzflow reuses buffers instead of allocating one per minibatch.
 *
 * @example
 * ```ts
 * import { Matrix } from 'boltzflow';
 * const m = Matrix.from([[1, 2, 3], [4, 5, 6]]);
 * console.log(m.rows, m.cols, m.get(1, 2)); // 2 3 6
 * ```
 */
export class Matrix {
  readonly data: Float32Array;

  constructor(
    readonly rows: number,
    readonly cols: number,
    data?: Float32Array,
  ) {
    if (!Number.isInteger(rows) || rows < 0) throw new BoltzflowError('rows', rows, 'an integer ≥ 0');
    if (!Number.isInteger(cols) || cols < 0) throw new BoltzflowError('cols', cols, 'an integer ≥ 0');
    if (data === undefined) data = new Float32Array(rows * cols);
    else if (data.length !== rows * cols)
      throw new BoltzflowError('data', data, `a Float32Array of length ${rows}×${cols} = ${rows * cols}`);
    this.data = data;
  }

  static zeros(rows: number, cols: number): Matrix {
    return new Matrix(rows, cols);
  }

  /** Builds a matrix from nested arrays (for examples and tests; not for the hot path). */
  static from(rows: ArrayLike<ArrayLike<number>>): Matrix {
    const r = rows.length;
    const c = r === 0 ? 0 : rows[0].length;
    const m = new Matrix(r, c);
    for (let i = 0; i < r; i++) {
      if (rows[i].length !== c) throw new BoltzflowError(`rows[${i}]`, rows[i], `an array of length ${c}`);
      for (let j = 0; j < c; j++) m.data[i * c + j] = rows[i][j];
    }
    return m;
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, value: number): void {
    this.data[i * this.cols + j] = value;
  }

  /** Row i as a view (no copy). */
  row(i: number): Float32Array {
    return viewOf(this.data, i * this.cols, (i + 1) * this.cols);
  }

  /** The first n rows as a view sharing this matrix's storage (no copy). */
  topRows(n: number): Matrix {
    if (n === this.rows) return this;
    if (!Number.isInteger(n) || n < 0 || n > this.rows) throw new BoltzflowError('rows', n, `an integer in [0, ${this.rows}]`);
    return new Matrix(n, this.cols, viewOf(this.data, 0, n * this.cols));
  }

  /** Rows [start, end) as a view sharing this matrix's storage (no copy). */
  rowRange(start: number, end: number): Matrix {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > this.rows || start > end)
      throw new BoltzflowError('row range', `[${start}, ${end})`, `a range inside [0, ${this.rows})`);
    return new Matrix(end - start, this.cols, viewOf(this.data, start * this.cols, end * this.cols));
  }

  /** A deep copy with its own storage. */
  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  /** Copies another matrix of the same shape into this one. */
  copyFrom(src: Matrix): this {
    if (src.rows !== this.rows || src.cols !== this.cols)
      throw new BoltzflowError('matrix', `${src.rows}×${src.cols}`, `shape ${this.rows}×${this.cols}`);
    this.data.set(src.data);
    return this;
  }

  toArrays(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.row(i)));
    return out;
  }
}

/** The array that a view of shared memory (a backend's, see `Backend.allocate`) was cut from: the view keeps it alive. */
const roots = new WeakMap<Float32Array, Float32Array>();

/** data[start, end) as a view; one of shared memory keeps its root array alive, whose memory is reused once it is garbage. */
function viewOf(data: Float32Array, start: number, end: number): Float32Array {
  const view = data.subarray(start, end);
  if (data.buffer instanceof SharedArrayBuffer) roots.set(view, roots.get(data) ?? data);
  return view;
}
