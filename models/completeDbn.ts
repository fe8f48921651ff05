import { allocateMatrix } from '../kernels/allocateMatrix.js';
import {
  checkCompletionInput,
  clampRows,
  completeFromSamples,
  type DeepCompletionOptions,
  type SampledCompletion,
} from './completeFromSamples.js';
import type { Dbn } from './dbn.js';
import { hiddenProbs, visibleProbs } from './rbm.js';
import { randomVisible, sampleVisible } from './visibleUnits.js';

/**
 * Pattern completion with a DBN, by an up-down chain with the units where `known[i]` is 1 clamped
 * to `partial[i]`. Each of `steps` sweeps of each of `samples` chains: an up pass sampling every
 * layer from the one below (h¹ ~ P(h¹ | v), … through each RBM's recognition conditional, the
 * top RBM's hidden layer included), then a down pass sampling every layer from the one above
 * (the top RBM's visible layer given its hidden one, which makes one Gibbs step in the top RBM,
 * then the directed layers down to P(v | h¹)), the unknown visible units drawn from it and the
 * known ones clamped again. With one layer this is clamped block Gibbs in the RBM, whose samples
 * come from the exact P(v_unknown | v_known). With more it is an approximation, and a stated one:
 * the up pass uses each RBM's factorial posterior where the DBN's true posterior is not factorial
 * (explaining away), so the chain's samples come from the stationary distribution of this up-down
 * chain, not exactly from the DBN's conditional (the tests hold the sampler to that distribution,
 * enumerated, and log how far it is from the exact conditional). Returns the most frequent
 * completion with its estimated probability, the mean (of the conditional means of v | h¹ at the
 * last sweep for the unknown units) and the samples. Draws come from each layer's generator; the
 * unknown units start as the first layer's fresh chains do (coins; N(b, σ²) for Gaussian units).
 *
 * @example
 * ```ts
 * import { createDbn, createRbm } from 'boltzflow';
 * import { completeDbn } from '#internal/models/completeDbn.js';
 * const dbn = createDbn([createRbm({ nVisible: 4, nHidden: 3, seed: 1 }), createRbm({ nVisible: 3, nHidden: 2, seed: 2 })]);
 * const c = completeDbn(dbn, Float32Array.of(1, 0, 0, 0), Uint8Array.of(1, 1, 0, 0), { samples: 50, steps: 20 });
 * console.log(c.samples.rows, c.mean[0], c.state[0]); // 50 1 1
 * ```
 */
export function completeDbn(
  dbn: Dbn,
  partial: ArrayLike<number>,
  known: ArrayLike<number>,
  options: DeepCompletionOptions = {},
): SampledCompletion {
  const { samples = 100, steps = 200 } = options;
  const { layers } = dbn;
  const bottom = layers[0];
  const V = bottom.params.nVisible;
  const clamped = checkCompletionInput(V, partial, known, samples, steps);
  // h[0] is v; h[l] the hidden layer of layers[l − 1]. p[l]: the last conditional means of h[l].
  const sizes = [V, ...layers.map((r) => r.params.nHidden)];
  const h = sizes.map((n, l) => allocateMatrix(layers[Math.max(0, l - 1)].backend, samples, n));
  const p = sizes.map((n, l) => allocateMatrix(layers[Math.max(0, l - 1)].backend, samples, n));
  randomVisible(bottom, h[0]);
  clampRows(h[0], partial, clamped);
  for (let s = 0; s < steps; s++) {
    layers.forEach((rbm, l) => {
      hiddenProbs(rbm, h[l], p[l + 1]);
      rbm.backend.bernoulli(p[l + 1].data, rbm.rng, h[l + 1].data);
    });
    for (let l = layers.length - 1; l >= 0; l--) {
      visibleProbs(layers[l], h[l + 1], p[l]);
      sampleVisible(layers[l], p[l], h[l]);
    }
    clampRows(h[0], partial, clamped);
  }
  const mean = new Float32Array(V);
  bottom.backend.columnSums(p[0], 1 / samples, 0, mean);
  for (const i of clamped) mean[i] = partial[i];
  return completeFromSamples(h[0], mean);
}
