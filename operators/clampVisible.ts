import { defer, map, type OperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { isState, kindOf, trainingState, type AnyModel, type TrainingState } from '../models/modelKinds.js';
import type { Rbm } from '../models/rbm.js';
import { clampOptionsSchemas, type ClampOptionsFor } from '../schemas/clampOptions.js';
import { parseWith } from '../schemas/parseWith.js';
import type { Minibatch, PositivePhase } from './phases.js';

/**
 * The positive ("wake") phase: clamps each minibatch on the visible units and infers the latent
 * units, as the model's kind does it. For an RBM that is exact — P(h | v) and a sample h ~ P(h | v).
 * For a general Boltzmann machine (options: `anneal`, `temperature`, `k`, `noise`, `repeats`) the
 * hidden units start at random, are annealed, and ⟨sᵢ sⱼ⟩⁺ is averaged over k sweeps at
 * `temperature`. For a deep BM (options: `tolerance`, `maxIterations`), mean field over the hidden
 * layers to a tolerance.
 *
 * Each subscription starts a run: a {@link TrainingState} of its own, made from the model given (a
 * copy: the model given is never written; train it and read the result from the step events'
 * `model`), or a copy of a state given (a restored snapshot's: the run continues it bit for bit).
 * The state travels with every value to the next three operators. Accepts {@link Minibatch}es (from
 * `minibatches`) or bare matrices (then it counts steps itself). Each minibatch is checked: V columns;
 * values in [0, 1] (one-of-K groups summing to 1) for Bernoulli visible units, finite values for
 * Gaussian ones.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { clampVisible, createRbm, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 3, nHidden: 2, seed: 1 });
 * of(Matrix.from([[1, 0, 1]])).pipe(clampVisible(rbm))
 *   .subscribe((pos) => console.log(pos.hiddenProbs.toArrays())); // ≈ [[0.5, 0.5]]
 * ```
 */
export function clampVisible<M extends AnyModel = Rbm>(
  from: M | TrainingState<M>,
  options?: ClampOptionsFor<M['kind']>,
): OperatorFunction<Minibatch | Matrix, PositivePhase<M>> {
  const model = isState(from) ? from.model : from;
  const kind = kindOf(model);
  const settings = parseWith(clampOptionsSchemas[model.kind], options ?? {}, { fieldName: (p) => `clampVisible options.${p.join('.')}` });
  return (source) =>
    defer(() => {
      const state = trainingState(from);
      const positive = kind.positive(state.model, settings);
      const nVisible = kind.nVisible(state.model);
      let step = state.counters.step;
      return source.pipe(
        map((input) => {
          const batch = input instanceof Matrix ? { data: input, epoch: 0, index: step, batchesPerEpoch: Infinity, step } : input;
          step = batch.step + 1;
          if (batch.data.cols !== nVisible || batch.data.rows === 0)
            throw new BoltzflowError(
              `minibatch ${batch.step}`,
              `${batch.data.rows}×${batch.data.cols}`,
              `at least one row of ${nVisible} visible values`,
            );
          kind.checkData(state.model, batch.data, `minibatch ${batch.step}`);
          return { model: state.model, state, batch, ...positive(state, batch.data) };
        }),
      );
    });
}
