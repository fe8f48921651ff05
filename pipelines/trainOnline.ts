import { defer, EMPTY, from, map, switchMap, type Observable } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { createRbm, type Rbm } from '../models/rbm.js';
import type { Minibatch, StepEvent, StepMetrics } from '../operators/phases.js';
import { parseWith } from '../schemas/parseWith.js';
import type { Snapshot } from '../schemas/snapshot.js';
import { trainConfigSchema, type TrainConfigInput } from '../schemas/trainConfig.js';
import { BAD_RECORD_KINDS, type BadRecordKind, type FeedItem } from '../sources/DataRecord.js';
import type { FlushMarker } from '../sources/flushable.js';
import { onlineMinibatches } from '../sources/onlineMinibatches.js';
import { snapshotState } from '../sources/readSnapshot.js';
import { rbmSteps } from './rbmSteps.js';

export interface TrainOnlineOptions {
  /**
   * The feed: any async iterable of records (see `openFeed`), read until it ends; bad records in it
   * are handled by `onBadRecord`; a flush marker (see `flushable`) learns the part-filled minibatch.
   */
  records: AsyncIterable<FeedItem | FlushMarker>;
  /** `epochs` and the learning-rate schedule do not apply: the rate is constant. */
  config?: TrainConfigInput;
  /** Continue from this snapshot's parameters, velocity, persistent chains, generator and step count. */
  resume?: Snapshot;
  /**
   * Bad records: end the run with an error naming the record (default; what came before it is
   * learned first), or skip and count them: `skippedRecords` in all, and by kind `skippedUnparseable`,
   * `skippedNonFinite`, `skippedWidth`, `skippedRange`, `skippedTooLong`.
   */
  onBadRecord?: 'fail' | 'skip';
  /** Bad records the feed itself skipped, by kind (a live count, e.g. `feed.skipped` of `openFeed`): added to the skipped-record metrics. */
  feedSkipped?: Readonly<Record<BadRecordKind, number>>;
  /** Called for each skipped bad record (under `skip`), with the problem and its kind. */
  onSkip?: (error: BoltzflowError, kind: BadRecordKind) => void;
  /** Feed counters added to each step's metrics, e.g. `{ droppedRecords: () => feed.dropped }`. */
  counters?: Record<string, () => number>;
  /**
   * Called before each minibatch after the first, between steps (the model is whole), with the step
   * about to be taken and the model; the next step waits for it (parameter averaging between workers
   * changes the parameters here).
   */
  between?: (step: number, model: Rbm) => Promise<void>;
}

/**
 * Online training: the same four operators as {@link trainRbm}, fed minibatches in arrival order
 * from a feed that may never end. The model is created from the first minibatch (its width, and
 * visible biases at its log-odds) unless a snapshot is resumed. Each step event's metrics include
 * the skipped-record counts and the given feed counters. Unsubscribing stops training at once; a feed that
 * has gone silent is let go only when it next delivers a full minibatch or ends, so open feeds with
 * a `signal` (see `openFeed`) to close their sockets and files at once.
 *
 * @example
 * ```ts
 * import { take, lastValueFrom } from 'rxjs';
 * import { trainOnline } from 'boltzflow';
 * async function* feed() { for (let i = 0; ; i++) yield { values: Float32Array.from({ length: 16 }, (_, j) => ((i + j) % 4 === 0 ? 1 : 0)), where: `record ${i}` }; }
 * const last = await lastValueFrom(trainOnline({ records: feed(), config: { nHidden: 8, batchSize: 10 } }).pipe(take(50)));
 * console.log(last.step, last.metrics.reconstructionError.toFixed(2)); // 50 …
 * ```
 */
export function trainOnline(options: TrainOnlineOptions): Observable<StepEvent> {
  const { resume } = options;
  const given = options.config ?? {};
  if (given.learningRateSchedule === 'linear')
    throw new BoltzflowError(
      'config.learningRateSchedule',
      'linear',
      '"constant" for online training (a feed has no known length to decay over)',
    );
  const config = resume
    ? resume.config
    : parseWith(trainConfigSchema, { ...given, learningRateSchedule: 'constant' }, { fieldName: (p) => `config.${p.join('.')}` });
  if (config.visibleUnits !== 'bernoulli')
    throw new BoltzflowError(
      'config.visibleUnits',
      config.visibleUnits,
      '"bernoulli" for online training (feeds carry values in [0, 1]; train Gaussian units with trainRbm)',
    );
  const backend = selectBackend(config.backend);
  return defer(() => {
    const byKind = Object.fromEntries(BAD_RECORD_KINDS.map((k) => [k, 0])) as Record<BadRecordKind, number>;
    const batches = onlineMinibatches(options.records, {
      batchSize: config.batchSize,
      nVisible: resume?.nVisible,
      firstStep: resume?.counters.step ?? 0,
      onBadRecord: options.onBadRecord,
      onSkip: (_n, error, kind) => {
        byKind[kind]++;
        options.onSkip?.(error, kind);
      },
    })[Symbol.asyncIterator]();
    return from(batches.next()).pipe(
      switchMap((first) => {
        if (first.done) return EMPTY;
        const data = first.value.data;
        const model = resume
          ? snapshotState(resume, { backend })
          : createRbm({
              nVisible: data.cols,
              nHidden: config.nHidden,
              seed: config.seed,
              backend,
              data,
            });
        let live: Rbm | null = null; // the model the steps train (a restored state is copied by them)
        async function* all(): AsyncGenerator<Minibatch> {
          yield first.value as Minibatch;
          for (;;) {
            const r = await batches.next();
            if (r.done) return;
            if (options.between && live) await options.between(r.value.step, live);
            yield r.value;
          }
        }
        const counters = Object.entries(options.counters ?? {});
        return from(all()).pipe(
          rbmSteps(model, config, { nChains: config.method !== 'cd' ? config.batchSize : undefined }),
          map((e) => {
            live = e.model;
            const metrics: Record<string, number> = { ...e.metrics, skippedRecords: 0 };
            for (const kind of BAD_RECORD_KINDS) {
              const n = byKind[kind] + (options.feedSkipped?.[kind] ?? 0);
              metrics[skippedMetric(kind)] = n;
              metrics.skippedRecords += n;
            }
            for (const [name, read] of counters) metrics[name] = read();
            return { ...e, metrics: metrics as StepMetrics }; // e's metrics and the counters
          }),
        );
      }),
    );
  });
}

/** The metric that counts skipped bad records of one kind: `skippedUnparseable`, `skippedTooLong`, … */
export function skippedMetric(kind: BadRecordKind): string {
  return `skipped${kind[0].toUpperCase()}${kind.slice(1)}`;
}
