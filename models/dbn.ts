import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { gibbsBuffers, gibbsChain, hiddenProbs, visibleProbs, type Rbm } from './rbm.js';
import { randomVisible, sampleVisible } from './visibleUnits.js';

/**
 * A deep belief network: RBMs stacked so that layer l's hidden units are layer l+1's visible
 * units. The top two layers form an undirected RBM; the layers below are directed, top-down
 * sigmoid belief nets whose generative weights are the RBMs' (Hinton, Osindero & Teh 2006).
 */
export interface Dbn {
  readonly kind: 'dbn';
  readonly layers: readonly Rbm[];
}

/** A DBN from RBMs whose sizes chain (layer l's nHidden = layer l+1's nVisible). */
export function createDbn(layers: readonly Rbm[]): Dbn {
  if (layers.length === 0) throw new BoltzflowError('layers', 'none', 'at least one RBM');
  layers.forEach((l, i) => {
    if (i > 0 && l.params.nVisible !== layers[i - 1].params.nHidden)
      throw new BoltzflowError(
        `layers[${i}].nVisible`,
        l.params.nVisible,
        `${layers[i - 1].params.nHidden}, layer ${i - 1}'s hidden units`,
      );
  });
  return { kind: 'dbn', layers };
}

/**
 * The up pass: P(h | v) of each layer in turn, fed the probabilities of the layer below (the
 * features a read-out or the next layer is trained on). `depth` layers (default all); rows are
 * processed `chunk` at a time.
 *
 * @example
 * ```ts
 * import { createDbn, createRbm, dbnFeatures, Matrix } from 'boltzflow';
 * const dbn = createDbn([createRbm({ nVisible: 4, nHidden: 3, seed: 1 }), createRbm({ nVisible: 3, nHidden: 2, seed: 2 })]);
 * console.log(dbnFeatures(dbn, Matrix.from([[1, 0, 1, 0]])).cols); // 2
 * ```
 */
export function dbnFeatures(dbn: Dbn, x: Matrix, depth = dbn.layers.length, chunk = 1000): Matrix {
  if (!Number.isInteger(depth) || depth < 0 || depth > dbn.layers.length)
    throw new BoltzflowError('depth', depth, `an integer in 0..${dbn.layers.length}`);
  if (x.cols !== dbn.layers[0].params.nVisible)
    throw new BoltzflowError('dbnFeatures input', `${x.rows}×${x.cols}`, `B×${dbn.layers[0].params.nVisible}`);
  if (depth === 0) return x.clone();
  const out = Matrix.zeros(x.rows, dbn.layers[depth - 1].params.nHidden);
  const buffers = dbn.layers.slice(0, depth).map((l) => Matrix.zeros(Math.min(chunk, x.rows), l.params.nHidden));
  for (let from = 0; from < x.rows; from += chunk) {
    const to = Math.min(x.rows, from + chunk);
    let h = x.rowRange(from, to);
    for (let l = 0; l < depth; l++) h = hiddenProbs(dbn.layers[l], h, buffers[l].topRows(to - from));
    out.data.set(h.data, from * out.cols);
  }
  return out;
}

/**
 * Generates from a DBN: `gibbsSteps` of block Gibbs in the top RBM from random states, then one
 * top-down pass through the directed layers, sampling each layer and returning the bottom
 * layer's means (probabilities for binary pixels). Draws come from each layer's generator.
 *
 * @example
 * ```ts
 * import { createDbn, createRbm, sampleDbn } from 'boltzflow';
 * const dbn = createDbn([createRbm({ nVisible: 4, nHidden: 3, seed: 1 }), createRbm({ nVisible: 3, nHidden: 2, seed: 2 })]);
 * console.log(sampleDbn(dbn, 5, { gibbsSteps: 100 }).rows); // 5
 * ```
 */
export function sampleDbn(dbn: Dbn, n: number, options: { gibbsSteps?: number } = {}): Matrix {
  const { gibbsSteps = 1000 } = options;
  if (!Number.isInteger(n) || n < 1) throw new BoltzflowError('n', n, 'an integer ≥ 1');
  if (!Number.isInteger(gibbsSteps) || gibbsSteps < 1) throw new BoltzflowError('gibbsSteps', gibbsSteps, 'an integer ≥ 1');
  const top = dbn.layers[dbn.layers.length - 1];
  let states = Matrix.zeros(n, top.params.nVisible);
  randomVisible(top, states);
  const buffers = gibbsBuffers(top.params, n);
  gibbsChain(top, states, gibbsSteps, buffers);
  if (dbn.layers.length === 1) return buffers.visibleProbs;
  for (let l = dbn.layers.length - 2; l > 0; l--) {
    const below = Matrix.zeros(n, dbn.layers[l].params.nVisible);
    sampleVisible(dbn.layers[l], visibleProbs(dbn.layers[l], states, below), below);
    states = below;
  }
  return visibleProbs(dbn.layers[0], states, Matrix.zeros(n, dbn.layers[0].params.nVisible));
}
