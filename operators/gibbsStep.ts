import { defer, map, type OperatorFunction } from 'rxjs';
import { kindOf, type AnyModel, type KindOf } from '../models/modelKinds.js';
import type { Rbm } from '../models/rbm.js';
import { gibbsOptionsSchema, type GibbsOptions } from '../schemas/gibbsOptions.js';
import { parseWith } from '../schemas/parseWith.js';
import type { NegativePhase, PositivePhase } from './phases.js';

export type GibbsStepOptions = GibbsOptions;

/**
 * The negative ("dream") phase: the model's own samples, as its kind draws them. An optional
 * annealing schedule runs first, then k steps at `temperature`: block Gibbs v → h → v for an RBM,
 * sequential Glauber sweeps for a general BM (whose free statistics ⟨sᵢ sⱼ⟩⁻ are averaged over the
 * k sweeps), block Gibbs over alternate layers for a DBM. Chains start at the data (CD-k), persist
 * for the life of the run — across minibatches and epochs (PCD, Tieleman 2008) — or start at
 * random each minibatch. Persistent chains, with whatever the sampler keeps (an RBM's hidden
 * states, say), live in the run's `state.chains`: a restored state's chains are continued, and two
 * subscriptions never share them.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { clampVisible, gibbsStep, createRbm, Matrix } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 3, nHidden: 2, seed: 1 });
 * of(Matrix.from([[1, 0, 1], [0, 1, 0]]))
 *   .pipe(clampVisible(rbm), gibbsStep({ k: 1, chains: 'persistent' }))
 *   .subscribe((neg) => console.log(neg.negativeVisible.toArrays())); // binary 2×3
 * ```
 */
export function gibbsStep<M extends AnyModel = Rbm>(options: GibbsStepOptions = {}): OperatorFunction<PositivePhase<M>, NegativePhase<M>> {
  const o = parseWith(gibbsOptionsSchema, options);
  return (source) =>
    defer(() => {
      let run: unknown = null;
      let sample: ReturnType<KindOf<M>['negative']> | null = null;
      return source.pipe(
        map((pos): NegativePhase<M> => {
          if (pos.state !== run) {
            run = pos.state;
            sample = kindOf(pos.model).negative(o);
          }
          return { ...pos, ...sample!(pos.state, pos) };
        }),
      );
    });
}
