import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { basename } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { boundedBuffer, type OverflowPolicy } from './boundedBuffer.js';
import type { DataRecord } from './DataRecord.js';
import { followFile } from './followFile.js';
import type { LineFormat } from './parseRecord.js';
import { readLines } from './readLines.js';
import { recordsFromLines } from './recordsFromLines.js';
import { splitLines, type SplitLine } from './splitLines.js';

export interface FeedOptions {
  /** Line format (default `auto`: NDJSON when the first line starts with `[`, else CSV). */
  format?: LineFormat | 'auto';
  /** For a file: keep reading what is appended to it until `signal` aborts. */
  follow?: boolean;
  /** Records that may wait between the feed and training (default 1,000). */
  capacity?: number;
  /** What a full buffer does (default `block`: the producer waits). */
  policy?: OverflowPolicy;
  /** Ends the feed cleanly (closes sockets, stops following, stops the HTTP server). */
  signal?: AbortSignal;
  /** For a file: skip this many records first (a resumed run's position in a seekable source). */
  skip?: number;
  /** For `http://` feeds: called with the bound address once the server listens. */
  onListening?: (address: { host: string; port: number }) => void;
  /** The longest line, in bytes (default 16 MiB); a longer line is a bad record, named by its line number. */
  maxLineBytes?: number;
}

/** A live source of records, with the count of records its buffer dropped. */
export interface Feed extends AsyncIterable<DataRecord> {
  readonly name: string;
  readonly dropped: number;
}

/**
 * Opens a feed of data records by spec:
 * - `-`: standard input;
 * - a file path (NDJSON or CSV); with `follow`, a file still being written;
 * - `tcp://HOST:PORT`: connects to a producer and reads its lines;
 * - `http://HOST:PORT`: serves HTTP on HOST:PORT and learns from the body of every POST (one
 *   record per line); answers 202 with the count of records read.
 *
 * Lines go through a {@link boundedBuffer} with the chosen overflow policy; under `block` the
 * feed stops reading its stream while the buffer is full, so the producer is slowed down and
 * nothing is buffered without bound.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { openFeed } from 'boltzflow';
 * writeFileSync('feed.ndjson', '[0, 1]\n[1, 0]\n');
 * for await (const r of openFeed('feed.ndjson')) console.log(r.where); // feed.ndjson line 1, feed.ndjson line 2
 * ```
 */
export function openFeed(spec: string, options: FeedOptions = {}): Feed {
  const { format = 'auto', capacity = 1000, policy = 'block', signal } = options;
  const name = spec === '-' ? 'stdin' : isFileFeed(spec) ? basename(spec) : spec;
  const buffer = boundedBuffer<DataRecord>({ capacity, policy, name });
  const pump = async (lines: AsyncIterable<SplitLine>, label = name, skip = 0) => {
    let n = 0;
    for await (const record of recordsFromLines(lines, label, format)) {
      if (skip > 0) {
        skip--;
        continue;
      }
      n++;
      await buffer.push(record);
    }
    return n;
  };
  const run = (work: Promise<unknown>) => work.then(() => buffer.end(), (e) => buffer.fail(e));
  let server: Server | null = null;
  if (spec === '-') run(pump(splitLines(abortable(process.stdin, signal), { maxLineBytes: options.maxLineBytes })));
  else if (spec.startsWith('tcp://')) {
    const { host, port } = address(spec);
    const socket = connect({ host, port });
    signal?.addEventListener('abort', () => socket.end(), { once: true });
    run(
      pump(splitLines(socket)).catch((e: NodeJS.ErrnoException) => {
        throw e.code ? new BoltzflowError('--data', spec, `a reachable TCP producer (${e.message})`, { cause: e }) : e;
      }),
    );
  } else if (spec.startsWith('http://')) {
    const { host, port } = address(spec);
    let requests = 0;
    server = createServer((req, res) => {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST one record per line\n');
        return;
      }
      const label = `${name} request ${++requests}`;
      pump(splitLines(req), label).then(
        (n) => res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ records: n }) + '\n'),
        (e) => {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`);
          buffer.fail(e);
        },
      );
    });
    server.on('error', (e) => buffer.fail(new BoltzflowError('--data', spec, `an address to serve on (${e.message})`, { cause: e })));
    server.listen(port, host, () => {
      const a = server!.address() as { address: string; port: number };
      options.onListening?.({ host: a.address, port: a.port });
    });
    const stop = () => {
      server?.close();
      server?.closeAllConnections();
      buffer.end();
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  } else if (options.follow) run(pump(splitLines(followFile(spec, { signal }), { maxLineBytes: options.maxLineBytes }), name, options.skip));
  else run(pump(readLines(spec, { signal, maxLineBytes: options.maxLineBytes }), name, options.skip));
  return {
    name,
    get dropped() {
      return buffer.dropped;
    },
    [Symbol.asyncIterator]: () => buffer[Symbol.asyncIterator](),
  };
}

/** Whether a feed spec names a file (which can seek), rather than stdin or a socket (which cannot). */
export function isFileFeed(spec: string): boolean {
  return spec !== '-' && !spec.startsWith('tcp://') && !spec.startsWith('http://');
}

function address(spec: string): { host: string; port: number } {
  const m = /^(?:tcp|http):\/\/([^/:]+|\[[^\]]+\]):(\d{1,5})\/?$/.exec(spec);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new BoltzflowError('--data', spec, 'tcp://HOST:PORT or http://HOST:PORT (port 0–65535)');
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** A stream's chunks until it ends or `signal` aborts (stdin is never destroyed, only left). */
async function* abortable(stream: NodeJS.ReadableStream, signal?: AbortSignal): AsyncGenerator<Buffer | string> {
  const it = stream[Symbol.asyncIterator]();
  const aborted = new Promise<IteratorResult<Buffer | string>>((resolve) => {
    if (signal?.aborted) resolve({ done: true, value: undefined });
    signal?.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true });
  });
  for (;;) {
    const r = await Promise.race([it.next(), aborted]);
    if (r.done) return;
    yield r.value;
  }
}
