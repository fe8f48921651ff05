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
  requireBinaryVisible(params, 'AIS');
  const { baseVisibleBias: bA, betas = aisBetas(), runs = 100, seed = 1 } = options;
  const nv = params.nVisible,
    nh = params.nHidden;
  if (bA.length !== nv) throw new BoltzflowError('baseVisibleBias', `length ${bA.length}`, `length ${nv}`);
  if (!Number.isInteger(runs) || runs < 2) throw new BoltzflowError('AIS runs', runs, 'an integer ≥ 2');
  if (betas[0] !== 0 || betas[betas.length - 1] !== 1 || betas.some((b, i) => i > 0 && !(b > betas[i - 1])))
    throw new BoltzflowError(
      'AIS betas',
      `${betas.length} values from ${betas[0]} to ${betas[betas.length - 1]}`,
      'increasing values from 0 to 1',
    );
  const rng = Rng.fromSeed(seed);
  const steps = betas.length - 1;
  const logZBase = nh * Math.LN2 + bA.reduce((s, b) => s + softplus(b), 0);

  const v = Matrix.zeros(runs, nv);
  for (let r = 0; r < runs; r++) v.row(r).set(bA);
  backend.sigmoid(v, new Float32Array(nv), 1, v);
  backend.bernoulli(v.data, rng, v.data); // exact samples of p_0
  const z = Matrix.zeros(runs, nh),
    h = Matrix.zeros(runs, nh),
    vp = Matrix.zeros(runs, nv);
  const dotB = new Float64Array(runs),
    dotA = new Float64Array(runs);
  const spNew = new Float64Array(runs),
    spOld = new Float64Array(runs);
  const mixedBias = new Float32Array(nv);
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
      for (let k = done + 1; k <= end; k++) {
        const bOld = betas[k - 1],
          bNew = betas[k];
        // ln p*_k(v) − ln p*_{k−1}(v) for the current states, then one transition at β_k.
        backend.gemm(false, false, 1, v, params.weights, 0, z);
        backend.rowDots(v, params.visibleBias, dotB);
        backend.rowDots(v, bA, dotA);
        backend.softplusRowSums(z, params.hiddenBias, bNew, spNew);
        backend.softplusRowSums(z, params.hiddenBias, bOld, spOld);
        for (let r = 0; r < runs; r++) logWeights[r] += (bNew - bOld) * (dotB[r] - dotA[r]) + spNew[r] - spOld[r];
        backend.sigmoid(z, params.hiddenBias, bNew, h);
        backend.bernoulli(h.data, rng, h.data);
        for (let i = 0; i < nv; i++) mixedBias[i] = (1 - bNew) * bA[i] + bNew * params.visibleBias[i];
        backend.gemm(false, true, bNew, h, params.weights, 0, vp);
        backend.sigmoid(vp, mixedBias, 1, vp);
        backend.bernoulli(vp.data, rng, v.data);
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
