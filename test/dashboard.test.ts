import test from 'ava';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatMap, lastValueFrom, map, of, timer, type Subscription } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { serveDashboard, type DashboardServer, type DashboardUpdate } from '../sinks/dashboardServer.js';
import { dashboardSink, type DashboardOptions } from '../sinks/dashboardSink.js';
import { acquireRunLock } from '../sinks/runLock.js';
import { runFolderUpdates } from '../sources/runFolderUpdates.js';
import { runCli } from './cliRun.js';
import { binaryData } from './helpers.js';

const data = binaryData(100, 16, 3);
const dir = mkdtempSync(join(tmpdir(), 'boltzflow-dashboard-'));

/** A slowed-down training run (one step per 5 ms) with a dashboard; resolves with its server once it listens. */
function serve(options: Partial<DashboardOptions> = {}): Promise<{ server: DashboardServer; stop: Subscription }> {
  return new Promise((resolve) => {
    const stop = trainRbm({ data, config: { nHidden: 9, batchSize: 10, epochs: 10_000, method: 'pcd' } })
      .pipe(
        concatMap((e) => timer(5).pipe(map(() => e))),
        dashboardSink({ config: { nHidden: 9 }, imageEveryMs: 10, onListening: (_url, server) => resolve({ server, stop }), ...options }),
      )
      .subscribe();
  });
}

/** A GET (or other method) to the server, its body read whole. */
function get(url: string, path: string, init: { method?: string; host?: string } = {}): Promise<{ res: IncomingMessage; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.host ? { host: init.host } : {} },
      (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ res, body }));
      },
    );
    req.on('error', (e) => reject(new Error(`${path}: ${e.message}`)));
    req.end();
  });
}
const json = async <T>(url: string, path: string) => JSON.parse((await get(url, path)).body) as T;
type Runs = { name: string; rows: number; info: Record<string, unknown>; images: Record<string, number> }[];

test('the dashboard serves its page, script and charting library with security headers, and nothing else: no traversal, GET only, Host checked', async (t) => {
  const server = await serveDashboard([{ name: 'a', updates: of<DashboardUpdate[]>({ kind: 'info', info: { state: 'ended' } }) }]);
  try {
    const page = await get(server.url, '/');
    t.is(page.res.statusCode, 200);
    t.regex(page.body, /<script src="\/uplot.js"><\/script>\s*<script src="\/app.js"><\/script>/);
    t.regex(page.res.headers['content-security-policy'] as string, /default-src 'none'; script-src 'self'/);
    t.is(page.res.headers['x-content-type-options'], 'nosniff');
    t.is(page.res.headers['x-frame-options'], 'DENY');
    t.is((await get(server.url, '/app.js')).res.statusCode, 200);
    const uplot = await get(server.url, '/uplot.js');
    t.regex(uplot.body, /uPlot/, "uPlot's own script, from the installed package");
    t.is((await get(server.url, '/uplot.css')).res.headers['content-type'], 'text/css; charset=utf-8');
    for (const path of [
      '/../../etc/passwd',
      '/%2e%2e/package.json',
      '/dist/cli/boltzflow.js',
      '/app.js/../../package.json',
      '//etc/passwd',
      '/api/rows?run=7',
      '/api/image?run=0&name=../../package.json',
    ])
      t.is((await get(server.url, path)).res.statusCode, 404, path);
    t.is((await get(server.url, '/', { method: 'POST' })).res.statusCode, 405);
    t.is((await get(server.url, '/', { host: 'evil.example:80' })).res.statusCode, 403, 'a foreign Host header (DNS rebinding) is refused');
    t.is((await get(server.url, '/', { host: `localhost:${new URL(server.url).port}` })).res.statusCode, 200);
  } finally {
    await server.close();
  }
});

