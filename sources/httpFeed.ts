import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { BoundedBuffer } from './boundedBuffer.js';
import { checkRecord } from './checkRecord.js';
import type { BadRecord, BadRecordKind, FeedItem } from './DataRecord.js';
import type { LineFormat } from './parseRecord.js';
import { recordsFromLines } from './recordsFromLines.js';
import { splitLines } from './splitLines.js';

/** Largest HTTP body taken by default (64 MiB); a larger one is answered 413. */
export const DEFAULT_MAX_BODY_BYTES = 64 << 20;

export interface HttpFeedOptions {
  host: string;
  port: number;
  /** The feed's name in messages (`http://HOST:PORT`). */
  name: string;
  format: LineFormat | 'auto';
  /** A request with a bad line: refuse it whole with 400 (`fail`, default), or take its good lines and count the rest (`skip`). */
  onBadRecord: 'fail' | 'skip';
  /** Under `skip`, bad lines of accepted requests are counted here by kind (they never enter the buffer). */
  skipped?: Record<BadRecordKind, number>;
  /** Values per record, when known (a resumed model's visible units); else the first accepted record's. */
  nVisible?: number;
  maxBodyBytes?: number;
  maxLineBytes?: number;
  onListening?: (address: { host: string; port: number }) => void;
}

/** What an HTTP feed has answered so far. */
export interface HttpFeedCounters {
  /** Records answered 202: each is learned before the run ends, or counted as unlearned in its summary. */
  acknowledged: number;
  /** Requests refused whole: a bad line (400), a body or line over its limit (413), or shutting down (503). */
  rejectedRequests: number;
  /** Requests whose client went away before the body ended (none of their records was taken). */
  abortedRequests: number;
}

/**
 * Serves HTTP and puts the records of every POSTed body (one per line) into `buffer`, a request
 * **whole or not at all**: the body is read to its end (at most `maxBodyBytes`, else 413), parsed
 * and checked, then its records enter the buffer at once and only then is it answered
 * `202 {"records": n, "skipped": m}`. So 202 means "will be learned". A request with a bad line is
 * answered 400 naming the request and the line (or, under `skip`, its good lines are taken and the
 * bad ones counted), a client that goes away mid-body loses only its own request, and after
 * `stop()` new connections are refused and requests still in flight are answered 503: none of
 * these ends the feed. `stop()` ends the buffer (what it holds is still read); `close()` drops the
 * connections that remain.
 */
export function serveHttpFeed(
  buffer: BoundedBuffer<FeedItem>,
  options: HttpFeedOptions,
): { counters: HttpFeedCounters; stop(): void; close(): void } {
  const { format, onBadRecord, maxBodyBytes = DEFAULT_MAX_BODY_BYTES } = options;
  let name = options.name; // then the bound address, once listening (port 0 → the port chosen)
  const counters: HttpFeedCounters = { acknowledged: 0, rejectedRequests: 0, abortedRequests: 0 };
  let width = options.nVisible ?? 0,
    requests = 0,
    stopping = false;
  const answer = (res: ServerResponse, status: number, body: Record<string, unknown>, close = false) => {
    if (status !== 202) counters.rejectedRequests++;
    if (!res.headersSent && !res.destroyed)
      res
        .writeHead(status, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) })
        .end(JSON.stringify(body) + '\n');
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST one record per line\n');
      return;
    }
    const label = `${name} request ${++requests}`;
    if (stopping) return answer(res, 503, { error: `${label}: the run is shutting down; nothing of this request was taken` }, true);
    const chunks: Buffer[] = [];
    let bytes = 0,
      over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      bytes += chunk.length;
      if (bytes > maxBodyBytes) {
        over = true;
        chunks.length = 0;
        const error = new BoltzflowError(
          `${label} body`,
          `more than ${maxBodyBytes} bytes`,
          `at most ${maxBodyBytes} bytes (--max-body-bytes); nothing of this request was taken`,
        );
        answer(res, 413, { error: error.message }, true);
        res.on('finish', () => req.destroy());
      } else chunks.push(chunk);
    });
    req.on('error', () => {}); // an aborted body: counted below, never the run's error
    req.on('close', () => {
      if (!req.complete && !over) counters.abortedRequests++;
    });
    req.on('end', () => {
      if (over) return;
      take(chunks, label).then(
        ({ status, body }) => answer(res, status, body),
        (e: unknown) => answer(res, 500, { error: `${label}: ${(e as Error).message}` }),
      );
    });
  };
  const take = async (chunks: Buffer[], label: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const items: FeedItem[] = [];
    const badKinds: BadRecordKind[] = [];
    let good = 0,
      firstBad: BadRecord | null = null,
      requestWidth = width;
    for await (const item of recordsFromLines(splitLines(chunks, { maxLineBytes: options.maxLineBytes }), label, format)) {
      let problem = item.values ? null : item;
      if (item.values) {
        requestWidth ||= item.values.length;
        problem = checkRecord(item, requestWidth);
      }
      if (problem) {
        badKinds.push(problem.kind);
        firstBad ??= problem;
        if (problem.kind === 'tooLong')
          return { status: 413, body: { error: `${problem.error.message}; nothing of this request was taken` } };
      } else {
        good++;
        items.push(item);
      }
    }
    const bad = badKinds.length;
    if (firstBad && onBadRecord === 'fail')
      return {
        status: 400,
        body: {
          error: `${firstBad.error.message}${bad > 1 ? ` (and ${bad - 1} more bad line${bad > 2 ? 's' : ''})` : ''}; nothing of this request was taken`,
        },
      };
    if (width && requestWidth && requestWidth !== width)
      // another request set the width meanwhile
      return {
        status: 400,
        body: {
          error: `${label}: records of ${requestWidth} values, expected ${width} values, as the model's visible units; nothing of this request was taken`,
        },
      };
    width ||= requestWidth;
    if (stopping || !(await buffer.pushAll(items)))
      return {
        status: 503,
        body: {
          error: `${label}: ${!stopping && buffer.policy === 'fail' ? 'the buffer is full (--overflow fail ends the run)' : 'the run is shutting down'}; nothing of this request was taken`,
        },
      };
    counters.acknowledged += good;
    if (options.skipped) for (const kind of badKinds) options.skipped[kind]++;
    return { status: 202, body: { records: good, ...(bad > 0 ? { skipped: bad } : {}) } };
  };
  const server: Server = createServer(handle);
  server.on('error', (e) => buffer.fail(new BoltzflowError('--data', name, `an address to serve on (${e.message})`, { cause: e })));
  server.listen(options.port, options.host, () => {
    const a = server.address() as { address: string; port: number };
    name = `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
    options.onListening?.({ host: a.address, port: a.port });
  });
  return {
    counters,
    stop() {
      if (stopping) return;
      stopping = true;
      server.close();
      server.closeIdleConnections();
      buffer.end();
    },
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}
