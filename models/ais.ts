import { requireBinaryVisible } from './visibleUnits.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { softplus } from './exactRbm.js';
import { logOdds, type Rbm } from './rbm.js';

/** Salakhutdinov & Murray (2008)'s schedule: steps of 1/1000 up to 0.5, 1/10,000 up to 0.9, 1/100,000 up to 1. */
export const SALAKHUTDINOV_BETAS = 14_500;

/**
 * Inverse temperatures 0 = β₀ < β₁ < … < β_K = 1 shaped like Salakhutdinov & Murray's schedule:
 * 500/14,500 of the K steps spread evenly over [0, 0.5), 4,000/14,500 over [0.5, 0.9) and the rest
 * over [0.9, 1]. With K = 14,500 (the default) it is their schedule exactly.
 *
 * @example
 * ```ts
 * import { aisBetas } from 'boltzflow';
 * const b = aisBetas();
 * console.log(b.length, b[500], b[4500]); // 14501 0.5 0.9
 * ```
 */
export function aisBetas(steps = SALAKHUTDINOV_BETAS): Float64Array {
  if (!Number.isInteger(steps) || steps < 3) throw new BoltzflowError('AIS steps', steps, 'an integer ≥ 3');
  const n1 = Math.max(1, Math.round((steps * 500) / 14_500));
  const n2 = Math.max(1, Math.round((steps * 4_000) / 14_500));
  const n3 = steps - n1 - n2;
  const betas = new Float64Array(steps + 1);
  let k = 0;
  for (let i = 0; i < n1; i++) betas[k++] = (0.5 * i) / n1;
  for (let i = 0; i < n2; i++) betas[k++] = 0.5 + (0.4 * i) / n2;
  for (let i = 0; i <= n3; i++) betas[k++] = 0.9 + (0.1 * i) / n3;
  return betas;
}

/**
 * Visible biases of the base-rate model: the log-odds of each unit's mean over `data`, clipped to
 * [1e-3, 1 − 1e-3]. It is AIS's starting distribution; any choice gives an unbiased estimate of Z,
 * and one that fits the data gives a small variance.
 */
export function baseRateBias(data: Matrix): Float32Array {
  const means = new Float32Array(data.cols);
  jsBackend.columnSums(data, 1 / data.rows, 0, means);
  return logOdds(means);
}

export interface AisOptions {
  /** Visible biases of the base-rate model (see {@link baseRateBias}). */
  baseVisibleBias: Float32Array;
  /** Inverse temperatures from 0 to 1 (default {@link aisBetas}()). */
  betas?: Float64Array;
  /** Independent annealing runs (default 100). */
  runs?: number;
  /** Seed of AIS's own generator (the model's generator is not touched). Default 1. */
  seed?: number;
}

/** An AIS estimate of ln Z, with the bounds ln(r̂ ± 3σ̂) that Salakhutdinov & Murray report. */
export interface AisEstimate {
  readonly logZ: number;
  /** ln(r̂ − 3σ̂) + ln Z_A; −Infinity when r̂ − 3σ̂ ≤ 0. */
  readonly logZLow: number;
  /** ln(r̂ + 3σ̂) + ln Z_A. */
  readonly logZHigh: number;
  /** ln Z of the base-rate model (exact). */
  readonly logZBase: number;
  /** The runs' log importance weights. */
  readonly logWeights: Float64Array;
  readonly runs: number;
  readonly steps: number;
}

/**
 * Annealed importance sampling for an RBM's ln Z (Neal 2001; Salakhutdinov & Murray 2008).
 * The runs start from exact samples of the base-rate model A (no weights, visible biases b_A)
 * and anneal through p_k(v) ∝ e^{(1−β_k) b_Aᵀv + β_k bᵀv} Π_j (1 + e^{β_k (c_j + (vW)_j)}), each
 * step one block-Gibbs transition that leaves p_k invariant. Returns a stepper, so that a caller
 * can run it in chunks and report progress (see `estimateLogPartition` for the pipeline).
 *
 * @example
 * ```ts
 * import { createRbm, createAis, Matrix, baseRateBias, aisBetas } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 6, nHidden: 3, seed: 1, weightStd: 1 });
 * const data = Matrix.from([[1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]]);
 * const ais = createAis(rbm, { baseVisibleBias: baseRateBias(data), betas: aisBetas(1000) });
 * ais.advance(Infinity);
 * console.log(ais.result().logZ); // ≈ exactRbmLogPartition(rbm.params)
 * ```
 */
