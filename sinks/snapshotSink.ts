import { readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Observable, tap, type MonoTypeOperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { StepEvent } from '../operators/phases.js';
import { parseWith } from '../schemas/parseWith.js';
import { SNAPSHOT_LIMITS, type DataInfo, type SnapshotLimits } from '../schemas/snapshot.js';
import { encodeModelSnapshot, modelSnapshotSchema, type ModelSnapshot } from '../schemas/modelSnapshot.js';
import type { DbmConfig } from '../schemas/dbmConfig.js';
import type { AnyModel } from '../models/modelKinds.js';
import { stateSnapshot } from './stateSnapshot.js';
import type { TrainConfig } from '../schemas/trainConfig.js';
import { writeAtomic } from './writeAtomic.js';

export interface SnapshotSinkOptions<E extends StepEvent<AnyModel> = StepEvent> {
  /** Folder of the run: snapshots go to `<dir>/snapshots/`, and `<dir>/snapshot.msgpack` points at the latest. */
  dir: string;
  /** The run's config, saved with the state (a `TrainConfig` for an RBM, a `DbmConfig` for a DBM, a pipeline's options for a general BM). */
  config: TrainConfig | DbmConfig | Record<string, unknown>;
  /** The data's description, or a function giving it at each write (an online feed's row count grows). */
  data: DataInfo | (() => DataInfo);
  /** Also write every this many steps (0: only at epoch ends and when the stream completes). */
  every?: number;
  /** Also write when this many seconds have passed since the last write (0: never for that reason). */
  everySeconds?: number;
  /** Also write when this says so after a step (a broker feed whose unacknowledged records near the consumer's limit). */
  due?: () => boolean;
  /** Also write when this emits, between steps, if the last step is not on disk yet (an idle worker that must acknowledge what it learned). */
  saveOn?: Observable<unknown>;
  /** Snapshot files kept (default 3): older ones are deleted once a newer one is complete. */
  keep?: number;
  /** What the reader accepts (default `SNAPSHOT_LIMITS`): a snapshot past them is an error, never a file. */
  limits?: Readonly<SnapshotLimits>;
  /**
   * When the stream errors (a fatal feed error, a fault in training), first write the state of
   * the last step if it is not on disk yet (default true), so that nothing learned is lost; a
   * state that its reader would refuse (non-finite parameters) is not written.
   */
  saveOnError?: boolean;
  /** Called after each write with the pointer's path, the step and the bytes written (valid during the call). */
  onWrite?: (path: string, step: number, bytes: Uint8Array, name: string) => void; // the step is the file's number (see fileStep)
  /** The snapshot of a step event (default `stateSnapshot`, by the kind of the run's model; `dbnSnapshot` for a DBN's run). */
  toSnapshot?: (e: E, data: DataInfo) => ModelSnapshot;
  /** The number in a snapshot's file name (default the event's `step`; a DBN's run numbers its files by `totalStep`, over all layers). */
  fileStep?: (e: E) => number;
}

/**
 * Saves the complete training state — parameters, velocity, persistent chains, generator state,
 * counters, config — at the end of every epoch, every `every` steps, every `everySeconds` (also
 * while no step comes: a quiet feed's last steps are saved on time), after a step when `due` says so, when `saveOn` emits, and when the stream
 * completes or errors. Each snapshot is a file `<dir>/snapshots/step-NNNNNNNNN.msgpack`
 * (msgpackr, written atomically: temp file, fsync, rename); then the `latest` pointer,
 * `<dir>/snapshot.msgpack`, a symbolic link, is swapped to it atomically (a new link renamed over
 * the old), and all but the newest `keep` files are deleted. A crash at any moment leaves the
 * pointer on a complete snapshot. Events pass through unchanged. A failed write errors the stream
 * with the path and the cause; the earlier snapshots stay intact. Only what `readSnapshot` reads
 * is written: a snapshot that fails its schema or is past `limits` errors the stream instead.
 * Temp files and pointer links left by a killed run are removed when the stream starts.
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
export function snapshotSink<E extends StepEvent<AnyModel> = StepEvent>(options: SnapshotSinkOptions<E>): MonoTypeOperatorFunction<E> {
  const pointer = join(options.dir, 'snapshot.msgpack');
  const folder = join(options.dir, 'snapshots');
  const limits = options.limits ?? SNAPSHOT_LIMITS;
  const at = (e: E) => (options.fileStep ? options.fileStep(e) : e.step);
  const every = options.every ?? 0,
    everyMs = (options.everySeconds ?? 0) * 1000,
    keep = options.keep ?? 3;
  if (!Number.isInteger(keep) || keep < 1) throw new BoltzflowError('keep', keep, 'an integer ≥ 1 (snapshot files kept)');
  return (source) =>
    new Observable<E>((subscriber) => {
      let last: E | null = null;
      let lastWritten = -1,
        lastTime = performance.now();
      // Partial files and pointer links left by a run that was killed mid-write are never pointed at; remove them.
      removeMatching(folder, /^step-\d+\.msgpack\.\d+\.tmp$/);
      removeMatching(options.dir, /^snapshot\.msgpack\.\d+\.tmp$/);
      const write = (e: E) => {
        const name = `step-${String(at(e)).padStart(9, '0')}.msgpack`;
        const path = join(folder, name);
        const data = typeof options.data === 'function' ? options.data() : options.data;
        const bytes = readable(options.toSnapshot ? options.toSnapshot(e, data) : stateSnapshot(e, options.config, data), limits, path);
        try {
          writeAtomic(path, bytes);
          const link = `${pointer}.${process.pid}.tmp`;
          rmSync(link, { force: true });
          symlinkSync(join('snapshots', name), link);
          try {
            renameSync(link, pointer);
          } catch (e) {
            rmSync(link, { force: true });
            throw e;
          }
          const files = readdirSync(folder)
            .filter((f) => /^step-\d+\.msgpack$/.test(f))
            .sort();
          for (const old of files.slice(0, Math.max(0, files.length - keep))) if (old !== name) rmSync(join(folder, old), { force: true });
        } catch (cause) {
          throw new BoltzflowError('snapshot', path, `a writable file (${(cause as Error).message})`, { cause });
        }
        lastWritten = at(e);
        lastTime = performance.now();
        options.onWrite?.(pointer, at(e), bytes, name);
      };
      const subscription = source
        .pipe(
          tap({
            next: (e) => {
              last = e;
              if (
                e.index === e.batchesPerEpoch - 1 ||
                (every > 0 && e.step % every === 0) ||
                (everyMs > 0 && performance.now() - lastTime >= everyMs) ||
                options.due?.()
              )
                write(e);
            },
            complete: () => {
              if (last && at(last) !== lastWritten) write(last);
            },
            error: (error: unknown) => {
              if (options.saveOnError === false || !last || at(last) === lastWritten) return;
              if (error instanceof BoltzflowError && error.field === 'snapshot') return; // the failed write itself
              try {
                write(last);
              } catch {
                // the stream's own error is the one to report; the earlier snapshots stay intact
              }
            },
          }),
        )
        .subscribe(subscriber);
      // Between steps the model is whole (steps are synchronous), so the last event describes it.
      const writeLast = () => {
        if (!last || at(last) === lastWritten) return;
        try {
          write(last);
        } catch (e) {
          subscriber.error(e);
        }
      };
      // A feed that goes quiet still gets its periodic snapshot: what was learned before the lull is
      // on disk within `everySeconds`, not only once the next step comes.
      const timer = everyMs > 0 ? setInterval(() => performance.now() - lastTime >= everyMs && writeLast(), Math.min(everyMs, 1000)) : null;
      timer?.unref();
      const asked = options.saveOn?.subscribe(writeLast);
      return () => {
        if (timer) clearInterval(timer);
        asked?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}

/** The encoded snapshot, once it is known that the reader will read it back (same schema, same limits). */
function readable(snapshot: ModelSnapshot, limits: Readonly<SnapshotLimits>, path: string): Uint8Array {
  const unwritten = `(nothing written to ${path}; the earlier snapshots are intact)`;
  const rbm = snapshot.model === 'rbm' ? snapshot : snapshot.model === 'dbn' ? snapshot.current : null;
  if (rbm && (rbm.nVisible > limits.maxVisible || rbm.nHidden > limits.maxHidden))
    throw new BoltzflowError(
      'snapshot',
      `rbm ${rbm.nVisible}→${rbm.nHidden}`,
      `at most ${limits.maxVisible} visible and ${limits.maxHidden} hidden units, the reader's limits ${unwritten}`,
    );
  parseWith(modelSnapshotSchema, snapshot, { fieldName: (p) => `snapshot ${p.map(String).join('.')}` });
  const bytes = encodeModelSnapshot(snapshot);
  if (bytes.length > limits.maxBytes)
    throw new BoltzflowError(
      'snapshot',
      `${bytes.length} bytes at step ${rbm ? rbm.counters.step : 'counters' in snapshot ? snapshot.counters.step : '?'}`,
      `at most ${limits.maxBytes} bytes, the reader's limit ${unwritten}`,
    );
  return bytes;
}

/** Removes the files of `dir` whose names match (nothing if there is no such folder). */
function removeMatching(dir: string, pattern: RegExp): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no folder yet
  }
  for (const f of names) if (pattern.test(f)) rmSync(join(dir, f), { force: true });
}
