import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { defer, finalize, tap, type MonoTypeOperatorFunction } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Rng } from '../kernels/Rng.js';
import { rbmFilters, rbmFromParams } from '../models/rbm.js';
import { sampleRbm } from '../models/sampleRbm.js';
import type { StepEvent } from '../operators/phases.js';
import { squareImageShape } from '../sources/squareImageShape.js';
import { DASHBOARD_HTML, DASHBOARD_JS } from './dashboardPage.js';
import { encodePng } from './encodePng.js';
import { imageGrid } from './imageGrid.js';

export interface DashboardOptions {
  /** Port to serve on (default 0: any free port; the address goes to `onListening`). */
  port?: number;
  /** Interface (default 127.0.0.1). Any other needs `allowRemote: true`, and `warn` is told. */
  host?: string;
  allowRemote?: boolean;
  /** Shown on the page. */
  config: unknown;
  /** Height × width of one visible vector as an image (default: square where the width is a square number; null: no images). */
  imageShape?: readonly [number, number] | null;
  /** Metric updates sent per second at most (default 10); held-out metrics are always sent. */
  metricsPerSecond?: number;
  /** Milliseconds between filter and sample images (default 2000). */
  imageEveryMs?: number;
  /** Clients at once (default 8); more get 503. */
  maxClients?: number;
  /** Bytes queued for one client before it is dropped as too slow (default 1 MiB). */
  maxQueuedBytes?: number;
  onListening?: (url: string) => void;
  warn?: (line: string) => void;
  /** Seed of the dashboard's own sampler (CD runs have no persistent chains to show). */
  seed?: number;
}

/**
 * What the dashboard shows of a step: its counters and metrics, and, where the event carries the
 * model (a training stream's `StepEvent`), filters and samples. Metrics alone (a run followed from
 * elsewhere, `boltzflow watch --dashboard`) draw the curves only.
 */
export type DashboardEvent = Pick<StepEvent, 'step' | 'epoch' | 'batchesPerEpoch' | 'batchSize' | 'metrics'> &
  Partial<Pick<StepEvent, 'model' | 'params' | 'state'>>;

interface Client {
  res: ServerResponse;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'",
};

/**
 * A live dashboard for a training stream: while subscribed, it serves a page on
 * http://127.0.0.1:PORT/ that updates through server-sent events — metric curves
 * (reconstruction error, held-out pseudo-likelihood and free-energy gap where the metric taps add
 * them, samples/s), the current filters and samples from the chains as images, and the run's
 * config. Everything is served by the sink itself (no CDN). It serves only its own three paths,
 * GET only, with security headers; checks the Host header (against DNS rebinding); bounds the
 * clients and the bytes queued per client (a slow client is dropped, not buffered). Events pass
 * through unchanged; the server closes when the stream ends.
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
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  if (!loopback && !options.allowRemote)
    throw new BoltzflowError('dashboard host', host, '127.0.0.1 (serving on another interface needs allowRemote / --dashboard-remote)');
  const maxClients = options.maxClients ?? 8,
    maxQueued = options.maxQueuedBytes ?? 1 << 20;
  const metricGap = 1000 / (options.metricsPerSecond ?? 10),
    imageGap = options.imageEveryMs ?? 2000;
  return (source) =>
    defer(() => {
      const clients = new Set<Client>();
      const latest: Record<string, string> = { config: JSON.stringify(options.config ?? null) };
      let port = 0;
      const send = (c: Client, event: string, data: string) => {
        if (c.res.writableLength > maxQueued) {
          clients.delete(c);
          c.res.destroy(); // too slow: dropped rather than buffered without bound
          return;
        }
        c.res.write(`event: ${event}\ndata: ${data}\n\n`);
      };
      const broadcast = (event: string, data: string) => {
        latest[event] = data;
        for (const c of clients) send(c, event, data);
      };
      const server = createServer((req, res) => handle(req, res));
      const handle = (req: IncomingMessage, res: ServerResponse) => {
        const reply = (status: number, type: string, body: string) =>
          res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type }).end(body);
        const hostHeader = req.headers.host ?? '';
        if (loopback && !new RegExp(`^(127\\.0\\.0\\.1|localhost|\\[::1\\]):${port}$`).test(hostHeader))
          return reply(403, 'text/plain', 'forbidden host\n');
        if (req.method !== 'GET') return reply(405, 'text/plain', 'GET only\n');
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/' || path === '/index.html') return reply(200, 'text/html; charset=utf-8', DASHBOARD_HTML);
        if (path === '/app.js') return reply(200, 'text/javascript; charset=utf-8', DASHBOARD_JS);
        if (path !== '/events') return reply(404, 'text/plain', 'not found\n');
        if (clients.size >= maxClients) return reply(503, 'text/plain', 'too many dashboard clients\n');
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
        res.write('retry: 2000\n\n');
        const client = { res };
        clients.add(client);
        req.on('close', () => clients.delete(client));
        for (const event of ['config', 'metrics', 'filters', 'samples']) if (latest[event]) send(client, event, latest[event]);
      };
      server.on('error', (e) => options.warn?.(`dashboard: ${e.message}`));
      server.listen(options.port ?? 0, host, () => {
        port = (server.address() as { port: number }).port;
        if (!loopback) options.warn?.(`dashboard: serving on ${host}, reachable from other machines; it has no authentication`);
        options.onListening?.(`http://${host.includes(':') ? `[${host}]` : host}:${port}/`);
      });
      const start = performance.now();
      let lastMetrics = -Infinity,
        lastImages = -Infinity,
        samples = 0;
      const sampler = Rng.fromSeed(options.seed ?? 1);
      const images = (e: DashboardEvent) => {
        if (!e.model || !e.params || !e.state) return; // metrics only
        const shape = options.imageShape === undefined ? squareImageShape(e.params.nVisible) : options.imageShape;
        if (!shape) return;
        const [height, width] = shape;
        const png = (m: Parameters<typeof imageGrid>[0], scale: 'unit' | 'each') => {
          const g = imageGrid(m, { height, width, scale, columns: 10 });
          return encodePng(g.width, g.height, g.pixels).toString('base64');
        };
        broadcast('filters', png(rbmFilters(e.model.params, Math.min(100, e.params.nHidden)), 'each'));
        const chains = e.state.chains
          ? e.state.chains.visible.topRows(Math.min(100, e.state.chains.visible.rows))
          : sampleRbm(rbmFromParams(e.model.params, sampler, e.model.backend), { n: 50, steps: 50 }).probs;
        broadcast('samples', png(chains, 'unit'));
      };
      let last: DashboardEvent | null = null;
      return source.pipe(
        tap((e) => {
          last = e;
          samples += e.batchSize;
          const now = performance.now();
          const heldOut = 'pseudoLikelihood' in e.metrics || 'freeEnergyGap' in e.metrics;
          if (clients.size > 0 && (heldOut || now - lastMetrics >= metricGap)) {
            const epoch = Number.isFinite(e.batchesPerEpoch) ? e.epoch : null;
            broadcast('metrics', JSON.stringify({ step: e.step, epoch, ...e.metrics, samplesPerSecond: samples / ((now - start) / 1000) }));
            lastMetrics = now;
          }
          if (clients.size > 0 && now - lastImages >= imageGap) {
            images(e);
            lastImages = now;
          }
        }),
        finalize(() => {
          if (last && clients.size > 0) images(last);
          for (const c of clients) c.res.end();
          server.close();
          server.closeAllConnections();
        }),
      );
    });
}
