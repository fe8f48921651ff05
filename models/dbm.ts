import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { selectBackend } from '../kernels/selectBackend.js';
import type { Rbm } from './rbm.js';

/**
 * Parameters of a deep Boltzmann machine with binary units in layers 0 (visible), 1, …, L and
 * energy E(h⁰, …, hᴸ) = −Σₗ hˡ⁻¹ᵀ Wˡ hˡ − Σₗ bˡᵀ hˡ (Salakhutdinov & Hinton 2009).
 * `weights[l − 1]` is Wˡ (sizes[l−1] × sizes[l]); `biases[l]` is bˡ.
 */
export interface DbmParams {
  readonly sizes: readonly number[];
  readonly weights: readonly Matrix[];
  readonly biases: readonly Float32Array[];
}

export interface Dbm {
  readonly kind: 'dbm';
  readonly params: DbmParams;
  readonly backend: Backend;
  readonly rng: Rng;
}

/** Zero parameters for layers of the given sizes (visible first). */
export function zeroDbmParams(sizes: readonly number[]): DbmParams {
  if (sizes.length < 3) throw new BoltzflowError('sizes', `[${sizes.join(', ')}]`, 'a visible layer and at least 2 hidden layers');
  sizes.forEach((n, l) => {
    if (!Number.isInteger(n) || n < 1) throw new BoltzflowError(`sizes[${l}]`, n, 'an integer ≥ 1');
  });
  return {
    sizes: [...sizes],
    weights: sizes.slice(1).map((n, l) => Matrix.zeros(sizes[l], n)),
    biases: sizes.map((n) => new Float32Array(n)),
  };
}

/**
 * A DBM with small random weights (N(0, weightStd²)), or — given `rbms`, a greedily trained stack
 * such as a DBN's layers — initialised from them: the same weights, the visible biases of the
 * bottom RBM, and for each hidden layer the mean of the biases its two RBMs gave it (one as hidden
 * units, one as visible units), its own hidden bias for the top layer. Its arithmetic runs on
 * `backend`: by default the RBMs' backend where they are given, else the fastest available
 * (`selectBackend('auto')`: native, wasm, then js; pass `jsBackend` for the reference's bits).
 *
 * @example
 * ```ts
 * import { createDbm } from 'boltzflow';
 * const dbm = createDbm({ sizes: [784, 500, 1000], seed: 1 });
 * console.log(dbm.params.weights.map((w) => `${w.rows}×${w.cols}`)); // ['784×500', '500×1000']
 * ```
 */
export function createDbm(options: {
  sizes?: readonly number[];
  rbms?: readonly Rbm[];
  seed: number;
  backend?: Backend;
  weightStd?: number;
}): Dbm {
  const { rbms, seed, backend = rbms?.[0]?.backend ?? selectBackend('auto'), weightStd = 0.01 } = options;
  const rng = Rng.fromSeed(seed);
  if (rbms) {
    const sizes = [rbms[0].params.nVisible, ...rbms.map((r) => r.params.nHidden)];
    rbms.forEach((r, l) => {
      if (r.params.nVisible !== sizes[l])
        throw new BoltzflowError(`rbms[${l}].nVisible`, r.params.nVisible, `${sizes[l]}, rbms[${l - 1}]'s hidden units`);
    });
    const params = zeroDbmParams(sizes);
    rbms.forEach((r, l) => params.weights[l].data.set(r.params.weights.data));
    params.biases[0].set(rbms[0].params.visibleBias);
    for (let l = 1; l < sizes.length; l++) {
      const own = rbms[l - 1].params.hiddenBias,
        above = rbms[l]?.params.visibleBias;
      for (let j = 0; j < sizes[l]; j++) params.biases[l][j] = above ? (own[j] + above[j]) / 2 : own[j];
    }
    return { kind: 'dbm', params, backend, rng };
  }
  if (!options.sizes) throw new BoltzflowError('createDbm options', 'neither sizes nor rbms', 'layer sizes, or pretrained RBMs');
  const params = zeroDbmParams(options.sizes);
  for (const w of params.weights) for (let k = 0; k < w.data.length; k++) w.data[k] = weightStd * rng.normal();
  return { kind: 'dbm', params, backend, rng };
}

/** Per-layer buffers (rows × sizes[l]) for the hidden layers 1..L; index 0 is unused (the data). */
export function dbmLayerBuffers(params: DbmParams, rows: number): Matrix[] {
  return params.sizes.map((n) => Matrix.zeros(rows, n));
}

