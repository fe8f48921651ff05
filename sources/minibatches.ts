import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import { Rng } from '../kernels/Rng.js';
import type { Minibatch } from '../operators/phases.js';

export interface MinibatchOptions {
  batchSize: number;
  epochs: number;
  /** Seed of the shuffling; epoch e's order comes from a generator seeded with (seed, e). */
  seed: number;
  /** Shuffle the rows at every epoch (default true). */
  shuffle?: boolean;
  /** Where to start: epoch and minibatch index within it (for resuming). */
  start?: { epoch: number; index: number };
  /** The backend whose own memory holds the shuffled minibatch buffer (see `allocateMatrix`): its kernels then read it in place. */
  backend?: Backend;
}

/**
 * Cuts an in-memory data set into minibatches for `epochs` epochs, shuffled at each epoch, as an
 * async iterable: the pipeline pulls one minibatch at a time, and between minibatches the event
 * loop runs (timers, signals, I/O). The last minibatch of an epoch may be shorter. Epoch e's order
 * depends only on (seed, e), so a resumed run sees the same order as an uninterrupted one.
 * The emitted matrix is a reused buffer, valid until the next minibatch.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { minibatches, Matrix } from 'boltzflow';
 * const data = Matrix.from([[0, 1], [1, 0], [1, 1]]);
 * from(minibatches(data, { batchSize: 2, epochs: 1, seed: 1 }))
 *   .subscribe((b) => console.log(b.index, b.data.rows)); // 0 2, then 1 1
 * ```
 */
export async function* minibatches(data: Matrix, options: MinibatchOptions): AsyncGenerator<Minibatch> {
  const { batchSize, epochs, seed, shuffle = true, start = { epoch: 0, index: 0 }, backend } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > data.rows)
    throw new BoltzflowError('batchSize', batchSize, `an integer in [1, ${data.rows}] (the data has ${data.rows} rows)`);
  const perEpoch = Math.ceil(data.rows / batchSize);
  const buffer = reusableMatrix(data.cols, backend);
  const cols = data.cols;
  for (let epoch = start.epoch; epoch < epochs; epoch++) {
    const order = shuffle ? Rng.fromSeed(epochSeed(seed, epoch)).permutation(data.rows) : null;
    for (let index = epoch === start.epoch ? start.index : 0; index < perEpoch; index++) {
      const from = index * batchSize;
      const to = Math.min(data.rows, from + batchSize);
      let batch: Matrix;
      if (order) {
        batch = buffer(to - from);
        for (let r = from; r < to; r++) batch.data.set(data.data.subarray(order[r] * cols, (order[r] + 1) * cols), (r - from) * cols);
      } else batch = data.rowRange(from, to);
      yield { data: batch, epoch, index, batchesPerEpoch: perEpoch, step: epoch * perEpoch + index };
      await yieldToEventLoop();
    }
  }
}

function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca77)) | 0;
}
