import { join } from 'node:path';
import { defer, tap, type MonoTypeOperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { StepEvent } from '../operators/phases.js';
import { encodeSnapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type DataInfo, type Snapshot } from '../schemas/snapshot.js';
import type { TrainConfig } from '../schemas/trainConfig.js';
import { writeAtomic } from './writeAtomic.js';

export interface SnapshotSinkOptions {
  /** Folder of the run; the snapshot is `<dir>/snapshot.msgpack`. */
  dir: string;
  /** The run's config, saved with the state. */
  config: TrainConfig;
  data: DataInfo;
  /** Also write every this many steps (0: only at epoch ends and when the stream completes). */
  every?: number;
  /** Called after each write with the file's path and the step. */
  onWrite?: (path: string, step: number) => void;
}

/**
 * Saves the complete training state — parameters, velocity, persistent chains, generator state,
 * counters, config — at the end of every epoch, every `every` steps, and when the stream
 * completes, to `<dir>/snapshot.msgpack` (msgpackr, written atomically: temp file, fsync, rename).
 * Events pass through unchanged. A failed write errors the stream with the path and the cause;
 * the previous snapshot stays intact.
 *
 * @example
 * ```ts
 * import { trainRbm, snapshotSink, loadDataset, trainConfigSchema } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 1000 });
 * const config = trainConfigSchema.parse({ nHidden: 64 });
 * const info = { name: 'mnist', rows: data.rows, imageShape: [28, 28] as [number, number], binarize: 'none' as const };
 * trainRbm({ data, config }).pipe(snapshotSink({ dir: 'runs/example', config, data: info })).subscribe();
 * ```
 */
export function snapshotSink(options: SnapshotSinkOptions): MonoTypeOperatorFunction<StepEvent> {
  const path = join(options.dir, 'snapshot.msgpack');
  const every = options.every ?? 0;
  return (source) =>
    defer(() => {
      let last: StepEvent | null = null;
      let lastWritten = -1;
      const write = (e: StepEvent) => {
        try {
          writeAtomic(path, encodeSnapshot(toSnapshot(e, options.config, options.data)));
        } catch (cause) {
          throw new BoltzflowError('snapshot', path, `a writable file (${(cause as Error).message})`, { cause });
        }
        lastWritten = e.step;
        options.onWrite?.(path, e.step);
      };
      return source.pipe(
        tap({
          next: (e) => {
            last = e;
            if (e.index === e.batchesPerEpoch - 1 || (every > 0 && e.step % every === 0)) write(e);
          },
          complete: () => {
            if (last && last.step !== lastWritten) write(last);
          },
        }),
      );
    });
}

/** The snapshot of the state a step event describes (copies nothing: encode it before the next step). */
export function toSnapshot(e: StepEvent, config: TrainConfig, data: DataInfo): Snapshot {
  const { params, rng } = e.model;
  const endOfEpoch = e.index + 1 >= e.batchesPerEpoch;
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    model: 'rbm',
    nVisible: params.nVisible,
    nHidden: params.nHidden,
    config,
    data,
    params: { weights: params.weights.data, visibleBias: params.visibleBias, hiddenBias: params.hiddenBias },
    velocity: { weights: e.velocity.weights.data, visibleBias: e.velocity.visibleBias, hiddenBias: e.velocity.hiddenBias },
    chains: e.persistentChains ? { rows: e.persistentChains.rows, states: e.persistentChains.data } : null,
    rng: Array.from(rng.state()),
    counters: { step: e.step, epoch: endOfEpoch ? e.epoch + 1 : e.epoch, index: endOfEpoch ? 0 : e.index + 1 },
    metrics: { ...e.metrics },
    savedAt: new Date().toISOString(),
  };
}