export function createAis(rbm: Rbm, options: AisOptions) {
  const { backend, params } = rbm;
  const { baseVisibleBias: bA, betas = aisBetas(), runs = 100, seed = 1 } = options;
  checkAnnealing(rbm, 'AIS', bA, betas);
  const nv = params.nVisible,
    nh = params.nHidden;
  if (!Number.isInteger(runs) || runs < 2) throw new BoltzflowError('AIS runs', runs, 'an integer ≥ 2');
  const rng = Rng.fromSeed(seed);
  const steps = betas.length - 1;
  const logZBase = baseLogPartition(bA, nh);
  const chains = createAnnealingChains(rbm, bA, runs);
  for (let r = 0; r < runs; r++) chains.v.row(r).set(bA);
  backend.sigmoid(chains.v, new Float32Array(nv), 1, chains.v);
  backend.bernoulli(chains.v.data, rng, chains.v.data); // exact samples of p_0
  const logWeights = new Float64Array(runs);
  let done = 0;

  return {
    /** Steps done and in all. */
    get done() {
      return done;
    },
    steps,
    /** Runs up to `n` more annealing steps. */
    advance(n: number): void {
      const end = Math.min(steps, done + n);
      // ln p*_k(v) − ln p*_{k−1}(v) for the current states, then one transition at β_k.
      for (let k = done + 1; k <= end; k++) {
        chains.addLogRatio(betas[k], betas[k - 1], 1, logWeights);
        chains.transition(betas[k], rng);
      }
      done = end;
    },
    /** The estimate from the steps done so far (complete once `done === steps`). */
    result(): AisEstimate {
      let max = -Infinity;
      for (const w of logWeights) max = Math.max(max, w);
      let mean = 0;
      for (const w of logWeights) mean += Math.exp(w - max) / runs;
      let variance = 0;
      for (const w of logWeights) variance += (Math.exp(w - max) - mean) ** 2 / (runs - 1);
      const sigma = Math.sqrt(variance / runs);
      const offset = logZBase + max;
      return {
        logZ: offset + Math.log(mean),
        logZLow: mean - 3 * sigma > 0 ? offset + Math.log(mean - 3 * sigma) : -Infinity,
        logZHigh: offset + Math.log(mean + 3 * sigma),
        logZBase,
        logWeights: logWeights.slice(),
        runs,
        steps,
      };
    },
  };
}

export type Ais = ReturnType<typeof createAis>;

/** ln Z of the base-rate model with visible biases `bA` and `nHidden` free hidden units: Σᵢ softplus(bAᵢ) + nHidden·ln 2. */
export function baseLogPartition(bA: Float32Array, nHidden: number): number {
  return nHidden * Math.LN2 + bA.reduce((s, b) => s + softplus(b), 0);
}

/** Refuses what annealing between the base-rate model and `rbm` cannot use, naming `what` (AIS, RAISE). */
export function checkAnnealing(rbm: Rbm, what: string, bA: Float32Array, betas: Float64Array): void {
  requireBinaryVisible(rbm.params, what);
  if (bA.length !== rbm.params.nVisible)
    throw new BoltzflowError('baseVisibleBias', `length ${bA.length}`, `length ${rbm.params.nVisible}`);
  if (betas[0] !== 0 || betas[betas.length - 1] !== 1 || betas.some((b, i) => i > 0 && !(b > betas[i - 1])))
    throw new BoltzflowError(
      `${what} betas`,
      `${betas.length} values from ${betas[0]} to ${betas[betas.length - 1]}`,
      'increasing values from 0 to 1',
    );
}

/**
 * `count` chains of binary visible states (the rows of `v`) on the path p_β(v) ∝
 * e^{(1−β) b_Aᵀv + β bᵀv} Π_j (1 + e^{β (c_j + (vW)_j)}) from the base-rate model (β = 0) to the
 * RBM (β = 1): the part that AIS and RAISE share. Its buffers are allocated once.
 */
export function createAnnealingChains(rbm: Rbm, bA: Float32Array, count: number) {
  const { backend, params } = rbm;
  const nv = params.nVisible,
    nh = params.nHidden;
  const v = Matrix.zeros(count, nv),
    z = Matrix.zeros(count, nh),
    h = Matrix.zeros(count, nh),
    vp = Matrix.zeros(count, nv);
  const dotB = new Float64Array(count),
    dotA = new Float64Array(count),
    spHi = new Float64Array(count),
    spLo = new Float64Array(count);
  const mixedBias = new Float32Array(nv);
  let fresh = false; // z holds vW for the current v
  const hiddenInputs = () => {
    if (!fresh) backend.gemm(false, false, 1, v, params.weights, 0, z);
    fresh = true;
  };
  return {
    /** The chains' states (count × nV); write them, then call {@link changed}. */
    v,
    /** Says that `v` was written from outside. */
    changed(): void {
      fresh = false;
    },
    /** acc[r] += sign·(ln p*_hi(v_r) − ln p*_lo(v_r)), the unnormalised log-probabilities at β = hi and lo. */
    addLogRatio(hi: number, lo: number, sign: number, acc: Float64Array): void {
      hiddenInputs();
      backend.rowDots(v, params.visibleBias, dotB);
      backend.rowDots(v, bA, dotA);
      backend.softplusRowSumPair(z, params.hiddenBias, hi, lo, spHi, spLo);
      for (let r = 0; r < count; r++) acc[r] += sign * ((hi - lo) * (dotB[r] - dotA[r]) + spHi[r] - spLo[r]);
    },
    /** One block-Gibbs transition v → h → v that leaves p_β invariant. */
    transition(beta: number, rng: Rng): void {
      hiddenInputs();
      backend.sigmoid(z, params.hiddenBias, beta, h);
      backend.bernoulli(h.data, rng, h.data);
      for (let i = 0; i < nv; i++) mixedBias[i] = (1 - beta) * bA[i] + beta * params.visibleBias[i];
      backend.gemm(false, true, beta, h, params.weights, 0, vp);
      backend.sigmoid(vp, mixedBias, 1, vp);
      backend.bernoulli(vp.data, rng, v.data);
      fresh = false;
    },
  };
}
