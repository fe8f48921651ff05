import { connect, type Socket } from 'node:net';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { boundedBuffer, type OverflowPolicy } from './boundedBuffer.js';
import { checkRecord } from './checkRecord.js';
import { BAD_RECORD_KINDS, type BadRecordKind, type FeedItem } from './DataRecord.js';
import { followFile } from './followFile.js';
import { serveHttpFeed, type HttpFeedCounters } from './httpFeed.js';
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
  /**
   * Stops reading: closes sockets, stops following, and the HTTP server answers 503 from then on.
   * What was read before it is still delivered (and for HTTP, acknowledged), then the feed ends.
   */
  signal?: AbortSignal;
  /** For a file: skip this many records first (a resumed run's position in a seekable source). */
  skip?: number;
  /** Values per record when known (a resumed model's); else the first record's. */
  nVisible?: number;
  /**
   * A bad record: passed on in its place, for the consumer to fail on (`fail`, default; HTTP refuses
   * the request whole with 400 instead), or skipped and counted in `skipped` (`skip`).
   */
  onBadRecord?: 'fail' | 'skip';
  /** HTTP: the largest body taken (default 64 MiB; 413 past it). */
  maxBodyBytes?: number;
  /** TCP: when the connection fails or ends, connect again with exponential backoff (0.1 s doubling to 10 s) until `signal` aborts. */
  reconnect?: boolean;
  /** For `http://` feeds: called with the bound address once the server listens. */
  onListening?: (address: { host: string; port: number }) => void;
  /** A line about the feed's state for people (a TCP feed reconnecting). */
  onStatus?: (line: string) => void;
  /** The longest line, in bytes (default 16 MiB); a longer line is a bad record, named by its line number. */
  maxLineBytes?: number;
}

/** A live source of records (bad ones in their places), with its counters. */
export interface Feed extends AsyncIterable<FeedItem> {
  readonly name: string;
  /** Records the buffer dropped (`drop-oldest`). */
  readonly dropped: number;
  /** Good records taken into the buffer so far. */
  readonly received: number;
  /** Under `onBadRecord: 'skip'`, the bad records skipped by the feed itself, by kind (they never enter the buffer). */
  readonly skipped: Readonly<Record<BadRecordKind, number>>;
  /** Last lines cut in half when `signal` stopped the reading (never taken for records). */
  readonly torn: number;
  /** HTTP feeds only: records acknowledged (202) and requests refused or aborted. */
  readonly http: Readonly<HttpFeedCounters> | null;
  /** Lets go of what is still open (an HTTP server's last connections); call it when done. */
  close(): void;
}

