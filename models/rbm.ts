import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { allocateMatrix } from '../kernels/allocateMatrix.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { checkVisibleUnits, sampleVisible, scaledVisible, visibleMeans, visibleUnitsOf, type VisibleUnits } from './visibleUnits.js';

/**
 * Parameters of a restricted Boltzmann machine with binary hidden units. With Bernoulli visible
 * units (the default) the energy is E(v, h) = −vᵀWh − bᵀv − cᵀh, v ∈ {0,1}^V, h ∈ {0,1}^H;
 * `visibleUnits` may make blocks of them one-of-K, or make them Gaussian (see {@link VisibleUnits}).
 * `weights` is V×H (row i holds visible unit i's connections).
 */
export interface RbmParams {
  readonly nVisible: number;
  readonly nHidden: number;
  readonly weights: Matrix;
  readonly visibleBias: Float32Array;
  readonly hiddenBias: Float32Array;
  /** The visible units' kind; Bernoulli when absent. */
  readonly visibleUnits?: VisibleUnits;
  /** Gaussian visible units only: zᵢ = ln σᵢ² (0 for unit variance). */
  readonly logVariance?: Float32Array;
}

/** A trainable RBM: its parameters, the backend that does its arithmetic and the run's generator. */
export interface Rbm {
  readonly kind: 'rbm';
  readonly params: RbmParams;
  readonly backend: Backend;
  readonly rng: Rng;
}

export interface CreateRbmOptions {
  nVisible: number;
  nHidden: number;
  /** Seed of the run's generator (initial weights, then every sample). */
  seed: number;
  /** The backend of its arithmetic: by default the fastest available (`selectBackend('auto')`: native, wasm, then js); `jsBackend` gives the reference's bits. */
  backend?: Backend;
  /** Standard deviation of the initial Gaussian weights (Hinton's practical guide: 0.01). */
  weightStd?: number;
  /**
   * Mean of each visible unit over the training data. Visible biases start at the log-odds
   * ln(p/(1−p)) of these (clipped to [1e-3, 1 − 1e-3]), as the practical guide recommends; without
   * them (or `data`) they start at 0. Hidden biases start at 0.
   */
  visibleMeans?: ArrayLike<number>;
  /** The training data (rows × nVisible), from which the visible means are taken (instead of `visibleMeans`): what `trainRbm` does. */
  data?: Matrix;
  /**
   * Bernoulli (default), Bernoulli with softmax groups, or Gaussian visible units. Gaussian units
   * start at unit variance (z = 0) with visible biases at the means (of `data` or `visibleMeans`;
   * else 0): standardise the data first (`standardize`).
   */
  visibleUnits?: VisibleUnits;
}

/**
 * Creates an RBM initialised as practitioners do it: small Gaussian weights, visible biases at
 * the data's log-odds (given `data` or `visibleMeans`), hidden biases at zero, on the fastest
 * backend available unless `backend` says otherwise.
 *
 * @example
 * ```ts
 * import { createRbm, Matrix } from 'boltzflow';
 * const data = Matrix.from([[1, 0], [1, 1], [1, 0], [0, 0]]);
 * const rbm = createRbm({ nVisible: 2, nHidden: 3, seed: 1, data });
 * console.log(rbm.params.weights.rows, rbm.params.weights.cols); // 2 3
 * console.log(Array.from(rbm.params.visibleBias, (b) => b.toFixed(2))); // ['1.10', '-1.10'] (ln 3, ln 1/3)
 * ```
 */
