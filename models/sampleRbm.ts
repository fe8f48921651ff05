import { Matrix } from '../kernels/Matrix.js';
import { gibbsBuffers, gibbsChain, visibleProbs, type Rbm } from './rbm.js';

export interface SampleRbmOptions {
  /** Number of independent chains (samples). */
  n: number;
  /** Gibbs steps per chain. */
  steps: number;
  /** Starting visible states (n×V, binary); by default each unit is drawn from σ(bᵢ), the visible biases alone. */
  init?: Matrix;
  /** Called every `every` steps with the steps done (for progress). */
  onProgress?: (done: number) => void;
}

/**
 * Draws samples from the model by running `n` block-Gibbs chains for `steps` steps. Returns the
 * final binary states and P(v | h) of the last half-step (the smoother "mean" images usually shown).
 *
 * @example
 * ```ts
 * import { createRbm, sampleRbm } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 784, nHidden: 100, seed: 1 });
 * const { probs } = sampleRbm(rbm, { n: 16, steps: 100 });
 * console.log(probs.rows, probs.cols); // 16 784
 * ```
 */
export function sampleRbm(rbm: Rbm, options: SampleRbmOptions): { states: Matrix; probs: Matrix } {
  const { n, steps, init, onProgress } = options;
  const nv = rbm.params.nVisible;
  const states = init ? init.clone() : Matrix.zeros(n, nv);
  if (!init) {
    for (let r = 0; r < n; r++) states.row(r).set(rbm.params.visibleBias);
    rbm.backend.sigmoid(states, new Float32Array(nv), 1, states);
    rbm.backend.bernoulli(states.data, rbm.rng, states.data);
  }
  const buffers = gibbsBuffers(rbm.params, states.rows);
  const chunk = 50;
  for (let done = 0; done < steps;) {
    const k = Math.min(chunk, steps - done);
    gibbsChain(rbm, states, k, buffers);
    done += k;
    onProgress?.(done);
  }
  rbm.backend.bernoulli(buffers.hiddenProbs.data, rbm.rng, buffers.hidden.data);
  const probs = visibleProbs(rbm, buffers.hidden, Matrix.zeros(states.rows, nv));
  return { states, probs };
}