/**
 * Opens a feed of data records by spec:
 * - `-`: standard input;
 * - a file path (NDJSON or CSV); with `follow`, a file still being written;
 * - `tcp://HOST:PORT`: connects to a producer and reads its lines (`reconnect` to survive drops);
 * - `http://HOST:PORT`: serves HTTP on HOST:PORT and learns from the body of every POST (one
 *   record per line), a request whole or not at all (see {@link serveHttpFeed}).
 *
 * Lines go through a {@link boundedBuffer} with the chosen overflow policy; under `block` the
 * feed stops reading its stream while the buffer is full, so the producer is slowed down and
 * nothing is buffered without bound. A line that is not a good record is passed on as a
 * {@link BadRecord} in its place, for the consumer to fail on or skip.
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
  const { format = 'auto', capacity = 1000, policy = 'block', signal, maxLineBytes } = options;
  const onBadRecord = options.onBadRecord ?? 'fail';
  let name = spec === '-' ? 'stdin' : isFileFeed(spec) ? basename(spec) : spec;
  const buffer = boundedBuffer<FeedItem>({ capacity, policy, name });
  const skipped = Object.fromEntries(BAD_RECORD_KINDS.map((k) => [k, 0])) as Record<BadRecordKind, number>;
  let width = options.nVisible ?? 0,
    received = 0,
    torn = 0;
  /** A stream that ends because `signal` stopped the reading may end mid-line: that line is torn, not a record. */
  const keepUnterminated = () => !(signal?.aborted && ++torn);
  const pump = async (lines: AsyncIterable<SplitLine>, label = name, skip = 0) => {
    for await (const item of recordsFromLines(lines, label, format)) {
      if (skip > 0) {
        if (item.values) skip--; // a resumed run's position counts the records it learned (bad lines were never among them)
        continue;
      }
      if (item.values) width ||= item.values.length;
      const problem = item.values ? checkRecord(item, width) : item;
      if (problem && onBadRecord === 'skip') skipped[problem.kind]++;
      else if ((await buffer.push(problem ?? item)) && !problem) received++;
    }
  };
  // Started, never awaited: the feed's end or its error reaches the consumer through the buffer.
  const run = (work: Promise<unknown>): void =>
    void work.then(
      () => buffer.end(),
      (e) => buffer.fail(e),
    );
  let http: ReturnType<typeof serveHttpFeed> | null = null;
  const sockets = new Set<Socket>();
  if (spec === '-') run(pump(splitLines(abortable(process.stdin, signal), { maxLineBytes, keepUnterminated })));
  else if (spec.startsWith('tcp://')) run(pumpTcp(spec, pump, { ...options, keepUnterminated, sockets }));
  else if (spec.startsWith('http://')) {
    http = serveHttpFeed(buffer, {
      ...address(spec),
      name,
      format,
      onBadRecord,
      skipped,
      nVisible: options.nVisible,
      maxBodyBytes: options.maxBodyBytes,
      maxLineBytes,
      onListening: (a) => {
        name = `http://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
        options.onListening?.(a);
      },
    });
    const stop = () => http!.stop();
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  } else if (options.follow) run(pump(splitLines(followFile(spec, { signal }), { maxLineBytes }), name, options.skip));
  else run(pump(readLines(spec, { signal, maxLineBytes }), name, options.skip));
  return {
    get name() {
      return name;
    },
    get dropped() {
      return buffer.dropped;
    },
    get received() {
      return http ? http.counters.acknowledged : received;
    },
    skipped,
    get torn() {
      return torn;
    },
    http: http?.counters ?? null,
    close: () => {
      http?.close();
      for (const socket of sockets) socket.destroy();
    },
    [Symbol.asyncIterator]: () => buffer[Symbol.asyncIterator](),
  };
}

/** A TCP producer's lines into `pump`, connection after connection when `reconnect` is set. */
async function pumpTcp(
  spec: string,
  pump: (lines: AsyncIterable<SplitLine>, label: string) => Promise<void>,
  options: FeedOptions & { keepUnterminated: () => boolean; sockets: Set<Socket> },
): Promise<void> {
  const { host, port } = address(spec);
  const { signal } = options;
  for (let connection = 1, delay = 100; !signal?.aborted; connection++) {
    const socket = connect({ host, port });
    options.sockets.add(socket);
    let failure: NodeJS.ErrnoException | null = null;
    try {
      // Stopped by `signal`, the reading ends at once (a producer that never closes its side cannot hold the run).
      await pump(
        splitLines(abortable(socket, signal), { maxLineBytes: options.maxLineBytes, keepUnterminated: options.keepUnterminated }),
        connection === 1 ? spec : `${spec} connection ${connection}`,
      );
      if (socket.bytesRead > 0) delay = 100;
    } catch (e) {
      if (!(e as NodeJS.ErrnoException).code) throw e;
      failure = e as NodeJS.ErrnoException;
    } finally {
      options.sockets.delete(socket);
      socket.destroy();
    }
    if (!options.reconnect) {
      if (failure) throw new BoltzflowError('--data', spec, `a reachable TCP producer (${failure.message})`, { cause: failure });
      return;
    }
    if (signal?.aborted) return;
    options.onStatus?.(
      `${spec}: ${failure ? failure.message : 'the producer closed the connection'}; connecting again in ${delay / 1000} s`,
    );
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      return; // stopped while waiting
    }
    delay = Math.min(delay * 2, 10_000);
  }
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

/** A stream's chunks until it ends or `signal` aborts (the stream is left as it is: stdin is never destroyed here). */
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
