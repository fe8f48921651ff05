import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { aisBetas, baseLogPartition, checkAnnealing, createAnnealingChains } from './ais.js';
import { checkVisibleRows } from './checkVisibleRows.js';
import type { Rbm } from './rbm.js';

export interface RaiseOptions {
  /** Visible biases of the base-rate model the reverse chains anneal down to (see `baseRateBias`). */
  baseVisibleBias: Float32Array;
  /** Inverse temperatures from 0 to 1 (default `aisBetas()`), walked from 1 down to 0. */
  betas?: Float64Array;
  /** Reverse chains per row (default 1); their weights are averaged before the logarithm. */
  runs?: number;
  /** Seed of RAISE's own generator (the model's generator is not touched). Default 1. */
  seed?: number;
}

/** RAISE's estimate of ln p(v) for each row of the data. */
export interface RaiseEstimate {
  /** ln p̂(v) per row: in expectation at most the log-probability of v under the annealing's model (see {@link createRaise}). */
  readonly logProbabilities: Float64Array;
  /** The chains' log weights, row after row (rows × runs). */
  readonly logWeights: Float64Array;
  readonly runs: number;
  readonly steps: number;
}

/**
 * Reverse annealed importance sampling (RAISE, Burda, Grosse & Salakhutdinov 2015): a conservative
 * estimate of ln p(v) for each row v of `data`. Forward annealing from the base-rate model A
 * through p_0 = A, p_1, …, p_K = the RBM (one block-Gibbs transition T_k per temperature, as AIS
 * does) is a generative model q(v) of its own, close to the RBM's p(v) when the schedule is long.
 * RAISE estimates q(v) by importance sampling with the reversed chain as the proposal: it starts
 * at v_K = v, draws h ~ p_K(h | v) and then v ~ p_K(v | h) (T_K, which is its own reversal), and so
 * down to v_0 ~ T_1(· | v_1). The weight (Upadhya & Sastry 2015, eq. 10, on the marginal over h) is
 * w = p*_K(v) / Z_A · Π_{k=0}^{K−1} p*_k(v_k) / p*_{k+1}(v_k): each state is weighed by the
 * temperature below the one that made it. E[w] = q(v) exactly, so E[ln p̂] ≤ ln q(v) (Jensen); over
 * data drawn from p, E ln q(v) ≤ E ln p(v) too (Gibbs' inequality), whence a stochastic lower bound,
 * where AIS's ln Z gives an upper one: the two sandwich the log-likelihood.
 *
 * Costs as AIS with rows × runs chains (two GEMMs per temperature). Returns a stepper like
 * `createAis`.
 *
 * @example
 * ```ts
 * import { createRbm, createRaise, aisBetas, baseRateBias, exactRbmLogProbability, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 6, nHidden: 3, seed: 1, weightStd: 1 });
 * const data = Matrix.from([[1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]]);
 * const raise = createRaise(rbm, data, { baseVisibleBias: baseRateBias(data), betas: aisBetas(1000), runs: 20 });
 * raise.advance(Infinity);
 * const exact = exactRbmLogProbability(rbm.params, data);
 * console.log(raise.result().logProbabilities.every((lp, r) => Math.abs(lp - exact[r]) < 0.1)); // true
 * ```
 */
export function createRaise(rbm: Rbm, data: Matrix, options: RaiseOptions) {
  const { params } = rbm;
  const { baseVisibleBias: bA, betas = aisBetas(), runs = 1, seed = 1 } = options;
  checkAnnealing(rbm, 'RAISE', bA, betas);
  checkVisibleRows(data, params.nVisible, 'createRaise(data)');
  if (!Number.isInteger(runs) || runs < 1) throw new BoltzflowError('RAISE runs', runs, 'an integer ≥ 1');
  const rows = data.rows,
    nv = params.nVisible,
    count = rows * runs;
  const rng = Rng.fromSeed(seed);
  const steps = betas.length - 1;
  const chains = createAnnealingChains(rbm, bA, count);
  for (let r = 0; r < rows; r++) for (let s = 0; s < runs; s++) chains.v.row(r * runs + s).set(data.row(r));
  // ln w = ln p*_K(v) − ln Z_A − Σ_k (ln p*_{k+1}(v_k) − ln p*_k(v_k)); ln p*_K(v) = −F(v) is the ratio to β = 0 plus ln p*_0(v).
  const logWeights = new Float64Array(count);
  chains.addLogRatio(1, 0, 1, logWeights);
  const logZBase = baseLogPartition(bA, params.nHidden);
  for (let c = 0; c < count; c++) {
    const v = chains.v.row(c);
    let s = 0;
    for (let i = 0; i < nv; i++) s += bA[i] * v[i];
    logWeights[c] += s + params.nHidden * Math.LN2 - logZBase;
  }
  let done = 0;

  return {
    /** Steps done and in all. */
    get done() {
      return done;
    },
    steps,
    /** Runs up to `n` more steps down the schedule (step j moves from β_{K−j+1} to β_{K−j}). */
    advance(n: number): void {
      const end = Math.min(steps, done + n);
      for (let j = done + 1; j <= end; j++) {
        const k = steps - j + 1; // a transition at β_k, then the new state weighed by p*_{k−1}/p*_k
        chains.transition(betas[k], rng);
        chains.addLogRatio(betas[k], betas[k - 1], -1, logWeights);
      }
      done = end;
    },
    /** The estimate from the steps done so far (an estimate of ln p(v) once `done === steps`). */
    result(): RaiseEstimate {
      const logProbabilities = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        let max = -Infinity;
        for (let s = 0; s < runs; s++) max = Math.max(max, logWeights[r * runs + s]);
        let sum = 0;
        for (let s = 0; s < runs; s++) sum += Math.exp(logWeights[r * runs + s] - max);
        logProbabilities[r] = max + Math.log(sum / runs);
      }
      return { logProbabilities, logWeights: logWeights.slice(), runs, steps };
    },
  };
}

export type Raise = ReturnType<typeof createRaise>;