export function createRbm(options: CreateRbmOptions): Rbm {
  const { nVisible, nHidden, seed, backend = selectBackend('auto'), weightStd = 0.01, data, visibleUnits } = options;
  checkUnits('nVisible', nVisible);
  checkUnits('nHidden', nHidden);
  if (visibleUnits) checkVisibleUnits(visibleUnits, nVisible);
  const visibleMeans = data ? dataMeans(data, nVisible, options.visibleMeans, backend) : options.visibleMeans;
  const rng = Rng.fromSeed(seed);
  const params = zeroRbmParams(nVisible, nHidden, visibleUnits, backend);
  const w = params.weights.data;
  for (let i = 0; i < w.length; i++) w[i] = weightStd * rng.normal();
  if (visibleMeans) {
    if (visibleMeans.length !== nVisible) throw new BoltzflowError('visibleMeans', `length ${visibleMeans.length}`, `length ${nVisible}`);
    params.visibleBias.set(visibleUnits?.type === 'gaussian' ? Float32Array.from(visibleMeans) : logOdds(visibleMeans));
  }
  return { kind: 'rbm', params, backend, rng };
}

/** Each column's mean of `data` (checked: nVisible columns, at least one row, not given with `visibleMeans`). */
function dataMeans(data: Matrix, nVisible: number, visibleMeans: unknown, backend: Backend): Float32Array {
  if (visibleMeans !== undefined)
    throw new BoltzflowError('visibleMeans', 'given with data', 'one of data or visibleMeans (data gives the means)');
  if (!(data instanceof Matrix)) throw new BoltzflowError('data', typeof data, 'a Matrix (rows × nVisible)');
  if (data.cols !== nVisible || data.rows < 1)
    throw new BoltzflowError('data', `${data.rows}×${data.cols}`, `at least one row of ${nVisible} columns (nVisible)`);
  const means = new Float32Array(nVisible);
  backend.columnSums(data, 1 / data.rows, 0, means);
  return means;
}

/** ln(p/(1−p)) of each mean, clipped to [1e-3, 1 − 1e-3]: visible biases that fit the data's unit means. */
export function logOdds(means: ArrayLike<number>): Float32Array {
  return Float32Array.from(means, (m) => {
    const p = Math.min(1 - 1e-3, Math.max(1e-3, m));
    return Math.log(p / (1 - p));
  });
}

/** An RBM from existing parameters (a loaded snapshot, say) and a generator, on `backend` (by default the fastest available). */
export function rbmFromParams(params: RbmParams, rng: Rng, backend: Backend = selectBackend('auto')): Rbm {
  return { kind: 'rbm', params, backend, rng };
}

/**
 * All-zero parameters of the given size (with z = 0, unit variance, for Gaussian visible units); the
 * weights in `backend`'s own memory where it has one (see {@link allocateMatrix}).
 */
export function zeroRbmParams(nVisible: number, nHidden: number, visibleUnits?: VisibleUnits, backend?: Backend): RbmParams {
  return {
    nVisible,
    nHidden,
    weights: allocateMatrix(backend, nVisible, nHidden),
    visibleBias: new Float32Array(nVisible),
    hiddenBias: new Float32Array(nHidden),
    ...(visibleUnits && visibleUnits.type !== 'bernoulli'
      ? { visibleUnits, logVariance: new Float32Array(nVisible) }
      : visibleUnits
        ? { visibleUnits }
        : {}),
  };
}

/**
 * P(h_j = 1 | v) = σ(β(c_j + Σᵢ vᵢ W_ij)) for every row of `v` (B×V) into `out` (B×H). β = 1/T.
 * (Gaussian visible units enter as vᵢ/σᵢ².)
 */
export function hiddenProbs(rbm: Rbm, v: Matrix, out: Matrix, beta = 1): Matrix {
  const { backend, params } = rbm;
  backend.gemm(false, false, 1, scaledVisible(params, v, backend), params.weights, 0, out);
  backend.sigmoid(out, params.hiddenBias, beta, out);
  return out;
}

/**
 * P(v_i = 1 | h) = σ(β(b_i + Σⱼ W_ij h_j)) for every row of `h` (B×H) into `out` (B×V). β = 1/T.
 * For other visible units, their conditional means E[v | h] (softmax within groups; b + Wh for Gaussian units).
 */
