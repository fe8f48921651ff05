import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { defer, finalize, tap, type MonoTypeOperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { AnyModel } from '../models/modelKinds.js';
import type { StepEvent } from '../operators/phases.js';
import { writeFully } from './writeFully.js';

/** The JSON object written for one step: counters (a DBN's `layer` too, from 0), metrics and seconds since the subscription. */
export function stepRecord(
  e: Pick<StepEvent<AnyModel>, 'step' | 'epoch' | 'index' | 'batchesPerEpoch' | 'batchSize' | 'metrics'> & { layer?: number },
  seconds: number,
): Record<string, unknown> {
  return {
    event: 'step',
    step: e.step,
    ...(e.layer !== undefined ? { layer: e.layer } : {}),
    epoch: e.epoch,
    index: e.index,
    batchesPerEpoch: e.batchesPerEpoch,
    batchSize: e.batchSize,
    seconds: Math.round(seconds * 1000) / 1000,
    ...e.metrics,
  };
}

export interface MetricsSinkOptions {
  /** Training seconds before this run (a resumed run's, from its metrics file): `seconds` continues from them. */
  secondsFrom?: number;
}

/**
 * Writes one NDJSON line per step event — `{"event":"step","step":…,"reconstructionError":…}` —
 * to a file (appended; created with its folder if missing) or to a file descriptor such as
 * stdout's `1`. Events pass through unchanged; a failed write errors the stream naming the target.
 * `seconds` count from the subscription, plus `options.secondsFrom` (a resumed run's earlier time).
 *
 * @example
 * ```ts
 * import { trainRbm, metricsSink, loadDataset } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 1000 });
 * trainRbm({ data, config: { nHidden: 64 } }).pipe(metricsSink('runs/example/metrics.ndjson')).subscribe();
 * ```
 */
export function metricsSink<E extends StepEvent<AnyModel> = StepEvent>(
  target: string | number,
  options: MetricsSinkOptions = {},
): MonoTypeOperatorFunction<E> {
  return (source) =>
    defer(() => {
      const start = performance.now() - (options.secondsFrom ?? 0) * 1000;
      let fd: number;
      try {
        if (typeof target === 'string') {
          mkdirSync(dirname(target), { recursive: true });
          fd = openSync(target, 'a');
        } else fd = target;
      } catch (cause) {
        throw new BoltzflowError('metrics', target, `a writable file (${(cause as Error).message})`, { cause });
      }
      return source.pipe(
        tap((e) => {
          try {
            writeFully(fd, JSON.stringify(stepRecord(e, (performance.now() - start) / 1000)) + '\n');
          } catch (cause) {
            throw new BoltzflowError('metrics', target, `a writable file (${(cause as Error).message})`, { cause });
          }
        }),
        finalize(() => {
          if (typeof target === 'string') closeSync(fd);
        }),
      );
    });
}
