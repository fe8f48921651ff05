import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, Subject, take, tap, toArray } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { trainOnline } from '../pipelines/trainOnline.js';
import { parseWith } from '../schemas/parseWith.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { snapshotSink } from '../sinks/snapshotSink.js';
import { boundedBuffer } from '../sources/boundedBuffer.js';
import { feedFromObservable } from '../sources/feedFromObservable.js';
import { flushable } from '../sources/flushable.js';
import type { DataRecord, FeedItem } from '../sources/DataRecord.js';
import { followFile } from '../sources/followFile.js';
import { openFeed } from '../sources/openFeed.js';
import { readSnapshot } from '../sources/readSnapshot.js';
import { splitLines } from '../sources/splitLines.js';
import { bytesOf } from './helpers.js';

const bin = fileURLToPath(new URL('../cli/boltzflow.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'boltzflow-online-'));
/** Record i of a 16-unit feed of four repeating stripes. */
const stripe = (i: number) => Array.from({ length: 16 }, (_, j) => ((i + j) % 4 === 0 ? 1 : 0));
const ndjson = (from: number, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify(stripe(from + i))).join('\n') + '\n';
async function* records(n: number): AsyncGenerator<DataRecord> {
  for (let i = 0; i < n; i++) yield { values: Float32Array.from(stripe(i)), where: `record ${i + 1}` };
}
const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

test('splitLines: lines split across chunks and inside a UTF-8 character, CRLF, blank lines, a last line with no newline', async (t) => {
  const euro = Buffer.from('€');
  const chunks = [
    Buffer.from('[1,\r\n'),
    Buffer.from('a'),
    euro.subarray(0, 1),
    Buffer.concat([euro.subarray(1), Buffer.from('b\n\n  \nlast')]),
  ];
  t.deepEqual(await collect(splitLines(chunks)), [
    { line: '[1,', number: 1 },
    { line: 'a€b', number: 2 },
    { line: 'last', number: 5 },
  ]);
});

test('boundedBuffer: drop-oldest keeps the newest and counts drops; fail ends with a clear error; size never exceeds capacity', async (t) => {
  const drop = boundedBuffer<number>({ capacity: 3, policy: 'drop-oldest' });
  for (let i = 0; i < 10; i++) {
    void drop.push(i); // drop-oldest never waits
    t.true(drop.size <= 3);
  }
  drop.end();
  t.deepEqual(await collect(drop), [7, 8, 9]);
  t.is(drop.dropped, 7);
  const fail = boundedBuffer<number>({ capacity: 2, policy: 'fail', name: 'stdin' });
  for (let i = 0; i < 3; i++) void fail.push(i); // the third push fails the buffer, seen by collect below
  await t.throwsAsync(collect(fail), {
    instanceOf: BoltzflowError,
    message: /^stdin buffer: got "2 records waiting and more arriving", expected a consumer that keeps up/,
  });
  t.throws(() => boundedBuffer({ capacity: 0, policy: 'block' }), { message: /buffer capacity: got 0, expected an integer ≥ 1/ });
});

test('boundedBuffer block: the producer waits while the buffer is full and resumes as the consumer pulls; nothing is lost', async (t) => {
  const buffer = boundedBuffer<number>({ capacity: 2, policy: 'block' });
  let produced = 0;
  const producer = (async () => {
    for (let i = 0; i < 6; i++) {
      await buffer.push(i);
      produced++;
    }
    buffer.end();
  })();
  await new Promise((r) => setTimeout(r, 20));
  t.is(produced, 2, 'two pushes fit, the third waits');
  t.is(buffer.size, 2);
  const got = await collect(buffer);
  await producer;
  t.deepEqual(got, [0, 1, 2, 3, 4, 5]);
  t.is(buffer.dropped, 0);
});

test('followFile reads what is appended to a growing file until aborted', async (t) => {
  const path = join(dir, 'growing.ndjson');
  writeFileSync(path, ndjson(0, 2));
  const stop = new AbortController();
  setTimeout(() => appendFileSync(path, ndjson(2, 1).slice(0, 10)), 40); // half a line…
  setTimeout(() => appendFileSync(path, ndjson(2, 1).slice(10) + ndjson(3, 1)), 80); // …then the rest
  const lines: Array<{ line: string | null }> = [];
  for await (const l of splitLines(followFile(path, { signal: stop.signal, pollMs: 10 }))) {
    lines.push(l);
    if (lines.length === 4) stop.abort(); // the iteration then ends at the next poll
  }
  t.deepEqual(
    lines.map((l) => l.line),
    [0, 1, 2, 3].map((i) => JSON.stringify(stripe(i))),
  );
});

test('openFeed over TCP with block: a fast producer is held back by TCP (its writes report a full socket), and every record arrives', async (t) => {
  const n = 200_000;
  let sawBackpressure = false;
  const server = createServer((socket: Socket) => {
    let i = 0;
    const pump = () => {
      while (i < n) {
        const ok = socket.write(JSON.stringify(stripe(i++)) + '\n');
        if (!ok) {
          sawBackpressure = true;
          socket.once('drain', pump);
          return;
        }
      }
      socket.end();
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const feed = openFeed(`tcp://127.0.0.1:${port}`, { capacity: 100, policy: 'block' });
  let count = 0;
  for await (const r of feed) {
    if (count++ % 20_000 === 0) await new Promise((res) => setTimeout(res, 30)); // a slow consumer now and then
    t.is(r.values?.length, 16);
  }
  server.close();
  t.is(count, n);
  t.is(feed.dropped, 0);
  t.true(sawBackpressure, 'the producer was told to wait');
});

test('openFeed over TCP with drop-oldest: a slow consumer loses records, and the feed counts them', async (t) => {
  const server = createServer((socket: Socket) => socket.end(ndjson(0, 5000)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const feed = openFeed(`tcp://127.0.0.1:${(server.address() as { port: number }).port}`, { capacity: 10, policy: 'drop-oldest' });
  const got: FeedItem[] = [];
  for await (const r of feed) if (got.push(r) < 50) await new Promise((res) => setTimeout(res, 2)); // slow at first
  server.close();
  t.true(feed.dropped > 0, `${feed.dropped} dropped`);
  t.is(got.length + feed.dropped, 5000);
  t.regex(got.at(-1)!.where, / line 5000$/, 'the newest records are kept');
});

test('openFeed over HTTP: POSTed bodies become records (202 with the count), GET is refused, a bad line is a 400 naming the request and line, and the feed goes on', async (t) => {
  const stop = new AbortController();
  let port = 0;
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  const feed = openFeed('http://127.0.0.1:0', { signal: stop.signal, onListening: (a) => ((port = a.port), listening()) });
  await ready;
  const send = (method: string, body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path: '/', agent: false }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const reading = collect(feed);
  t.deepEqual(await send('POST', ndjson(0, 30)), { status: 202, text: '{"records":30}\n' });
  t.is((await send('GET', '')).status, 405);
  const bad = await send('POST', ndjson(30, 1) + '[0,oops]\n');
  t.is(bad.status, 400);
  t.regex(bad.text, new RegExp(`http://127.0.0.1:${port} request 2 line 2:`));
  t.regex(bad.text, /request 2 line 2: got \\"\[0,oops\]\\", expected a JSON array of numbers; nothing of this request was taken/);
  t.deepEqual(await send('POST', ndjson(31, 5)), { status: 202, text: '{"records":5}\n' });
  stop.abort();
  const got = await reading;
  feed.close();
  t.is(got.length, 35, 'the bad request is refused whole; the feed ends cleanly when stopped');
  t.deepEqual(feed.http, { acknowledged: 35, rejectedRequests: 1, abortedRequests: 0 });
});

test('trainOnline learns from a feed it reads once, in order; bad records fail with their position or are skipped and counted', async (t) => {
  const events = await lastValueFrom(
    trainOnline({ records: records(3000), config: { nHidden: 8, batchSize: 10, seed: 3 } }).pipe(toArray()),
  );
  t.is(events.length, 300);
  t.is(events.at(-1)!.step, 300);
  t.is(events[0].batchesPerEpoch, Infinity);
  const mean = (es: typeof events) => es.reduce((s, e) => s + e.metrics.reconstructionError, 0) / es.length;
  t.log(`reconstruction error: first 20 steps ${mean(events.slice(0, 20)).toFixed(3)}, last 20 ${mean(events.slice(-20)).toFixed(3)}`);
  t.true(mean(events.slice(-20)) < 0.5 * mean(events.slice(0, 20)));
  t.throws(() => trainOnline({ records: records(10), config: { learningRateSchedule: 'linear' } }), {
    message: /config.learningRateSchedule: got "linear", expected "constant"/,
  });
  async function* withBad(): AsyncGenerator<DataRecord> {
    yield* records(25);
    yield { values: Float32Array.of(1, 0), where: 'feed line 26' };
    yield { values: Float32Array.from({ length: 16 }, () => 2), where: 'feed line 27' };
    yield* records(25);
  }
  await t.throwsAsync(lastValueFrom(trainOnline({ records: withBad(), config: { nHidden: 4, batchSize: 10 } })), {
    message: /^feed line 26: got "2 values", expected 16 values/,
  });
  const skipped = await lastValueFrom(trainOnline({ records: withBad(), config: { nHidden: 4, batchSize: 10 }, onBadRecord: 'skip' }));
  t.is(skipped.metrics.skippedRecords, 2);
  t.is(skipped.step, 5);
});

test('a flush marker learns the part-filled minibatch of a quiet feed and saveOn saves it, while the next record stays pending', async (t) => {
  let release!: () => void;
  const resumed = new Promise<void>((r) => (release = r));
  async function* quiet(): AsyncGenerator<DataRecord> {
    yield* records(25);
    await resumed; // the feed goes quiet with 5 records in a part-filled minibatch
    for (let i = 25; i < 35; i++) yield { values: Float32Array.from(stripe(i)), where: `record ${i + 1}` };
  }
  const feed = flushable(quiet());
  const config = parseWith(trainConfigSchema, { nHidden: 4, batchSize: 10, seed: 1, learningRateSchedule: 'constant' });
  const save = new Subject<void>();
  const out = join(dir, 'flushed');
  const writes: number[] = [];
  const steps: number[] = [];
  const info = { name: 'quiet', rows: 35, imageShape: [4, 4] as [number, number], binarize: 'none' as const };
  const run = lastValueFrom(
    trainOnline({ records: feed, config }).pipe(
      snapshotSink({ dir: out, config, data: info, saveOn: save, onWrite: (_, step) => writes.push(step) }),
      tap((e) => steps.push(e.batchSize)),
    ),
  );
  while (steps.length < 2) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(steps, [10, 10], 'the 5 records after step 2 wait for their minibatch to fill');
  await feed.flush();
  t.deepEqual(steps, [10, 10, 5], 'learned at the flush, before the feed delivered anything more');
  save.next();
  t.deepEqual(writes, [3]);
  t.is((await readSnapshot(join(out, 'snapshot.msgpack'))).counters.step, 3);
  save.next();
  t.deepEqual(writes, [3], 'nothing new to save');
  release();
  t.is((await run).step, 4);
  t.deepEqual(steps, [10, 10, 5, 10], 'the feed goes on after the flush, nothing lost or repeated');
  t.deepEqual(writes, [3, 4]);
  await feed.flush(); // the feed has ended: nothing to wait for
});

test('an Observable as a feed (feedFromObservable): a burst beyond the buffer is dropped and counted; take(n) stops training', async (t) => {
  const subject = new Subject<DataRecord>();
  const feed = feedFromObservable(subject, { capacity: 20 });
  const run = lastValueFrom(
    trainOnline({ records: feed, config: { nHidden: 4, batchSize: 5 }, counters: { droppedRecords: () => feed.dropped } }).pipe(take(4)),
  );
  await new Promise((r) => setTimeout(r, 20)); // training has subscribed and waits for records
  for (let i = 0; i < 100; i++) subject.next({ values: Float32Array.from(stripe(i)), where: `push ${i}` }); // a synchronous burst
  const e = await run;
  t.is(e.step, 4);
  t.is(feed.dropped, 80, 'a burst of 100 into a buffer of 20');
  t.is(e.metrics.droppedRecords, 80);
  t.throws(() => feedFromObservable(subject, { policy: 'block' as 'fail' }), {
    message: /policy: got "block", expected drop-oldest or fail/,
  });
});

test('train --online --data - learns from stdin until it ends; --resume continues the step count from the saved chains', (t) => {
  const out = join(dir, 'stdin-run');
  const args = ['train', '--online', '--data', '-', '--hidden', '8', '--batch', '10', '--method', 'pcd', '--out', out, '--json'];
  const r = spawnSync(process.execPath, [bin, ...args], { input: ndjson(0, 1000), encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.is(lines[0].event, 'start');
  t.is(lines[0].online, true);
  const summary = lines.at(-1);
  t.like(summary, { event: 'summary', interrupted: false, steps: 100, records: 1000, droppedRecords: 0, skippedRecords: 0 });
  const again = spawnSync(
    process.execPath,
    [bin, 'train', '--online', '--data', '-', '--resume', join(out, 'snapshot.msgpack'), '--json'],
    { input: ndjson(1000, 500), encoding: 'utf8' },
  );
  t.is(again.status, 0, again.stderr);
  t.like(JSON.parse(again.stdout.trim().split('\n').at(-1)!), { steps: 150, records: 1500 });
  const bad = spawnSync(process.execPath, [bin, ...args.map((a) => (a === out ? join(dir, 'stdin-bad') : a))], {
    input: ndjson(0, 30) + '[0, 1]\n',
    encoding: 'utf8',
  });
  t.is(bad.status, 2);
  t.regex(bad.stderr, /stdin line 31: got "2 values", expected 16 values/);
  t.regex(
    spawnSync(process.execPath, [bin, 'train', '--online', '--data', '-', '--epochs', '3'], { encoding: 'utf8', input: '' }).stderr,
    /--epochs: got 3, expected no --epochs with --online/,
  );
  t.regex(
    spawnSync(process.execPath, [bin, 'train', '--data', 'x.csv', '--follow'], { encoding: 'utf8' }).stderr,
    /--follow: got true, expected to be used with --online/,
  );
});

test('train --online: Ctrl-C on a feed that never ends saves a final snapshot and exits 0', async (t) => {
  const out = join(dir, 'sigint-run');
  const child = spawn(
    process.execPath,
    [bin, 'train', '--online', '--data', '-', '--hidden', '8', '--batch', '10', '--out', out, '--json'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stdin.on('error', () => {}); // EPIPE once the child has exited
  let i = 0;
  const feeding = setInterval(() => child.stdin.write(ndjson(i, 200), () => (i += 200)), 5);
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGINT');
  const code = await new Promise((r) => child.on('close', r)); // 'close', not 'exit': stdout has then been read to its end
  clearInterval(feeding);
  t.is(code, 0);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
  t.like(summary, { event: 'summary', interrupted: true });
  t.true(summary.steps > 0);
  t.is((await readSnapshot(join(out, 'snapshot.msgpack'))).counters.step, summary.steps);
  t.is(readdirSync(join(out, 'snapshots')).length, 1);
});

test('train --online --resume on a file (a seekable feed) skips what was learned and ends with the weights of an uninterrupted run, byte for byte', async (t) => {
  const file = join(dir, 'seekable.ndjson');
  writeFileSync(
    file,
    ndjson(0, 500)
      .split('\n')
      .map((l, i) => (l && i % 7 === 3 ? l.replace(/1/, '0.5') : l))
      .join('\n'),
  );
  const common = ['--hidden', '8', '--batch', '10', '--method', 'pcd', '--momentum', '0.5', '--json'];
  const straight = join(dir, 'seek-straight');
  const a = spawnSync(
    process.execPath,
    [bin, 'train', '--online', '--data', file, '--out', straight, '--snapshot-every', '20', '--keep', '10', ...common],
    { encoding: 'utf8' },
  );
  t.is(a.status, 0, a.stderr);
  t.deepEqual(readdirSync(join(straight, 'snapshots')), ['step-000000020.msgpack', 'step-000000040.msgpack', 'step-000000050.msgpack']);
  const resumed = join(dir, 'seek-resumed');
  const b = spawnSync(
    process.execPath,
    [
      bin,
      'train',
      '--online',
      '--data',
      file,
      '--resume',
      join(straight, 'snapshots', 'step-000000020.msgpack'),
      '--out',
      resumed,
      '--json',
    ],
    { encoding: 'utf8' },
  );
  t.is(b.status, 0, b.stderr);
  t.like(JSON.parse(b.stdout.trim().split('\n').at(-1)!), { steps: 50, records: 500 });
  const [x, y] = [await readSnapshot(join(straight, 'snapshot.msgpack')), await readSnapshot(join(resumed, 'snapshot.msgpack'))];
  t.true(bytesOf(x.params.weights).equals(bytesOf(y.params.weights)), 'weights');
  t.true(bytesOf(x.chains!.states).equals(bytesOf(y.chains!.states)), 'persistent chains');
  t.deepEqual(x.rng, y.rng);
});
