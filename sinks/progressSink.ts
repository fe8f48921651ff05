import { defer, tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { AnyModel } from '../models/modelKinds.js';
import type { StepEvent } from '../operators/phases.js';

export interface ProgressSinkOptions<E = StepEvent<AnyModel>> {
  /** Where lines go (default: stderr, so stdout stays for data). */
  write?: (text: string) => void;
  /** Total epochs of the run, for the ETA. */
  epochs: number;
  /** Minimum milliseconds between progress lines (default 1000 on a terminal, 15000 otherwise; online runs pass 5000). */
  intervalMs?: number;
  /** Rewrite one line in place (default: whether stderr is a terminal). */
  inPlace?: boolean;
  /** Text before each line, from its event (a DBN's run: which layer, `layer 2/3 · `). */
  prefix?: (e: E) => string;
  /** The clock, in milliseconds (default `performance.now`; tests pass their own). */
  now?: () => number;
}

/**
 * Prints progress for people: epoch, minibatch, samples/s, ETA and the reconstruction error
 * averaged since the last line; and one line per finished epoch with its time, mean
 * reconstruction error and, when metric taps add them, the latest held-out pseudo-likelihood
 * and free-energy gap. Events pass through unchanged. A run of several layers (a DBN, a DBM's
 * pretraining) restarts its epochs at each layer: there the rate and the ETA start again, the
 * ETA being the layer's.
 *
 * @example
 * ```ts
 * import { trainRbm, progressSink, loadDataset } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 2000 });
 * trainRbm({ data, config: { nHidden: 64, epochs: 3 } }).pipe(progressSink({ epochs: 3 })).subscribe();
 * // epoch 1/3 · batch 120/600 · 1830 samples/s · ETA 2m31s · recon 31.52
 * ```
 */
export function progressSink<E extends StepEvent<AnyModel> = StepEvent>(options: ProgressSinkOptions<E>): MonoTypeOperatorFunction<E> {
  const inPlace = options.inPlace ?? Boolean(process.stderr.isTTY);
  const write = options.write ?? ((t: string) => void process.stderr.write(t));
  const interval = options.intervalMs ?? (inPlace ? 1000 : 15000);
  const clock = options.now ?? (() => performance.now());
  return (source) =>
    defer(() => {
      let start = clock();
      let epochStart = start,
        lastPrint = start,
        lastEvent = start,
        samples = 0,
        // Where the run stands in its epochs (updates into them), at the clock's start and now.
        firstDone = -1,
        done = -1;
      let windowSum = 0,
        windowN = 0,
        epochSum = 0,
        epochN = 0;
      let heldOut = '';
      let label = 'recon';
      return source.pipe(
        tap((e) => {
          const now = clock();
          // An online feed counts steps; a run of epochs, its place in them, which a new layer restarts.
          const position = Number.isFinite(e.batchesPerEpoch) ? e.epoch * e.batchesPerEpoch + e.index + 1 : e.step;
          if (position <= done) {
            start = epochStart = lastEvent;
            samples = 0;
            firstDone = -1;
          }
          if (firstDone < 0) firstDone = position - 1;
          done = position;
          lastEvent = now;
          samples += e.batchSize;
          const [name, recon] = mainMetric(e.metrics);
          label = name;
          windowSum += recon * e.batchSize;
          windowN += e.batchSize;
          epochSum += recon * e.batchSize;
          epochN += e.batchSize;
          const rate = samples / ((now - start) / 1000);
          if ('pseudoLikelihood' in e.metrics || 'freeEnergyGap' in e.metrics) heldOut = heldOutText(e.metrics);
          const endOfEpoch = e.index === e.batchesPerEpoch - 1;
          const prefix = options.prefix ? options.prefix(e) : '';
          if (endOfEpoch) {
            const line = `${prefix}epoch ${e.epoch + 1}/${options.epochs} done in ${seconds(now - epochStart)} · ${Math.round(rate)} samples/s · mean ${label} ${(epochSum / epochN).toFixed(3)}${heldOut}`;
            write(inPlace ? `\r\x1b[K${line}\n` : `${line}\n`);
            epochStart = lastPrint = now;
            epochSum = epochN = windowSum = windowN = 0;
          } else if (now - lastPrint >= interval && !Number.isFinite(e.batchesPerEpoch)) {
            // An online feed: no epochs, no ETA; the records learned, their rate, and what was skipped or dropped.
            const counts = ` · ${e.metrics.skippedRecords ?? 0} skipped · ${e.metrics.droppedRecords ?? 0} dropped`;
            const line = `${prefix}step ${e.step} · ${samples} records learned (${Math.round(rate)}/s) · ${label} ${(windowSum / windowN).toFixed(3)}${counts}${heldOut}`;
            write(inPlace ? `\r\x1b[K${line}` : `${line}\n`);
            lastPrint = now;
            windowSum = windowN = 0;
          } else if (now - lastPrint >= interval) {
            const totalSteps = options.epochs * e.batchesPerEpoch;
            const eta = ((now - start) / (position - firstDone)) * (totalSteps - position);
            const line =
              `${prefix}epoch ${e.epoch + 1}/${options.epochs} · batch ${e.index + 1}/${e.batchesPerEpoch} · ` +
              `${Math.round(rate)} samples/s · ETA ${Number.isFinite(eta) ? seconds(eta) : '?'} · ${label} ${(windowSum / windowN).toFixed(3)}`;
            write(inPlace ? `\r\x1b[K${line}` : `${line}\n`);
            lastPrint = now;
            windowSum = windowN = 0;
          }
        }),
      );
    });
}

/** The latest held-out metrics (from the metric taps), for the epoch line. */
function heldOutText(m: Readonly<Record<string, number>>): string {
  let s = '';
  if (m.pseudoLikelihood !== undefined) s += ` · held-out PL ${m.pseudoLikelihood.toFixed(2)}`;
  if (m.freeEnergyGap !== undefined) s += ` · free-energy gap ${m.freeEnergyGap.toFixed(2)}`;
  return s;
}

/** The metric a progress line shows: the reconstruction error (`recon`) of an RBM or a DBM, else the kind's own first metric. */
function mainMetric(metrics: Readonly<Record<string, number>>): [string, number] {
  if ('reconstructionError' in metrics) return ['recon', metrics.reconstructionError];
  const [name, value] = Object.entries(metrics)[0] ?? ['recon', NaN];
  // A metric's name in words: meanFieldIterations → mean-field iterations, statisticsGap → statistics gap.
  const words = name.replace(/^meanField/, 'mean-field').replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
  return [words, value];
}

/** "1h02m", "3m05s", "12.3s". */
export function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
