import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import { checkVisibleRows } from './checkVisibleRows.js';
import { dbmLayerBuffers, meanField, type Dbm, type MeanFieldOptions } from './dbm.js';

/** {@link meanFieldChunks}' options: mean field's own, and how many rows it runs at a time (default 1000). */
export type MeanFieldChunkOptions = MeanFieldOptions & { chunk?: number };

/**
 * Mean field of a DBM over the rows of `v`, `chunk` rows at a time on its backend (buffers
 * allocated once): `each(q, from)` sees the chunk's layers, q[0] the rows `from…` of `v` and q[l]
 * their q(hˡ | v), to read before the next chunk overwrites them. `where` names `v` in errors.
 *
 * @example
 * ```ts
 * import { createDbm, Matrix } from 'boltzflow';
 * import { meanFieldChunks } from '#internal/models/meanFieldChunks.js';
 * const dbm = createDbm({ sizes: [4, 3, 2], seed: 1 });
 * meanFieldChunks(dbm, Matrix.from([[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0]]), 'v', (q, from) => console.log(from, q[2].rows), { chunk: 2 }); // 0 2 · 2 1
 * ```
 */
export function meanFieldChunks(
  dbm: Dbm,
  v: Matrix,
  where: string,
  each: (q: Matrix[], from: number) => void,
  options: MeanFieldChunkOptions = {},
): void {
  const { chunk = 1000, ...mf } = options;
  if (!Number.isInteger(chunk) || chunk < 1) throw new BoltzflowError('chunk', chunk, 'an integer ≥ 1 (rows of mean field at a time)');
  checkVisibleRows(v, dbm.params.sizes[0], where);
  const buffers = dbmLayerBuffers(dbm.params, Math.min(chunk, v.rows));
  for (let from = 0; from < v.rows; from += chunk) {
    const rows = Math.min(chunk, v.rows - from);
    const q = buffers.map((b) => b.topRows(rows));
    q[0] = v.rowRange(from, from + rows);
    meanField(dbm, q, mf);
    each(q, from);
  }
}
