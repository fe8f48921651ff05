import { defer, map, type OperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import { gibbsBuffers, gibbsChain, visibleProbs, type GibbsBuffers } from '../models/rbm.js';
import { gibbsOptionsSchema, type GibbsOptions } from '../schemas/gibbsOptions.js';
import { parseWith } from '../schemas/parseWith.js';
import type { NegativePhase, PositivePhase } from './phases.js';

export interface GibbsStepOptions extends GibbsOptions {
  /** Persistent chains to continue (from a snapshot); copied, N×V binary. */
  initialChains?: Matrix | null;
}

/**
 * The negative ("dream") phase: k steps of block Gibbs sampling v → h → v at temperature T.
 * With `chains: 'data'` (CD-k) the chains start at h⁰ of each minibatch. With
 * `chains: 'persistent'` (PCD, Tieleman 2008) fantasy chains are kept for the life of the
 * subscription — across minibatches and epochs — and start from binary samples of the first
 * minibatch (or from `initialChains` when resuming). The chains live inside the subscription:
 * two subscriptions never share them.
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
export function gibbsStep(options: GibbsStepOptions = {}): OperatorFunction<PositivePhase, NegativePhase> {
  const { initialChains, ...rest } = options;
  const { k, chains: mode, temperature, nChains } = parseWith(gibbsOptionsSchema, rest);
  const beta = 1 / temperature;
  return (source) =>
    defer(() => {
      let chains: Matrix | null = initialChains ? initialChains.clone() : null;
      let buffers: GibbsBuffers | null = null;
      let negative: ((rows: number) => Matrix) | null = null;
      let recon: ((rows: number) => Matrix) | null = null;
      return source.pipe(
        map((pos): NegativePhase => {
          const { model } = pos;
          const rows = pos.visible.rows;
          recon ??= reusableMatrix(model.params.nVisible);
          const reconstruction = recon(rows);
          if (mode === 'data') {
            negative ??= reusableMatrix(model.params.nVisible);
            const v = negative(rows);
            if (!buffers || buffers.hiddenProbs.rows < rows) buffers = gibbsBuffers(model.params, rows);
            const b = view(buffers, rows);
            visibleProbs(model, pos.hidden, reconstruction, beta);
            model.backend.bernoulli(reconstruction.data, model.rng, v.data);
            gibbsChain(model, v, k - 1, b, beta);
            return { ...pos, negativeVisible: v, negativeHiddenProbs: b.hiddenProbs, reconstruction, persistentChains: null };
          }
          if (!chains) chains = startChains(pos, nChains ?? rows);
          else if (chains.cols !== model.params.nVisible)
            throw new BoltzflowError('initialChains', `${chains.rows}×${chains.cols}`, `N×${model.params.nVisible} chain states`);
          buffers ??= gibbsBuffers(model.params, chains.rows);
          gibbsChain(model, chains, k, buffers, beta);
          visibleProbs(model, pos.hidden, reconstruction);
          return {
            ...pos,
            negativeVisible: chains,
            negativeHiddenProbs: buffers.hiddenProbs,
            reconstruction,
            persistentChains: chains,
          };
        }),
      );
    });
}

/** Binary samples of the first minibatch's rows (cycled when more chains than rows). */
function startChains(pos: PositivePhase, n: number): Matrix {
  const { visible, model } = pos;
  const chains = Matrix.zeros(n, visible.cols);
  for (let r = 0; r < n; r++) chains.row(r).set(visible.row(r % visible.rows));
  model.backend.bernoulli(chains.data, model.rng, chains.data);
  return chains;
}

function view(b: GibbsBuffers, rows: number): GibbsBuffers {
  return { hiddenProbs: b.hiddenProbs.topRows(rows), hidden: b.hidden.topRows(rows), visibleProbs: b.visibleProbs.topRows(rows) };
}
