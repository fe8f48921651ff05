import { Matrix } from '../kernels/Matrix.js';
import { dbmGibbsSweeps, dbmLayerBuffers, meanField, type Dbm, type MeanFieldOptions } from './dbm.js';

/** Per-layer statistics of a DBM: ⟨hˡ⁻¹ hˡᵀ⟩ for each weight matrix, ⟨hˡ⟩ for each layer. */
export interface DbmMoments {
  readonly weights: Matrix[];
  readonly biases: Float32Array[];
}

export function zeroDbmMoments(dbm: Dbm): DbmMoments {
  const { sizes } = dbm.params;
  return { weights: sizes.slice(1).map((n, l) => Matrix.zeros(sizes[l], n)), biases: sizes.map((n) => new Float32Array(n)) };
}

/**
 * The DBM's positive phase: the data clamped on layer 0, mean field over the hidden layers
 * (into `q`, whose layer 0 is set to the data). Returns the passes mean field took.
 */
export function dbmPositive(dbm: Dbm, data: Matrix, q: Matrix[], options: MeanFieldOptions): number {
  q[0] = data;
  return meanField(dbm, q, options).iterations;
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

/** The DBM's negative phase: k block-Gibbs sweeps of the chains `states` (in place), at inverse temperature β. */
export function dbmNegative(dbm: Dbm, states: Matrix[], probs: Matrix[], k: number, beta = 1): void {
  dbmGibbsSweeps(dbm, states, probs, k, beta);
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
