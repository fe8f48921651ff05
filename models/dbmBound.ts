import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { meanField, dbmLayerBuffers, type Dbm, type MeanFieldOptions } from './dbm.js';
import { meanFieldChunks, type MeanFieldChunkOptions } from './meanFieldChunks.js';
import { logOdds, rbmFromParams, type Rbm } from './rbm.js';

/**
 * A DBM with two hidden layers regrouped as the RBM it is: visible units [v; h²], hidden units h¹,
 * weights [W¹; W²ᵀ], biases [b⁰; b²] and b¹. The joint distribution is the same, so is Z: AIS on
 * this RBM (`createAis`) estimates the DBM's ln Z, with v and h² summed out analytically.
 *
 * @example
 * ```ts
 * import { createDbm, dbmAsRbm, exactRbmLogPartition } from 'boltzflow';
 * const dbm = createDbm({ sizes: [4, 3, 2], seed: 1 });
 * console.log(exactRbmLogPartition(dbmAsRbm(dbm).params)); // ≈ 9·ln 2 = 6.24 at near-zero weights
 * ```
 */
export function dbmAsRbm(dbm: Dbm): Rbm {
  const { sizes, weights, biases } = dbm.params;
  if (sizes.length !== 3) throw new BoltzflowError('dbmAsRbm: layers', sizes.length - 1, '2 hidden layers');
  const [nv, n1, n2] = sizes;
  const w = Matrix.zeros(nv + n2, n1);
  w.data.set(weights[0].data);
  for (let k = 0; k < n2; k++) for (let j = 0; j < n1; j++) w.data[(nv + k) * n1 + j] = weights[1].data[j * n2 + k];
  const visibleBias = new Float32Array(nv + n2);
  visibleBias.set(biases[0]);
  visibleBias.set(biases[2], nv);
  return rbmFromParams({ nVisible: nv + n2, nHidden: n1, weights: w, visibleBias, hiddenBias: biases[1].slice() }, dbm.rng, dbm.backend);
}

/**
 * Biases of AIS's base model for {@link dbmAsRbm}'s visible units [v; h²]: the log-odds of the data's
 * unit means for v and of the mean-field q² over the data for h². On a 784-500-1000 MNIST DBM,
 * a base at p = ½ for h² left AIS 163 nats short of ln Z (one run carried the estimate); this base
 * brought the runs' log-weights within 2.7 nats of each other.
 */
export function dbmBaseRates(dbm: Dbm, data: Matrix, options: MeanFieldOptions = {}): Float32Array {
  const { sizes } = dbm.params;
  if (sizes.length !== 3) throw new BoltzflowError('dbmBaseRates: layers', sizes.length - 1, '2 hidden layers');
  const q = dbmLayerBuffers(dbm.params, data.rows);
  q[0] = data;
  meanField(dbm, q, options);
  const means = (m: Matrix) => {
    const out = new Float32Array(m.cols);
    dbm.backend.columnSums(m, 1 / m.rows, 0, out);
    return logOdds(out);
  };
  const base = new Float32Array(sizes[0] + sizes[2]);
  base.set(means(data));
  base.set(means(q[2]), sizes[0]);
  return base;
}

/**
 * The variational lower bound on each row's log-probability (Salakhutdinov & Hinton 2009):
 * ln P(v) ≥ Σₕ q(h)(−E(v, h)) + H(q) − ln Z, with q the mean-field posterior (run here). Exact up
 * to the estimate of ln Z passed in; the gap is KL(q ‖ P(h | v)). One value per row, like every
 * evaluation function (`mean` of it bounds the data set's log-likelihood); `v` must have at least one
 * row of `sizes[0]` values.
 */
export function meanFieldLowerBound(dbm: Dbm, v: Matrix, logZ: number, options: MeanFieldChunkOptions = {}): Float64Array {
  const { sizes, weights, biases } = dbm.params;
  const out = new Float64Array(v.rows);
  // products[l] holds q^{l−1} Wˡ (rows × nₗ): the pair terms of −E, by GEMM on the backend; sized by the first chunk, the largest.
  let products: Matrix[] | null = null;
  meanFieldChunks(
    dbm,
    v,
    'meanFieldLowerBound(v)',
    (q, from) => {
      const rows = q[0].rows;
      const p = (products ??= dbmLayerBuffers(dbm.params, rows));
      for (let l = 1; l < sizes.length; l++) dbm.backend.gemm(false, false, 1, q[l - 1], weights[l - 1], 0, p[l].topRows(rows));
      for (let r = 0; r < rows; r++) {
        let s = -logZ;
        sizes.forEach((n, l) => {
          for (let j = 0, k = r * n; j < n; j++, k++) {
            const x = q[l].data[k];
            s += biases[l][j] * x;
            if (l > 0) s += p[l].data[k] * x - entropyTerm(x);
          }
        });
        out[from + r] = s;
      }
    },
    options,
  );
  return out;
}

/** q ln q + (1 − q) ln(1 − q), with 0 ln 0 = 0. */
function entropyTerm(q: number): number {
  return (q > 0 ? q * Math.log(q) : 0) + (q < 1 ? (1 - q) * Math.log(1 - q) : 0);
}
