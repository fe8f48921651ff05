import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Packr } from 'msgpackr';
import { defer, finalize, tap, type MonoTypeOperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { AnyModel } from '../models/modelKinds.js';
import type { StepEvent } from '../operators/phases.js';
import type { DataInfo } from '../schemas/snapshot.js';
import type { TrainConfig } from '../schemas/trainConfig.js';
import { stateSnapshot } from './stateSnapshot.js';

export interface LogSinkOptions {
  /** Append a record every this many steps (default 1). */
  every?: number;
  /** `metrics` (default): `{ kind: 'metrics', step, epoch, seconds, …metrics }`; `snapshots`: whole snapshots (`{ kind: 'snapshot', step, …snapshot }`), for replaying a run's weights. */
  records?: 'metrics' | 'snapshots';
  /** Needed for `snapshots`. */
  config?: TrainConfig | Record<string, unknown>;
  data?: DataInfo | (() => DataInfo);
}

const packr = new Packr({ moreTypes: true, useRecords: false });

/**
 * Appends a msgpack record per step (or every `every` steps) to a log file: a plain concatenation
 * of msgpackr messages that {@link readLog} reads back from the start, while the run is still
 * writing it or after it crashed (a partial last record is reported, never misread). Events pass
 * through unchanged; a failed write errors the stream naming the file.
 *
 * @example
 * ```ts
 * import { lastValueFrom } from 'rxjs';
 * import { trainRbm, logSink, readLog, loadDataset } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 500 });
 * await lastValueFrom(trainRbm({ data, config: { nHidden: 16 } }).pipe(logSink('runs/example/log.msgpack')));
 * for await (const r of readLog('runs/example/log.msgpack')) console.log(r.step, r.reconstructionError);
 * ```
 */
export function logSink<E extends StepEvent<AnyModel> = StepEvent>(
  path: string,
  options: LogSinkOptions = {},
): MonoTypeOperatorFunction<E> {
  const every = options.every ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new BoltzflowError('log every', every, 'an integer ≥ 1 (steps)');
  if (options.records === 'snapshots' && (!options.config || !options.data))
    throw new BoltzflowError('log records', 'snapshots', 'config and data given, to write whole snapshots');
  const fail = (cause: unknown) => new BoltzflowError('log', path, `a writable file (${(cause as Error).message})`, { cause });
  return (source) =>
    defer(() => {
      let fd: number;
      try {
        mkdirSync(dirname(path), { recursive: true });
        fd = openSync(path, 'a');
      } catch (cause) {
        throw fail(cause);
      }
      const start = performance.now();
      return source.pipe(
        tap((e) => {
          if (e.step % every !== 0) return;
          const record =
            options.records === 'snapshots'
              ? {
                  kind: 'snapshot',
                  step: e.step,
                  ...stateSnapshot(e, options.config!, typeof options.data === 'function' ? options.data() : options.data!),
                }
              : { kind: 'metrics', step: e.step, epoch: e.epoch, seconds: (performance.now() - start) / 1000, ...e.metrics };
          try {
            const bytes = packr.pack(record);
            let off = 0;
            while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
          } catch (cause) {
            throw fail(cause);
          }
        }),
        finalize(() => closeSync(fd)),
      );
    });
}