test('the API gives each run its info, its rows page by page and its latest images', async (t) => {
  const rows = Array.from({ length: 12 }, (_, i) => ({ step: i + 1, seconds: i / 10, reconstructionError: 50 / (i + 1) }));
  const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47);
  const server = await serveDashboard(
    [
      { name: 'one', updates: of<DashboardUpdate[]>({ kind: 'info', info: { state: 'ended', backend: 'wasm' } }, { kind: 'rows', rows }) },
      {
        name: 'two',
        updates: of<DashboardUpdate[]>(
          { kind: 'rows', rows: rows.slice(0, 3) },
          { kind: 'reset' },
          { kind: 'image', name: 'filters', png },
        ),
      },
    ],
    { rowsPerAnswer: 5 },
  );
  try {
    const runs = await json<Runs>(server.url, '/api/runs');
    t.like(runs[0], { name: 'one', rows: 12, info: { state: 'ended', backend: 'wasm' }, images: {} });
    t.like(runs[1], { name: 'two', rows: 0, info: { state: 'running' }, images: { filters: 1 } }, 'a reset drops the rows before it');
    t.deepEqual(await json(server.url, '/api/rows?run=0&from=0'), rows.slice(0, 5));
    t.deepEqual(await json(server.url, '/api/rows?run=0&from=10'), rows.slice(10));
    const image = await get(server.url, '/api/image?run=1&name=filters');
    t.is(image.res.headers['content-type'], 'image/png');
    t.is(image.body, '\x89PNG');
  } finally {
    await server.close();
  }
});

test('dashboardSink: a live run gets rows and images; with keepServing the page outlives the run and says it ended', async (t) => {
  const { server, stop } = await serve({ keepServing: true, name: 'live', info: { backend: 'js' } });
  let runs: Runs = [];
  for (let i = 0; i < 200 && !(runs[0]?.rows >= 3 && runs[0]?.images.samples >= 1); i++) {
    await new Promise((r) => setTimeout(r, 25));
    runs = await json<Runs>(server.url, '/api/runs');
  }
  t.like(runs[0], { name: 'live', info: { state: 'running', backend: 'js', config: { nHidden: 9 } } });
  t.true(runs[0].rows >= 3 && runs[0].images.filters >= 1 && runs[0].images.samples >= 1, JSON.stringify(runs[0]));
  const [row] = await json<Record<string, unknown>[]>(server.url, '/api/rows?run=0&from=0');
  t.like(row, { step: 1, epoch: 0, batchesPerEpoch: 10 });
  t.is(typeof row.reconstructionError, 'number');
  stop.unsubscribe();
  const after = await json<Runs>(server.url, '/api/runs');
  t.is(after[0].info.state, 'ended', 'still served after the run, which it says has ended');
  await server.close();
  await t.throwsAsync(get(server.url, '/'), { message: /ECONNREFUSED|socket hang up/ });
  // Without keepServing, the server closes with the stream.
  const short = await new Promise<DashboardServer>((resolve) => {
    void lastValueFrom(
      trainRbm({ data, config: { nHidden: 4, batchSize: 10, epochs: 1 } }).pipe(
        concatMap((e) => timer(20).pipe(map(() => e))),
        dashboardSink({ config: {}, onListening: (_u, s) => resolve(s) }),
      ),
    );
  });
  await new Promise((r) => setTimeout(r, 600)); // its 10 steps take 200 ms
  await t.throwsAsync(get(short.url, '/'), { message: /ECONNREFUSED|socket hang up/ });
});

