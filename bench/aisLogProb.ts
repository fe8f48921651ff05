import type { Matrix } from '../kernels/Matrix.js';
import { aisBetas, createAis } from '../models/ais.js';
import { logProbability, mean } from '../models/logProbability.js';
import type { Rbm } from '../models/rbm.js';

export interface AisLogProbOptions {
  /** Visible biases of AIS's base-rate model (`baseRateBias` of the training data). */
  base: Float32Array;
  /** Inverse temperatures (Salakhutdinov & Murray: 14,500). */
  steps: number;
  /** Annealing runs (Salakhutdinov & Murray: 100). */
  runs: number;
}

/** A model's AIS estimate of ln Z (±3σ) and the mean test log-probability under it, with the range that ln Z's bounds give. */
export interface AisLogProb {
  logZ: number;
  logZLow: number;
  logZHigh: number;
  /** Mean ln P(v) over the test rows under the AIS estimate of ln Z (nats). */
  testLogProb: number;
  /**
   * [testLogProb + ln Z − ln Z high, testLogProb + ln Z − ln Z low]: the test log-probability that ln Z's
   * ±3σ bounds give. The upper end is +Infinity when ln Z's lower bound is undefined (r̂ − 3σ̂ ≤ 0).
   */
  testLogProbRange: [number, number];
  aisSeconds: number;
}

/**
 * The benches' AIS evaluation of an RBM on test rows (Salakhutdinov & Murray 2008's method): ln Z
 * by AIS with `runs` runs over `steps` temperatures (AIS seed 1), then the mean test log-probability.
 *
 * @example
 * ```ts
 * const r = aisLogProb(rbm, test, { base: baseRateBias(train), steps: 14_500, runs: 100 });
 * console.log(r.testLogProb, r.testLogProbRange);
 * ```
 */
export function aisLogProb(model: Rbm, test: Matrix, { base, steps, runs }: AisLogProbOptions): AisLogProb {
  const t0 = performance.now();
  const ais = createAis(model, { baseVisibleBias: base, betas: aisBetas(steps), runs, seed: 1 });
  ais.advance(Infinity);
  const { logZ, logZLow, logZHigh } = ais.result();
  const aisSeconds = (performance.now() - t0) / 1000;
  const testLogProb = mean(logProbability(model, test, logZ));
  return {
    logZ,
    logZLow,
    logZHigh,
    testLogProb,
    testLogProbRange: [testLogProb + logZ - logZHigh, testLogProb + logZ - logZLow],
    aisSeconds,
  };
}

/** `[low, high]` to two decimals, the high end in words where ln Z's lower bound is undefined. */
export function formatRange([low, high]: [number, number]): string {
  return Number.isFinite(high) ? `[${low.toFixed(2)}, ${high.toFixed(2)}]` : `[${low.toFixed(2)}, no upper bound (ln Z − 3σ undefined)]`;
}
