import { allocateMatrix } from '../kernels/allocateMatrix.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import { dbmGibbsSweeps, layerProbs, type Dbm } from './dbm.js';

export interface SampleDbmOptions {
  /** Number of independent chains (samples). */
  n: number;
  /** Block-Gibbs sweeps per chain (each: the odd layers given the even ones, then the even layers). */
  steps: number;
  /** Where the chains start: each unit of each layer drawn from σ(bˡ), its bias alone (`'biases'`, the default), or a fair coin (`'random'`). */
  start?: 'biases' | 'random';
  /** Called after every 50 sweeps (and the last) with the sweeps done. */
  onProgress?: (done: number) => void;
}

/**
 * Draws samples from a DBM: `n` chains of block Gibbs over alternate layers (the odd layers given
 * the even ones, then the even layers, the visible one included, given the odd ones), `steps`
 * sweeps from the start states. Returns every layer's final binary states (`states[0]`: samples
 * of v) and P(v | h¹) of the last sweep (the probabilities `states[0]` was drawn from: the smoother
 * images usually shown). Every draw comes from the model's generator; the arithmetic runs on its backend.
 *
 * @example
 * ```ts
 * import { createDbm } from 'boltzflow';
 * import { sampleDbm } from '#internal/models/sampleDbm.js';
 * const dbm = createDbm({ sizes: [16, 8, 4], seed: 1 });
 * const { states, probs } = sampleDbm(dbm, { n: 5, steps: 100 });
 * console.log(probs.rows, probs.cols, states.map((s) => s.cols)); // 5 16 [16, 8, 4]
 * ```
 */
export function sampleDbm(dbm: Dbm, options: SampleDbmOptions): { states: Matrix[]; probs: Matrix } {
  const { n, steps, start = 'biases', onProgress } = options;
  if (!Number.isInteger(n) || n < 1) throw new BoltzflowError('n', n, 'an integer ≥ 1');
  if (!Number.isInteger(steps) || steps < 0) throw new BoltzflowError('steps', steps, 'an integer ≥ 0');
  const { backend, params, rng } = dbm;
  const states = params.sizes.map((size) => allocateMatrix(backend, n, size));
  const probs = params.sizes.map((size) => allocateMatrix(backend, n, size));
  params.sizes.forEach((size, l) => {
    // From zero inputs: σ(bˡ), or ½ for coins.
    backend.sigmoid(states[l], start === 'biases' ? params.biases[l] : new Float32Array(size), 1, states[l]);
    backend.bernoulli(states[l].data, rng, states[l].data);
  });
  const chunk = 50;
  for (let done = 0; done < steps;) {
    const k = Math.min(chunk, steps - done);
    dbmGibbsSweeps(dbm, states, probs, k);
    done += k;
    onProgress?.(done);
  }
  // After a sweep probs[0] is P(v | h¹) already (h¹ has not moved since); without one, from the start.
  if (steps === 0) layerProbs(dbm, states, 0, probs[0]);
  return { states, probs: probs[0] };
}
