import { defer, map, type OperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import { hiddenProbs, type Rbm } from '../models/rbm.js';
import type { Minibatch, PositivePhase } from './phases.js';

/**
 * The positive ("wake") phase: clamps each minibatch on the visible units and infers the hidden
 * units exactly — P(h | v) and a binary sample h ~ P(h | v). Accepts {@link Minibatch}es (from
 * `minibatches`) or bare matrices (then it counts steps itself, one epoch of unknown length).
 * Each minibatch is checked: V columns, finite values in [0, 1].
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
export function clampVisible(model: Rbm): OperatorFunction<Minibatch | Matrix, PositivePhase> {
  return (source) =>
    defer(() => {
      const hp = reusableMatrix(model.params.nHidden);
      const hs = reusableMatrix(model.params.nHidden);
      let step = 0;
      return source.pipe(
        map((input): PositivePhase => {
          const batch = input instanceof Matrix ? { data: input, epoch: 0, index: step, batchesPerEpoch: Infinity, step } : input;
          step = batch.step + 1;
          checkBatch(batch.data, model.params.nVisible, batch.step);
          const probs = hiddenProbs(model, batch.data, hp(batch.data.rows));
          const hidden = hs(batch.data.rows);
          model.backend.bernoulli(probs.data, model.rng, hidden.data);
          return { model, batch, visible: batch.data, hiddenProbs: probs, hidden };
        }),
      );
    });
}

function checkBatch(data: Matrix, nVisible: number, step: number): void {
  if (data.cols !== nVisible || data.rows === 0)
    throw new BoltzflowError(`minibatch ${step}`, `${data.rows}×${data.cols}`, `at least one row of ${nVisible} visible values`);
  const d = data.data;
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    if (!(x >= 0 && x <= 1))
      throw new BoltzflowError(
        `minibatch ${step}, row ${Math.floor(i / nVisible)}, column ${i % nVisible}`,
        x,
        'a value in [0, 1] (Bernoulli visible units)',
      );
  }
}
