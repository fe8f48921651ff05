import { allocateMatrix } from '../kernels/allocateMatrix.js';
import type { Matrix } from '../kernels/Matrix.js';
import { layerProbs, type Dbm } from './dbm.js';
import {
  checkCompletionInput,
  clampRows,
  completeFromSamples,
  type DeepCompletionOptions,
  type SampledCompletion,
} from './completeFromSamples.js';

/**
 * Pattern completion with a DBM: `samples` chains with the units where `known[i]` is 1 clamped to
 * `partial[i]` and everything else free — the unknown visible units and every hidden layer —
 * sampled by block Gibbs over alternate layers for `steps` sweeps (the odd layers given the even
 * ones, then the even ones, the visible layer's unknown units included). Block Gibbs with some
 * units clamped leaves P(rest | clamped) invariant, so the chains' unknown units come to be drawn
 * from the exact conditional P(v_unknown | v_known). Returns the most frequent completion with its
 * estimated probability, the mean (of P(vᵢ | h¹) at the last sweep for the unknown units), and the
 * samples. The unknown units start as fair coins, the hidden layers from their biases.
 *
 * @example
 * ```ts
 * import { createDbm } from 'boltzflow';
 * import { completeDbm } from '#internal/models/completeDbm.js';
 * const dbm = createDbm({ sizes: [4, 3, 2], seed: 1 });
 * const c = completeDbm(dbm, Float32Array.of(1, 0, 0, 0), Uint8Array.of(1, 1, 0, 0), { samples: 50, steps: 20 });
 * console.log(c.samples.rows, c.mean[0], c.state[0]); // 50 1 1
 * ```
 */
export function completeDbm(
  dbm: Dbm,
  partial: ArrayLike<number>,
  known: ArrayLike<number>,
  options: DeepCompletionOptions = {},
): SampledCompletion {
  const { samples = 100, steps = 200 } = options;
  const { backend, params, rng } = dbm;
  const V = params.sizes[0];
  const clamped = checkCompletionInput(V, partial, known, samples, steps);
  const states: Matrix[] = params.sizes.map((size) => allocateMatrix(backend, samples, size));
  const probs: Matrix[] = params.sizes.map((size) => allocateMatrix(backend, samples, size));
  params.sizes.forEach((size, l) => {
    backend.sigmoid(states[l], l === 0 ? new Float32Array(size) : params.biases[l], 1, states[l]);
    backend.bernoulli(states[l].data, rng, states[l].data);
  });
  clampRows(states[0], partial, clamped);
  const L = params.sizes.length - 1;
  for (let s = 0; s < steps; s++)
    for (const parity of [1, 0])
      for (let l = parity; l <= L; l += 2) {
        layerProbs(dbm, states, l, probs[l]);
        backend.bernoulli(probs[l].data, rng, states[l].data);
        if (l === 0) clampRows(states[0], partial, clamped);
      }
  const mean = new Float32Array(V);
  backend.columnSums(probs[0], 1 / samples, 0, mean);
  for (const i of clamped) mean[i] = partial[i];
  return completeFromSamples(states[0], mean);
}
