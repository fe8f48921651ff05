import test from 'ava';
import { request, type IncomingMessage } from 'node:http';
import { concatMap, map, type Subscription, timer } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { dashboardSink, type DashboardOptions } from '../sinks/dashboardSink.js';
import { binaryData } from './helpers.js';

// 784 units, so that every image event is tens of kilobytes and a client that does not read falls behind quickly.
const data = binaryData(100, 784, 3);

/** A slowed-down training run (one step per 5 ms) with a dashboard; resolves with its port once it listens. */
function serve(options: Partial<DashboardOptions> = {}): Promise<{ port: number; stop: Subscription }> {
  return new Promise((resolve) => {
    const stop = trainRbm({ data, config: { nHidden: 100, batchSize: 10, epochs: 10_000, method: 'pcd' } })
      .pipe(
        concatMap((e) => timer(5).pipe(map(() => e))),
        dashboardSink({
          config: { nHidden: 9 },
          imageEveryMs: 10,
          onListening: (url) => resolve({ port: Number(new URL(url).port), stop }),
          ...options,
        }),
      )
      .subscribe();
  });
}

/** A GET (or other method); an event stream resolves at once, its text read as it comes (or not at all: `paused`). */
function get(
  port: number,
  path: string,
  init: { method?: string; host?: string; paused?: boolean } = {},
): Promise<{ res: IncomingMessage; body: () => string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.host ? { host: init.host } : {} },
      (res) => {
        let body = '';
        res.on('error', () => {}); // a dropped event stream ends with an abort
        if (res.headers['content-type'] === 'text/event-stream') {
          if (init.paused) res.pause();
          else res.on('data', (c) => (body = (body + c).slice(-100_000))); // the latest events only
          return resolve({ res, body: () => body });
        }
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ res, body: () => body }));
      },
    );
    req.on('error', (e) => reject(new Error(`${path}: ${e.message}`)));
    req.end();
  });
}

test('the dashboard serves its page and script with security headers, and nothing else: no traversal, GET only, Host checked', async (t) => {
  const { port, stop } = await serve();
  try {
    const page = await get(port, '/');
    t.is(page.res.statusCode, 200);
    t.regex(page.body(), /<script src="\/app.js"><\/script>/);
    t.regex(page.res.headers['content-security-policy'] as string, /default-src 'none'; script-src 'self'/);
    t.is(page.res.headers['x-content-type-options'], 'nosniff');
    t.is(page.res.headers['x-frame-options'], 'DENY');
    t.is((await get(port, '/app.js')).res.statusCode, 200);
    for (const path of [
      '/../../etc/passwd',
      '/%2e%2e/package.json',
      '/dist/cli/boltzflow.js',
      '/app.js/../../package.json',
      '//etc/passwd',
    ])
      t.is((await get(port, path)).res.statusCode, 404, path);
    t.is((await get(port, '/', { method: 'POST' })).res.statusCode, 405);
    t.is((await get(port, '/', { host: 'evil.example:80' })).res.statusCode, 403, 'a foreign Host header (DNS rebinding) is refused');
    t.is((await get(port, '/', { host: `localhost:${port}` })).res.statusCode, 200);
  } finally {
    stop.unsubscribe();
  }
});

test('the dashboard bounds its clients (503 beyond the limit) and drops a client that does not read, instead of buffering for it', async (t) => {
  const { port, stop } = await serve({ maxClients: 2, maxQueuedBytes: 256 * 1024 });
  try {
    const slow = await get(port, '/events', { paused: true }); // never reads: the server's queue for it grows until it is dropped
    const other = await get(port, '/events');
    t.is(other.res.statusCode, 200);
    t.is((await get(port, '/events')).res.statusCode, 503, 'a third client is refused');
    // Once the server drops the slow client, its place is free again (a paused client cannot see the close itself).
    let status = 503;
    const deadline = performance.now() + 30_000;
    while (status === 503 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await get(port, '/events')).res.statusCode!;
    }
    t.is(status, 200, 'the slow client was dropped and its place freed');
    t.true(slow.res.isPaused());
    t.regex(other.body(), /event: (metrics|filters|samples)\ndata: \S+\n\n/, 'the reading client kept receiving');
  } finally {
    stop.unsubscribe();
  }
});

test('serving the dashboard beyond loopback needs allowRemote, and then warns', async (t) => {
  t.throws(() => dashboardSink({ config: {}, host: '0.0.0.0' }), {
    instanceOf: BoltzflowError,
    message: /dashboard host: got "0.0.0.0", expected 127.0.0.1/,
  });
  const warnings: string[] = [];
  const { stop } = await serve({ host: '0.0.0.0', allowRemote: true, warn: (w) => warnings.push(w) });
  stop.unsubscribe();
  t.regex(warnings.join('\n'), /reachable from other machines; it has no authentication/);
});
