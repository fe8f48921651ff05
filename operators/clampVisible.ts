import { defer, map, type OperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import type { Bm } from '../models/bm.js';
import { meanField, type Dbm, type MeanFieldOptions } from '../models/dbm.js';
import { clampedMoments, type ClampOptions } from '../models/bmPhases.js';
import { clampOptionsSchema, type BmClampOptions } from '../schemas/clampOptions.js';
import { parseWith } from '../schemas/parseWith.js';
import { hiddenProbs, type Rbm } from '../models/rbm.js';
import { BERNOULLI, checkVisibleBatch, visibleUnitsOf } from '../models/visibleUnits.js';
import type { BmPositivePhase, DbmPositivePhase, Minibatch, PositivePhase } from './phases.js';


/**
 * The positive ("wake") phase: clamps each minibatch on the visible units and infers the hidden
 * units. For an RBM that is exact — P(h | v) and a sample h ~ P(h | v). For a general Boltzmann
 * machine (options: `anneal`, `temperature`, `k`, `noise`, `repeats`) the hidden units start at
 * random, are annealed, and ⟨sᵢ sⱼ⟩⁺ is averaged over k sweeps at `temperature`. For a deep BM
 * (options: `tolerance`, `maxIterations`), mean field over the hidden layers to a tolerance. Accepts {@link Minibatch}es (from
 * `minibatches`) or bare matrices (then it counts steps itself). Each minibatch is checked:
 * V columns; values in [0, 1] (one-of-K groups summing to 1) for Bernoulli visible units, finite
 * values for Gaussian ones.
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
export function clampVisible(model: Rbm): OperatorFunction<Minibatch | Matrix, PositivePhase>;
export function clampVisible(model: Bm, options?: BmClampOptions): OperatorFunction<Minibatch | Matrix, BmPositivePhase>;
export function clampVisible(model: Dbm, options?: MeanFieldOptions): OperatorFunction<Minibatch | Matrix, DbmPositivePhase>;
export function clampVisible(model: Rbm | Bm | Dbm, options: BmClampOptions | MeanFieldOptions = {}): OperatorFunction<Minibatch | Matrix, PositivePhase | BmPositivePhase | DbmPositivePhase> {
  return (source) =>
    defer(() => {
      let step = 0;
      const toBatch = (input: Minibatch | Matrix): Minibatch => {
        const batch = input instanceof Matrix ? { data: input, epoch: 0, index: step, batchesPerEpoch: Infinity, step } : input;
        step = batch.step + 1;
        const nVisible = model.kind === 'dbm' ? model.params.sizes[0] : model.params.nVisible;
        if (batch.data.cols !== nVisible || batch.data.rows === 0)
          throw new BoltzflowError(`minibatch ${batch.step}`, `${batch.data.rows}×${batch.data.cols}`, `at least one row of ${nVisible} visible values`);
        checkVisibleBatch(model.kind === 'rbm' ? visibleUnitsOf(model.params) : BERNOULLI, batch.data, `minibatch ${batch.step}`, model.kind === 'bm' ? jsBackend : model.backend);
        return batch;
      };
      if (model.kind === 'dbm') {
        const o = checkMeanFieldOptions(options as MeanFieldOptions);
        const hidden = model.params.sizes.slice(1);
        const layers = hidden.map((n) => reusableMatrix(n));
        const scratch = reusableMatrix(Math.max(...hidden));
        return source.pipe(
          map((input): DbmPositivePhase => {
            const batch = toBatch(input);
            const q = [batch.data, ...layers.map((buffer) => buffer(batch.data.rows))];
            const { iterations } = meanField(model, q, o, scratch(batch.data.rows).data);
            return { model, batch, meanField: q, iterations };
          }),
        );
      }
      if (model.kind === 'bm') {
        const o = parseWith(clampOptionsSchema, options as BmClampOptions);
        const clamp: ClampOptions = { anneal: [...(o.anneal ?? []), { temperature: o.temperature, sweeps: o.k }], noise: o.noise, repeats: o.repeats };
        const states = reusableMatrix(model.params.nUnits);
        return source.pipe(
          map((input): BmPositivePhase => {
            const batch = toBatch(input);
            const buffer = states(batch.data.rows * (clamp.repeats ?? 1));
            const positive = clampedMoments(model, batch.data, clamp, buffer);
            return { model, batch, positive, clampedStates: buffer };
          }),
        );
      }
      const hp = reusableMatrix(model.params.nHidden, model.backend);
      const hs = reusableMatrix(model.params.nHidden, model.backend);
      return source.pipe(
        map((input): PositivePhase => {
          const batch = toBatch(input);
          const probs = hiddenProbs(model, batch.data, hp(batch.data.rows));
          const hidden = hs(batch.data.rows);
          model.backend.bernoulli(probs.data, model.rng, hidden.data);
          return { model, batch, visible: batch.data, hiddenProbs: probs, hidden };
        }),
      );
    });
}

function checkMeanFieldOptions(o: MeanFieldOptions): MeanFieldOptions {
  for (const key of Object.keys(o))
    if (key !== 'tolerance' && key !== 'maxIterations') throw new BoltzflowError(`clampVisible options.${key}`, (o as Record<string, unknown>)[key], 'no such option for a DBM (tolerance, maxIterations)');
  if (o.tolerance !== undefined && !(o.tolerance > 0)) throw new BoltzflowError('clampVisible options.tolerance', o.tolerance, 'a number > 0');
  if (o.maxIterations !== undefined && !(Number.isInteger(o.maxIterations) && o.maxIterations >= 1))
    throw new BoltzflowError('clampVisible options.maxIterations', o.maxIterations, 'an integer ≥ 1');
  return o;
}
