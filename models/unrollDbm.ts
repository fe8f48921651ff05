import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import type { Dbm } from './dbm.js';
import { meanFieldChunks, type MeanFieldChunkOptions } from './meanFieldChunks.js';
import type { FeedForward } from './fineTune.js';

/**
 * The input of an unrolled DBM ({@link unrollDbm}): each row of `v` followed by its mean-field
 * posterior of the second hidden layer, q(h² = 1 | v) (Salakhutdinov & Hinton 2009, figure 3),
 * B × (V + n₂). Mean field runs `chunk` rows at a time on the DBM's backend.
 */
export function dbmAugmentedInput(dbm: Dbm, v: Matrix, options: MeanFieldChunkOptions = {}): Matrix {
  const [V, n2] = [dbm.params.sizes[0], dbm.params.sizes[2]];
  const out = Matrix.zeros(v.rows, V + n2);
  meanFieldChunks(
    dbm,
    v,
    'dbmAugmentedInput(v)',
    (q, from) => {
      for (let r = 0; r < q[0].rows; r++) {
        const row = out.row(from + r);
        row.set(q[0].row(r));
        row.set(q[2].row(r), V);
      }
    },
    options,
  );
  return out;
}

/**
 * A DBM unrolled into a feed-forward classifier for discriminative fine-tuning, as Salakhutdinov &
 * Hinton (2009) do it: the network reads {@link dbmAugmentedInput} (the data and q(h² | v)), so
 * its first hidden layer receives what mean field gives h¹, σ(b¹ + vW¹ + q²W²ᵀ): its weights are
 * W¹ stacked on W²ᵀ, (V + n₂) × n₁. Each layer above is a logistic layer of Wˡ and bˡ (bottom-up
 * only); a softmax layer of `classes` units, its weights at 0, tops it. Copies: the DBM is not written.
 *
 * @example
 * ```ts
 * import { createDbm, dbmAugmentedInput, fineTune, Matrix, predictFeedForward, unrollDbm } from 'boltzflow';
 * const dbm = createDbm({ sizes: [4, 3, 2], seed: 1, weightStd: 0.5 });
 * const x = dbmAugmentedInput(dbm, Matrix.from([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1]]));
 * const net = fineTune(unrollDbm(dbm, 2), x, [0, 0, 1, 1], { epochs: 300, batchSize: 4, learningRate: 1 });
 * console.log(x.cols, net.hidden[0].weights.rows, Array.from(predictFeedForward(net, x).labels)); // 6 6 [0, 0, 1, 1]
 * ```
 */
export function unrollDbm(dbm: Pick<Dbm, 'params'>, classes: number): FeedForward {
  if (!Number.isInteger(classes) || classes < 2) throw new BoltzflowError('classes', classes, 'an integer ≥ 2');
  const { sizes, weights, biases } = dbm.params;
  const [V, n1, n2] = [sizes[0], sizes[1], sizes[2]];
  const first = Matrix.zeros(V + n2, n1);
  first.data.set(weights[0].data);
  // Row V + k is W²'s column k: the top-down weight from h²ₖ to each unit of h¹.
  for (let k = 0; k < n2; k++) for (let j = 0; j < n1; j++) first.data[(V + k) * n1 + j] = weights[1].data[j * n2 + k];
  const hidden = [
    { weights: first, bias: biases[1].slice() },
    ...weights.slice(1).map((w, l) => ({ weights: w.clone(), bias: biases[l + 2].slice() })),
  ];
  const top = sizes[sizes.length - 1];
  return { hidden, output: { weights: Matrix.zeros(top, classes), bias: new Float32Array(classes) } };
}
