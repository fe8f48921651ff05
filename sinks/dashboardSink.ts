import { defer, finalize, startWith, Subject, tap, type MonoTypeOperatorFunction } from 'rxjs';
import { Rng } from '../kernels/Rng.js';
import { rbmFilters, rbmFromParams } from '../models/rbm.js';
import { sampleRbm } from '../models/sampleRbm.js';
import type { StepEvent } from '../operators/phases.js';
import { squareImageShape } from '../sources/squareImageShape.js';
import {
  checkDashboardHost,
  serveDashboard,
  type DashboardServer,
  type DashboardUpdate,
  type MetricsRow,
  type RunInfo,
} from './dashboardServer.js';
import { encodePng } from './encodePng.js';
import { imageGrid } from './imageGrid.js';
import { stepRecord } from './metricsSink.js';

export interface DashboardOptions {
  /** Port to serve on (default 0: any free port; the address goes to `onListening`). */
  port?: number;
  /** Interface (default 127.0.0.1). Any other needs `allowRemote: true`, and `warn` is told. */
  host?: string;
  allowRemote?: boolean;
  /** Shown on the page. */
  config: unknown;
  /** The run's name on the page (default `run`). */
  name?: string;
  /** More of what the page says about the run: the backend used, its threads, the model (see `RunInfo`). */
  info?: Partial<RunInfo>;
  /** Height × width of one visible vector as an image (default: square where the width is a square number; null: no images). */
  imageShape?: readonly [number, number] | null;
  /** Metric rows kept per second at most (default 10); rows with held-out metrics are always kept. */
  metricsPerSecond?: number;
  /** Milliseconds between filter and sample images (default 2000). */
  imageEveryMs?: number;
  /** Keep serving once the stream has ended (the page says the run ended), until the server given to `onListening` is closed. */
  keepServing?: boolean;
  onListening?: (url: string, server: DashboardServer) => void;
  /** The server could not listen (a port in use): training goes on without it (default: `warn` is told). */
  onError?: (error: Error) => void;
  warn?: (line: string) => void;
  /** Seed of the dashboard's own sampler (CD runs have no persistent chains to show). */
  seed?: number;
}

/**
 * What the dashboard shows of a step: its counters and metrics, and, where the event carries the
 * model (a training stream's `StepEvent`), filters and samples. Metrics alone (a run followed from
 * elsewhere, `boltzflow watch --dashboard`) draw the curves only.
 */
export type DashboardEvent = Pick<StepEvent, 'step' | 'epoch' | 'index' | 'batchesPerEpoch' | 'batchSize' | 'metrics'> &
  Partial<Pick<StepEvent, 'model' | 'params' | 'state'>>;

/**
 * A live dashboard for a training stream (see `serveDashboard`): while subscribed, it serves the
 * page on http://127.0.0.1:PORT/ with the stream's metric curves, the current filters and samples
 * from the chains, and the config; with `keepServing`, also after the stream ends. Events pass
 * through unchanged.
 *
 * @example
 * ```ts
 * import { take } from 'rxjs';
 * import { trainRbm, dashboardSink, loadDataset } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 1000 });
 * trainRbm({ data, config: { nHidden: 64, epochs: 1 } })
 *   .pipe(dashboardSink({ config: { nHidden: 64 }, imageShape: [28, 28], onListening: (url) => console.log('open', url) }), take(5))
 *   .subscribe();
 * ```
 */
export function dashboardSink<E extends DashboardEvent = StepEvent>(options: DashboardOptions): MonoTypeOperatorFunction<E> {
  const host = options.host ?? '127.0.0.1';
  checkDashboardHost(host, options.allowRemote); // refused here, when the sink is made, not once the stream starts
  const rowGap = 1000 / (options.metricsPerSecond ?? 10),
    imageGap = options.imageEveryMs ?? 2000;
  return (source) =>
    defer(() => {
      const updates = new Subject<DashboardUpdate>();
      const info = (state: RunInfo['state']): DashboardUpdate => ({
        kind: 'info',
        info: { ...options.info, config: options.config, state },
      });
      let server: DashboardServer | null = null;
      let ended = false;
      void serveDashboard([{ name: options.name ?? 'run', updates: updates.pipe(startWith(info('running'))) }], {
        port: options.port,
        host,
        allowRemote: options.allowRemote,
        warn: options.warn,
      }).then(
        (s) => {
          server = s;
          options.onListening?.(s.url, s);
          if (ended && !options.keepServing) void s.close();
        },
        (e: Error) => (options.onError ? options.onError(e) : options.warn?.(`dashboard: ${e.message}`)),
      );
      const start = performance.now();
      let lastRow = -Infinity,
        lastImages = -Infinity;
      const sampler = Rng.fromSeed(options.seed ?? 1);
      const images = (e: DashboardEvent) => {
        if (!e.model || !e.params || !e.state) return; // metrics only
        const shape = options.imageShape === undefined ? squareImageShape(e.params.nVisible) : options.imageShape;
        if (!shape) return;
        const [height, width] = shape;
        const png = (m: Parameters<typeof imageGrid>[0], scale: 'unit' | 'each') => {
          const g = imageGrid(m, { height, width, scale, columns: 10 });
          return encodePng(g.width, g.height, g.pixels);
        };
        updates.next({ kind: 'image', name: 'filters', png: png(rbmFilters(e.model.params, Math.min(100, e.params.nHidden)), 'each') });
        const chains = e.state.chains
          ? e.state.chains.visible.topRows(Math.min(100, e.state.chains.visible.rows))
          : sampleRbm(rbmFromParams(e.model.params, sampler, e.model.backend), { n: 50, steps: 50 }).probs;
        updates.next({ kind: 'image', name: 'samples', png: png(chains, 'unit') });
      };
      let last: DashboardEvent | null = null;
      let lastSent: DashboardEvent | null = null;
      // metrics.ndjson's line for the step (an infinite batchesPerEpoch, an online feed's, is null in JSON as in the file).
      const row = (e: DashboardEvent, now: number) => stepRecord(e, (now - start) / 1000) as MetricsRow;
      let pendingSamples = 0;
      return source.pipe(
        tap((e) => {
          last = e;
          pendingSamples += e.batchSize;
          const now = performance.now();
          const heldOut = 'pseudoLikelihood' in e.metrics || 'freeEnergyGap' in e.metrics;
          if (heldOut || now - lastRow >= rowGap) {
            // A kept row stands for the steps since the last one: its batchSize counts their samples, so the page's samples/s is right.
            updates.next({ kind: 'rows', rows: [{ ...row(e, now), batchSize: pendingSamples }] });
            pendingSamples = 0;
            lastRow = now;
            lastSent = e;
          }
          if (now - lastImages >= imageGap) {
            images(e);
            lastImages = now;
          }
        }),
        finalize(() => {
          ended = true;
          if (last && last !== lastSent)
            updates.next({ kind: 'rows', rows: [{ ...row(last, performance.now()), batchSize: pendingSamples }] });
          if (last) images(last);
          updates.next(info('ended'));
          if (server && !options.keepServing) void server.close();
        }),
      );
    });
}