/**
 * The input to layer l from its neighbours' states (layer 0 = `states[0]`), into `out`:
 * bˡ + hˡ⁻¹ Wˡ + hˡ⁺¹ Wˡ⁺¹ᵀ, times β, passed through the logistic function.
 */
export function layerProbs(dbm: Dbm, states: readonly Matrix[], l: number, out: Matrix, beta = 1): Matrix {
  const { backend, params } = dbm;
  const L = params.sizes.length - 1;
  if (l > 0) backend.gemm(false, false, 1, states[l - 1], params.weights[l - 1], 0, out);
  if (l < L) backend.gemm(false, true, 1, states[l + 1], params.weights[l], l > 0 ? 1 : 0, out);
  backend.sigmoid(out, params.biases[l], beta, out);
  return out;
}

export interface MeanFieldOptions {
  /** Stop when no variational parameter moved by more than this in a full pass (default 1e-4). */
  tolerance?: number;
  /** Give up after this many passes (default 50). */
  maxIterations?: number;
}

/**
 * Mean-field inference of the hidden layers given visible data `q[0]` (B×V): the factorised
 * q(h) = Πₗⱼ qˡⱼ^{hˡⱼ}(1 − qˡⱼ)^{1−hˡⱼ} that is a fixed point of qˡ = σ(bˡ + qˡ⁻¹Wˡ + qˡ⁺¹Wˡ⁺¹ᵀ),
 * a local minimum of KL(q ‖ P(h | v)). Starts from one bottom-up pass with doubled input for the
 * layers that have a layer above (standing in for its missing top-down input), then updates the
 * layers in turn until no qˡⱼ moves by more than `tolerance`. Works in place on q[1..L]; returns
 * the passes made and the last largest change. `scratch` (at least as long as the largest q[l])
 * spares an allocation per call.
 */
export function meanField(
  dbm: Dbm,
  q: readonly Matrix[],
  options: MeanFieldOptions = {},
  scratch?: Float32Array,
): { iterations: number; change: number } {
  const { tolerance = 1e-4, maxIterations = 50 } = options;
  const { backend, params } = dbm;
  const L = params.sizes.length - 1;
  for (let l = 1; l <= L; l++) {
    backend.gemm(false, false, l < L ? 2 : 1, q[l - 1], params.weights[l - 1], 0, q[l]);
    backend.sigmoid(q[l], params.biases[l], 1, q[l]);
  }
  let change = Infinity,
    iterations = 0;
  let longest = 0;
  for (let l = 1; l <= L; l++) longest = Math.max(longest, q[l].data.length);
  const previous = scratch && scratch.length >= longest ? scratch : new Float32Array(longest);
  while (change > tolerance && iterations < maxIterations) {
    change = 0;
    for (let l = 1; l <= L; l++) {
      const old = previous.subarray(0, q[l].data.length);
      old.set(q[l].data);
      layerProbs(dbm, q, l, q[l]);
      for (let k = 0; k < old.length; k++) change = Math.max(change, Math.abs(q[l].data[k] - old[k]));
    }
    iterations++;
  }
  return { iterations, change };
}

/**
 * k sweeps of block Gibbs sampling over all layers in place (`states[0]` is the visible layer):
 * the odd layers given the even ones, then the even layers given the odd ones (each set is
 * conditionally independent given the other). `probs` receives each layer's last probabilities.
 */
export function dbmGibbsSweeps(dbm: Dbm, states: Matrix[], probs: Matrix[], k: number, beta = 1): void {
  const L = dbm.params.sizes.length - 1;
  for (let s = 0; s < k; s++)
    for (const parity of [1, 0])
      for (let l = parity; l <= L; l += 2) {
        layerProbs(dbm, states, l, probs[l], beta);
        dbm.backend.bernoulli(probs[l].data, dbm.rng, states[l].data);
      }
}

/** E(h⁰, …, hᴸ) of one configuration (float64): for tests and exact enumeration. */
export function dbmEnergy(params: DbmParams, layers: readonly ArrayLike<number>[]): number {
  let e = 0;
  params.sizes.forEach((n, l) => {
    for (let j = 0; j < n; j++) e -= params.biases[l][j] * layers[l][j];
    if (l === 0) return;
    const w = params.weights[l - 1],
      m = params.sizes[l - 1];
    for (let i = 0; i < m; i++) {
      if (layers[l - 1][i] === 0) continue;
      for (let j = 0; j < n; j++) e -= layers[l - 1][i] * w.data[i * n + j] * layers[l][j];
    }
  });
  return e;
}
