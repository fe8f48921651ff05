import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import type { Minibatch } from '../operators/phases.js';
import { checkRecord } from './checkRecord.js';
import type { BadRecordKind, FeedItem } from './DataRecord.js';
import type { FlushMarker } from './flushable.js';

export interface OnlineMinibatchOptions {
  batchSize: number;
  /** Values per record; default: the first record's length. */
  nVisible?: number;
  /** The step number of the first minibatch (a resumed run's step counter). */
  firstStep?: number;
  /**
   * A bad record (one the feed could not parse, with the wrong length, non-finite or outside [0, 1],
   * or a line over the length limit): end the feed with an error naming it (default; the records
   * before it are learned first, a part-filled minibatch included), or skip it and count it.
   */
  onBadRecord?: 'fail' | 'skip';
  /** Called with the running count of skipped records, the problem and its kind. */
  onSkip?: (skipped: number, error: BoltzflowError, kind: BadRecordKind) => void;
}

/**
 * Cuts an unbounded feed of records into minibatches in arrival order (no shuffling, no epochs:
 * `epoch` stays 0, `batchesPerEpoch` is Infinity and `index` counts minibatches). Pulls one
 * record at a time, so a slow pipeline slows the feed. A short last minibatch is emitted when the
 * feed ends, and before a feed's error (or a bad record under `fail`) is thrown, so that nothing
 * read before the fault goes unlearned. The emitted matrix is a reused buffer, valid until the next
 * minibatch. A {@link FlushMarker} in the feed (see `flushable`) emits the part-filled minibatch at
 * once, if there is one: a quiet feed's last records are learned without waiting for more.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { onlineMinibatches } from 'boltzflow';
 * async function* feed() { for (let i = 0; i < 5; i++) yield { values: Float32Array.of(i % 2, 1), where: `record ${i}` }; }
 * from(onlineMinibatches(feed(), { batchSize: 2 })).subscribe((b) => console.log(b.step, b.data.rows)); // 0 2 · 1 2 · 2 1
 * ```
 */
export async function* onlineMinibatches(
  records: AsyncIterable<FeedItem | FlushMarker>,
  options: OnlineMinibatchOptions,
): AsyncGenerator<Minibatch> {
  const { batchSize, onBadRecord = 'fail' } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new BoltzflowError('batchSize', batchSize, 'an integer ≥ 1');
  let nVisible = options.nVisible ?? 0;
  let buffer: ((rows: number) => Matrix) | null = null;
  let step = options.firstStep ?? 0,
    filled = 0,
    skipped = 0;
  const emit = (rows: number): Minibatch => ({
    data: buffer!(batchSize).topRows(rows),
    epoch: 0,
    index: step,
    batchesPerEpoch: Infinity,
    step: step++,
  });
  let fault: { error: unknown } | null = null;
  try {
    for await (const record of records) {
      if ('flush' in record) {
        if (filled > 0) yield emit(filled);
        filled = 0;
        continue;
      }
      if (record.values && nVisible === 0) nVisible = record.values.length;
      const problem = record.values ? checkRecord(record, nVisible) : record;
      if (problem) {
        if (onBadRecord === 'fail') {
          fault = { error: problem.error };
          break;
        }
        options.onSkip?.(++skipped, problem.error, problem.kind);
        continue;
      }
      buffer ??= reusableMatrix(nVisible);
      buffer(batchSize).data.set(record.values!, filled * nVisible);
      if (++filled === batchSize) {
        filled = 0;
        yield emit(batchSize);
        await yieldToEventLoop();
      }
    }
  } catch (error) {
    fault = { error };
  }
  if (filled > 0) yield emit(filled);
  if (fault) throw fault.error;
}