test('runFolderUpdates: the metrics as they are appended (a trimmed file starts again), images as they change, the state from the lock', async (t) => {
  const run = join(dir, 'folder');
  mkdirSync(run);
  const line = (step: number) => JSON.stringify({ event: 'step', step, seconds: step / 10, reconstructionError: 9 / step }) + '\n';
  writeFileSync(join(run, 'metrics.ndjson'), line(1) + line(2) + '{"event":"step","step":3,"sec'); // the last line half written
  writeFileSync(join(run, 'run.json'), JSON.stringify({ event: 'start', backend: 'native', threads: 2, config: { epochs: 3 } }));
  const lock = acquireRunLock(run);
  const server = await serveDashboard([{ name: 'folder', updates: runFolderUpdates(run, { pollMs: 20 }) }]);
  const until = async (ok: (r: Runs[number]) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const [r] = await json<Runs>(server.url, '/api/runs');
      if (ok(r)) return r;
      await new Promise((res) => setTimeout(res, 20));
    }
    return (await json<Runs>(server.url, '/api/runs'))[0];
  };
  try {
    t.like(await until((r) => r.rows === 2), { rows: 2, info: { state: 'running', backend: 'native', threads: 2, folder: 'folder' } });
    appendFileSync(join(run, 'metrics.ndjson'), 'onds":0.3}\n' + line(4));
    t.is((await until((r) => r.rows === 4)).rows, 4, 'the half-written line once complete, and the next');
    writeFileSync(join(run, 'filters.png'), 'a');
    t.is((await until((r) => r.images.filters === 1)).images.filters, 1);
    writeFileSync(join(run, 'metrics.ndjson'), line(1));
    t.is((await until((r) => r.rows === 1)).rows, 1, 'a trimmed file is read again from its start');
    lock.release();
    t.is((await until((r) => r.info.state === 'ended')).info.state, 'ended', 'the lock released');
    writeFileSync(join(run, 'lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: (await import('node:os')).hostname(), startedAt: 'then' }));
    t.is((await until((r) => r.info.state === 'stopped')).info.state, 'stopped', 'a lock whose process is gone: killed');
  } finally {
    await server.close();
  }
  t.throws(() => runFolderUpdates(join(dir, 'nothing-here')), { message: /dashboard: got ".*nothing-here", expected a run folder/ });
});

test('boltzflow dashboard serves the runs of the folders it is given (a folder of runs: each), and names a folder that holds none', async (t) => {
  for (const name of ['a', 'b']) {
    mkdirSync(join(dir, 'many', name), { recursive: true });
    writeFileSync(
      join(dir, 'many', name, 'metrics.ndjson'),
      JSON.stringify({ event: 'step', step: 1, seconds: 0.1, weightNorm: 1 }) + '\n',
    );
  }
  const cli = runCli(['dashboard', join(dir, 'many'), '--port', '0', '--json']);
  const event = (await cli.waitFor((e) => e.event === 'dashboard')) as { url: string; runs: string[] };
  t.deepEqual(event.runs, [join(dir, 'many', 'a'), join(dir, 'many', 'b')]);
  const runs = await json<Runs>(event.url, '/api/runs');
  t.deepEqual(
    runs.map((r) => [r.rows, r.info.state]),
    [
      [1, 'ended'],
      [1, 'ended'],
    ],
  );
  cli.child.kill('SIGINT');
  t.is((await cli.exited).code, 0, 'Ctrl-C stops it');
  const none = runCli(['dashboard', join(dir, 'many', 'a', 'missing')]);
  const end = await none.exited;
  t.is(end.code, 2);
  t.regex(end.stderr, /dashboard: got ".*missing", expected a run folder/);
});

test('train --dashboard on a port in use: one warning, and the run trains, ends and exits without a page', async (t) => {
  const taken = await serveDashboard([]);
  const port = new URL(taken.url).port;
  const csv = join(dir, 'small.csv');
  writeFileSync(
    csv,
    Array.from({ length: 40 }, (_, i) => Array.from({ length: 9 }, (_, j) => ((i + j) % 3 === 0 ? 1 : 0)).join(',')).join('\n') + '\n',
  );
  const run = runCli([
    'train',
    '--data',
    csv,
    '--hidden',
    '3',
    '--batch',
    '10',
    '--epochs',
    '2',
    '--dashboard',
    '--dashboard-port',
    port,
    '--out',
    join(dir, 'busy'),
  ]);
  const end = await run.exited;
  await taken.close();
  t.is(end.code, 0, end.stderr);
  t.regex(end.stderr, new RegExp(`warning: dashboard: dashboard port: got ${port}, expected a free port on 127.0.0.1`));
});

test('serving the dashboard beyond loopback needs allowRemote, and then warns', async (t) => {
  t.throws(() => dashboardSink({ config: {}, host: '0.0.0.0' }), {
    instanceOf: BoltzflowError,
    message: /dashboard host: got "0.0.0.0", expected 127.0.0.1/,
  });
  const warnings: string[] = [];
  const server = await serveDashboard([], { host: '0.0.0.0', allowRemote: true, warn: (w) => warnings.push(w) });
  await server.close();
  t.regex(warnings.join('\n'), /reachable from other machines; it has no authentication/);
  const taken = await serveDashboard([]);
  const port = Number(new URL(taken.url).port);
  await t.throwsAsync(serveDashboard([], { port }), {
    message: new RegExp(`dashboard port: got ${port}, expected a free port on 127.0.0.1`),
  });
  await taken.close();
});
