import type { Matrix } from '../kernels/Matrix.js';
import { dbmLayerBuffers, zeroDbmParams, type Dbm, type DbmParams } from './dbm.js';

/** Per-layer statistics of a DBM: ⟨hˡ⁻¹ hˡᵀ⟩ for each weight matrix, ⟨hˡ⟩ for each layer. */
export type DbmMoments = Pick<DbmParams, 'weights' | 'biases'>;

/** Zero statistics (or velocity) shaped like the DBM's parameters. */
export function zeroDbmMoments(dbm: Dbm): DbmMoments {
  const { weights, biases } = zeroDbmParams(dbm.params.sizes);
  return { weights, biases };
}

/**
 * Starts chains at the data: visible states sampled from the data, hidden layers sampled from the
 * mean-field posteriors `q` (rows cycled when there are more chains than data rows). Reuses
 * `into` when it has `rows` rows.
 */
export function dbmChainsFromData(dbm: Dbm, q: readonly Matrix[], rows: number, into?: Matrix[]): Matrix[] {
  const states = into && into[0].rows === rows ? into : dbmLayerBuffers(dbm.params, rows);
  states.forEach((s, l) => {
    for (let r = 0; r < rows; r++) s.row(r).set(q[l].row(r % q[l].rows));
    dbm.backend.bernoulli(s.data, dbm.rng, s.data);
  });
  return states;
}

/**
 * out ← scale·(⟨hˡ⁻¹ hˡᵀ⟩ and ⟨hˡ⟩ over the rows of `layers`) + keep·out: called with the positive
 * phase's (data, q¹…qᴸ) and then, negated, with the chains' states, it builds the gradient.
 */
export function accumulateDbmMoments(dbm: Dbm, layers: readonly Matrix[], sign: 1 | -1, out: DbmMoments, first: boolean): void {
  const { backend } = dbm;
  const n = layers[0].rows;
  out.weights.forEach((w, l) => backend.gemm(true, false, sign / n, layers[l], layers[l + 1], first ? 0 : 1, w));
  out.biases.forEach((b, l) => backend.columnSums(layers[l], sign / n, first ? 0 : 1, b));
}
