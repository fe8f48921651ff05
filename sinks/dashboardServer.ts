import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Observable, Subscription } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { DASHBOARD_HTML, DASHBOARD_JS } from './dashboardPage.js';

/** What the page says about a run besides its curves: its state, config, backend, model, where it is. */
export interface RunInfo {
  /** `running` (its process is alive), `ended`, or `stopped` (its process is gone without ending it: killed). */
  state: 'running' | 'ended' | 'stopped';
  /** The run's config (`epochs` and the last step's `batchesPerEpoch` give "step N of M"). */
  config?: unknown;
  /** The backend the run used (not `auto`), and its threads. */
  backend?: string;
  threads?: number;
  /** E.g. `rbm 784→500`. */
  model?: string;
  /** Anything else shown as is (the feed of an online run, the folder). */
  [key: string]: unknown;
}

/** One step's line of `metrics.ndjson`: its counters and metrics. */
export type MetricsRow = Record<string, number | string | null>;

/** What a run source tells the dashboard: new info, new metric rows (in step order), that the rows start again (a metrics file trimmed by a resume), a new image. */
export type DashboardUpdate =
  | { kind: 'info'; info: RunInfo }
  | { kind: 'rows'; rows: readonly MetricsRow[] }
  | { kind: 'reset' }
  | { kind: 'image'; name: 'filters' | 'samples'; png: Uint8Array };

/** A run the dashboard shows: its name and the updates that describe it (from its folder, or from a live training stream). */
export interface DashboardRun {
  name: string;
  updates: Observable<DashboardUpdate>;
}

export interface DashboardServerOptions {
  /** Port (default 0: any free one). */
  port?: number;
  /** Interface (default 127.0.0.1). Any other needs `allowRemote: true`, and `warn` is told. */
  host?: string;
  allowRemote?: boolean;
  warn?: (line: string) => void;
  /** Rows one `/api/rows` answer carries at most (default 5,000): the page asks again for the rest. */
  rowsPerAnswer?: number;
}

export interface DashboardServer {
  /** The page's address, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  /** Stops the run sources and the server. */
  close(): Promise<void>;
}

/** What the server keeps of a run: everything its source said, for pages opened at any time. */
interface RunState {
  name: string;
  info: RunInfo;
  rows: MetricsRow[];
  images: Partial<Record<'filters' | 'samples', { png: Uint8Array; version: number }>>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'",
};

/** Refuses a dashboard host other than loopback unless `allowRemote`; answers whether `host` is loopback (whose Host headers are then checked). */
export function checkDashboardHost(host: string, allowRemote = false): boolean {
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  if (!loopback && !allowRemote)
    throw new BoltzflowError('dashboard host', host, '127.0.0.1 (serving on another interface needs allowRemote / --dashboard-remote)');
  return loopback;
}

/** uPlot, the charting library the page draws with, served from the installed package (never a CDN). */
function uplotAsset(file: 'uPlot.iife.min.js' | 'uPlot.min.css'): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
}

/**
 * Serves the dashboard of one or more runs, finished or running, on http://127.0.0.1:PORT/: a
 * chart per logged metric with every run overlaid (uPlot: axes, hover values, step or time axis,
 * smoothing, log scale), step N of M and the time left for a running run, the backend used, the
 * current learning rate, the config, and the filters and samples of each run. The page polls a
 * small JSON API (`/api/runs`, `/api/rows?run=I&from=N`, `/api/image?run=I&name=filters`); the
 * server keeps what the sources told it, so a page opened after a run ended shows all of it. It
 * serves only its own paths, GET only, with security headers, and checks the Host header (against
 * DNS rebinding).
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { serveDashboard, type DashboardUpdate } from 'boltzflow';
 * const rows = [1, 2, 3].map((step) => ({ step, seconds: step / 10, reconstructionError: 50 / step }));
 * const server = await serveDashboard([{ name: 'demo', updates: of<DashboardUpdate[]>({ kind: 'info', info: { state: 'ended' } }, { kind: 'rows', rows }) }]);
 * const runs = await (await fetch(`${server.url}api/runs`)).json();
 * console.log(runs[0].name, runs[0].rows); // demo 3
 * await server.close();
 * ```
 */
export async function serveDashboard(runs: readonly DashboardRun[], options: DashboardServerOptions = {}): Promise<DashboardServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = checkDashboardHost(host, options.allowRemote);
  const perAnswer = options.rowsPerAnswer ?? 5000;
  const state = runs.map((r): RunState => ({
    name: r.name,
    info: { state: 'running' },
    rows: [],
    images: {},
  }));
  const assets: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', DASHBOARD_HTML],
    '/index.html': ['text/html; charset=utf-8', DASHBOARD_HTML],
    '/app.js': ['text/javascript; charset=utf-8', DASHBOARD_JS],
    '/uplot.js': ['text/javascript; charset=utf-8', uplotAsset('uPlot.iife.min.js')],
    '/uplot.css': ['text/css; charset=utf-8', uplotAsset('uPlot.min.css')],
  };
  let port = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const reply = (status: number, type: string, body: string | Uint8Array) =>
      res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type }).end(body);
    const hostHeader = req.headers.host ?? '';
    if (loopback && !new RegExp(`^(127\\.0\\.0\\.1|localhost|\\[::1\\]):${port}$`).test(hostHeader))
      return reply(403, 'text/plain', 'forbidden host\n');
    if (req.method !== 'GET') return reply(405, 'text/plain', 'GET only\n');
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (url.pathname === '/favicon.ico') return res.writeHead(204, SECURITY_HEADERS).end();
    const asset = assets[url.pathname];
    if (asset) return reply(200, asset[0], asset[1]);
    const json = (body: unknown) => reply(200, 'application/json', JSON.stringify(body));
    if (url.pathname === '/api/runs')
      return json(
        state.map((r, id) => ({
          id,
          name: r.name,
          info: r.info,
          rows: r.rows.length,
          images: Object.fromEntries(Object.entries(r.images).map(([k, v]) => [k, v.version])),
        })),
      );
    const run: RunState | undefined = state[Number(url.searchParams.get('run'))];
    if (url.pathname === '/api/rows' && run) {
      const from = Math.max(0, Math.floor(Number(url.searchParams.get('from')) || 0));
      return json(run.rows.slice(from, from + perAnswer));
    }
    const image = url.pathname === '/api/image' && run ? run.images[url.searchParams.get('name') as 'filters' | 'samples'] : undefined;
    if (image) return reply(200, 'image/png', image.png);
    return reply(404, 'text/plain', 'not found\n');
  };
  const subscriptions: Subscription[] = state.map((r, i) =>
    runs[i].updates.subscribe({
      next: (u) => {
        if (u.kind === 'info') r.info = u.info;
        else if (u.kind === 'rows') for (const row of u.rows) r.rows.push(row);
        else if (u.kind === 'reset') r.rows = [];
        else r.images[u.name] = { png: u.png, version: (r.images[u.name]?.version ?? 0) + 1 };
      },
      error: (e: unknown) => options.warn?.(`dashboard: ${r.name}: ${(e as Error).message}`),
    }),
  );
  const server = createServer(handle);
  server.on('error', (e) => options.warn?.(`dashboard: ${e.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((e: Error) => {
    for (const s of subscriptions) s.unsubscribe();
    throw new BoltzflowError('dashboard port', options.port ?? 0, `a free port on ${host} (${e.message})`, { cause: e });
  });
  port = (server.address() as { port: number }).port;
  if (!loopback) options.warn?.(`dashboard: serving on ${host}, reachable from other machines; it has no authentication`);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of subscriptions) s.unsubscribe();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