export function visibleProbs(rbm: Rbm, h: Matrix, out: Matrix, beta = 1): Matrix {
  const { backend, params } = rbm;
  backend.gemm(false, true, 1, h, params.weights, 0, out);
  return visibleMeans(rbm, out, beta);
}

/** Buffers for {@link gibbsChain}, sized for `rows` chains (in `backend`'s own memory where it has one). */
export interface GibbsBuffers {
  /** Hidden probabilities of the last half-step (rows×H). */
  readonly hiddenProbs: Matrix;
  /** Hidden samples (rows×H). */
  readonly hidden: Matrix;
  /** Visible probabilities of the last half-step (rows×V). */
  readonly visibleProbs: Matrix;
}

export function gibbsBuffers(params: RbmParams, rows: number, backend?: Backend): GibbsBuffers {
  return {
    hiddenProbs: allocateMatrix(backend, rows, params.nHidden),
    hidden: allocateMatrix(backend, rows, params.nHidden),
    visibleProbs: allocateMatrix(backend, rows, params.nVisible),
  };
}

/**
 * Runs k steps of block Gibbs sampling v → h → v in place on the binary states `v`, at inverse
 * temperature β. Afterwards `v` holds the new visible samples, `buffers.visibleProbs` their
 * probabilities and `buffers.hiddenProbs` P(h | v) of the new states (the statistics CD uses).
 * With `fromHidden`, the chains' hidden states are already in `buffers.hidden` (a sample that went
 * with `v`), and the first step starts at h → v.
 */
export function gibbsChain(rbm: Rbm, v: Matrix, k: number, buffers: GibbsBuffers, beta = 1, fromHidden = false): void {
  const { backend, rng } = rbm;
  for (let step = 0; step < k; step++) {
    if (step > 0 || !fromHidden) {
      hiddenProbs(rbm, v, buffers.hiddenProbs, beta);
      backend.bernoulli(buffers.hiddenProbs.data, rng, buffers.hidden.data);
    }
    visibleProbs(rbm, buffers.hidden, buffers.visibleProbs, beta);
    sampleVisible(rbm, buffers.visibleProbs, v, beta);
  }
  hiddenProbs(rbm, v, buffers.hiddenProbs, beta);
}

/** The weights of the first `n` hidden units as rows (n×V): what each unit looks for in the data. */
export function rbmFilters(params: RbmParams, n: number): Matrix {
  const count = Math.min(n, params.nHidden);
  const out = Matrix.zeros(count, params.nVisible);
  for (let j = 0; j < count; j++)
    for (let i = 0; i < params.nVisible; i++) out.data[j * params.nVisible + i] = params.weights.data[i * params.nHidden + j];
  return out;
}

/**
 * E(v, h) = −vᵀWh − bᵀv − cᵀh for one configuration (exact, in float64); for Gaussian visible
 * units Σᵢ (vᵢ − bᵢ)²/(2σᵢ²) − Σᵢⱼ vᵢ Wᵢⱼ hⱼ/σᵢ² − cᵀh.
 */
export function rbmEnergy(params: RbmParams, v: ArrayLike<number>, h: ArrayLike<number>): number {
  const { nVisible, nHidden, weights, visibleBias, hiddenBias } = params;
  const gaussian = visibleUnitsOf(params).type === 'gaussian';
  let e = 0;
  for (let i = 0; i < nVisible; i++) {
    const s = gaussian ? Math.exp(-params.logVariance![i]) : 1;
    if (gaussian) e += ((v[i] - visibleBias[i]) ** 2 / 2) * s;
    if (v[i] === 0) continue;
    if (!gaussian) e -= visibleBias[i] * v[i];
    const row = i * nHidden;
    for (let j = 0; j < nHidden; j++) e -= v[i] * s * weights.data[row + j] * h[j];
  }
  for (let j = 0; j < nHidden; j++) e -= hiddenBias[j] * h[j];
  return e;
}

function checkUnits(field: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new BoltzflowError(field, n, 'an integer ≥ 1');
}
