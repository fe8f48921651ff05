import { completeFromSamples } from './completeFromSamples.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { annealStates, randomizeStates, type AnnealSchedule, type Bm } from './bm.js';
import { gibbsBuffers, hiddenProbs, visibleProbs, type Rbm } from './rbm.js';
import { sampleVisible, visibleUnitsOf } from './visibleUnits.js';

export interface CompletionOptions {
  /** Independent samples drawn (default 100). */
  samples?: number;
  /** RBM: Gibbs steps per sample (default 200). */
  steps?: number;
  /**
   * General BM: the annealing schedule of the unknown units (default 10 sweeps at T = 4, 2, 1, so
   * that the samples come from the conditional distribution at T = 1; end colder for recall, e.g.
   * for a Hopfield network, whose weights scale as 1/n).
   */
  anneal?: AnnealSchedule;
}

export interface Completion {
  /** The most frequent completion among the samples (known units as given). */
  readonly state: Float32Array;
  /** The fraction of samples equal to `state` on the unknown units: an estimate of P(state | known). */
  readonly probability: number;
  /** The mean over samples of each unit (RBM: of P(vᵢ | h)): a soft completion. */
  readonly mean: Float32Array;
}

/**
 * Pattern completion: clamps the units where `known[i]` is 1 to `partial[i]` and samples the
 * others from the model — block Gibbs for an RBM (e.g. the lower half of an MNIST digit; Gaussian
 * visible units too, whose samples are all distinct, so that `mean` is the completion), annealed
 * Glauber dynamics for a general BM — returning the most frequent completion with its estimated
 * conditional probability, and the mean.
 *
 * @example
 * ```ts
 * import { hopfieldStore, completePattern, Matrix } from 'boltzflow';
 * const net = hopfieldStore(Matrix.from([[1, 1, 1, -1, -1, -1]]), 1);
 * const cold = [0.5, 0.1, 0.01].map((temperature) => ({ temperature, sweeps: 5 }));
 * const c = completePattern(net, Float32Array.of(1, 1, 0, 0, 0, 0), Uint8Array.of(1, 1, 0, 0, 0, 0), { anneal: cold });
 * console.log(c.state, c.probability); // Float32Array(6) [1, 1, 1, -1, -1, -1] ≈ 1 (the pattern, in 99 of 100 samples)
 * ```
 */
export function completePattern(
  model: Rbm | Bm,
  partial: ArrayLike<number>,
  known: ArrayLike<number>,
  options: CompletionOptions = {},
): Completion {
  const { samples = 100, steps = 200 } = options;
  const n = model.kind === 'rbm' ? model.params.nVisible : model.params.nUnits;
  if (partial.length !== n || known.length !== n)
    throw new BoltzflowError('partial/known', `lengths ${partial.length}/${known.length}`, `length ${n} each`);
  const clamped = Uint8Array.from(known, (k) => (k ? 1 : 0));
  const states = Matrix.zeros(samples, n);
  const mean = new Float32Array(n);
  if (model.kind === 'rbm') {
    // Gaussian units start at their biases and are drawn from N(b + Wh, σ²); Bernoulli ones start as coins.
    const gaussian = visibleUnitsOf(model.params).type === 'gaussian';
    const b0 = model.params.visibleBias;
    for (let r = 0; r < samples; r++)
      for (let i = 0; i < n; i++) states.data[r * n + i] = clamped[i] ? partial[i] : gaussian ? b0[i] : model.rng.uniform() < 0.5 ? 1 : 0;
    const b = gibbsBuffers(model.params, samples);
    const drawn = gaussian ? Matrix.zeros(samples, n) : null;
    for (let s = 0; s < steps; s++) {
      hiddenProbs(model, states, b.hiddenProbs);
      model.backend.bernoulli(b.hiddenProbs.data, model.rng, b.hidden.data);
      visibleProbs(model, b.hidden, b.visibleProbs);
      if (drawn) sampleVisible(model, b.visibleProbs, drawn);
      for (let k = 0; k < states.data.length; k++)
        if (!clamped[k % n]) states.data[k] = drawn ? drawn.data[k] : model.rng.uniform() < b.visibleProbs.data[k] ? 1 : 0;
    }
    for (let k = 0; k < states.data.length; k++) mean[k % n] += (clamped[k % n] ? partial[k % n] : b.visibleProbs.data[k]) / samples;
  } else {
    for (let r = 0; r < samples; r++) for (let i = 0; i < n; i++) if (clamped[i]) states.data[r * n + i] = partial[i];
    randomizeStates(model, states, clamped);
    const anneal = options.anneal ?? [4, 2, 1].map((temperature) => ({ temperature, sweeps: 10 }));
    annealStates(model, states, anneal, clamped);
    for (let k = 0; k < states.data.length; k++) mean[k % n] += states.data[k] / samples;
  }
  const { state, probability } = completeFromSamples(states, mean);
  return { state, probability, mean };
}
