import test from 'ava';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Matrix } from '../kernels/Matrix.js';
import { openAverager } from '../sinks/averageParameters.js';
import { publishRecords } from '../sinks/publishRecords.js';
import { natsAddress, natsObjectAddress } from '../sources/natsAddress.js';
import { readObject } from '../sources/natsObjects.js';
import { openNatsFeed } from '../sources/natsFeed.js';
import { readSnapshot } from '../sources/readSnapshot.js';
import { bin, runCli, stripes } from './cliRun.js';
import { startNatsServer, type NatsServer } from './natsServer.js';

// Everything here runs against a real nats-server -js on a loopback port (Debian's package; .ci/run installs it).
const dir = mkdtempSync(join(tmpdir(), 'boltzflow-nats-test-'));
let server: NatsServer;
test.before(async () => {
  server = await startNatsServer();
});
test.after.always(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const stripeRows = (n: number) =>
  Matrix.from(Array.from({ length: n }, (_, i) => Array.from({ length: 16 }, (_, j) => ((i + j) % 4 === 0 ? 1 : 0))));

/** The consumer's own counts at the server. */
async function consumerCounts(stream: string, consumer: string) {
  const nc = await connect({ servers: server.url.slice('nats://'.length) });
  try {
    const info = await (await jetstreamManager(nc)).consumers.info(stream, consumer);
    return { pending: info.num_pending, ackPending: info.num_ack_pending, delivered: info.delivered.stream_seq };
  } finally {
    await nc.close();
  }
}

/** Publishes raw message bodies (good and bad) to a stream made here. */
async function publishRaw(stream: string, bodies: string[]) {
  const nc = await connect({ servers: server.url.slice('nats://'.length) });
  try {
    await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [stream] });
    const js = jetstream(nc);
    for (const b of bodies) await js.publish(stream, b);
  } finally {
    await nc.close();
  }
}

/**
 * Runs the CLI to its end without blocking this process (spawnSync would stall the other tests' NATS
 * clients here past their heartbeats and timeouts).
 */
function cli(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const summaryOf = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .find((e) => e.event === 'summary');

test('publish: one message per record, every float32 value exactly, the stream created once and then added to', async (t) => {
  const rows = Matrix.from([
    [0, 1, 0.1, 1 / 3],
    [Math.fround(0.7), 2 ** -20, 0.999999, 1],
  ]);
  const address = natsAddress(`${server.url}/exact`, '--to', 'refused');
  const first = await publishRecords(address, rows);
  t.deepEqual(first, { published: 2, created: true, firstSequence: 1, lastSequence: 2 });
  const again = await publishRecords(address, rows);
  t.deepEqual(again, { published: 2, created: false, firstSequence: 3, lastSequence: 4 });
  const feed = await openNatsFeed(natsAddress(`${server.url}/exact?consumer=check`, '--data', 'required'));
  const got: Float32Array[] = [];
  for await (const r of feed) {
    got.push(r.values!);
    if (got.length === 4) break;
  }
  await feed.closeAsync();
  for (let i = 0; i < 4; i++) t.deepEqual(got[i], rows.data.subarray((i % 2) * 4, (i % 2) * 4 + 4), `record ${i + 1}`);
});

test('publish from the CLI: the summary counts what the stream stored; a stream that does not take its own name is refused', async (t) => {
  const csv = join(dir, 'rows.csv');
  writeFileSync(csv, '0,1,1,0\n1,0,0,1\n1,1,0,0\n');
  const r = await cli(['publish', '--to', `${server.url}/cli-rows`, '--data', csv, '--json']);
  t.is(r.status, 0, r.stderr);
  const s = summaryOf(r.stdout);
  t.like(s, { published: 3, of: 3, streamCreated: true, firstSequence: 1, lastSequence: 3 });
  const nc = await connect({ servers: server.url.slice('nats://'.length) });
  await (await jetstreamManager(nc)).streams.add({ name: 'elsewhere', subjects: ['not-its-name'] });
  await nc.close();
  const refused = await cli(['publish', '--to', `${server.url}/elsewhere`, '--data', csv]);
  t.is(refused.status, 2);
  t.regex(refused.stderr, /--to: got "stream elsewhere on subjects not-its-name", expected a stream that takes the subject "elsewhere"/);
});

test('a server that never answers, a bad address, a missing consumer: one clear line each', async (t) => {
  const none = await cli(['publish', '--to', 'nats://127.0.0.1:1/x', '--data', 'mnist', '--limit', '1']);
  t.is(none.status, 2);
  t.regex(none.stderr, /--to: got "nats:\/\/127\.0\.0\.1:1", expected a NATS server that answers .*nats-server -js/);
  const noConsumer = await cli(['train', '--online', '--data', `${server.url}/x`, '--out', join(dir, 'nc')]);
  t.is(noConsumer.status, 2);
  t.regex(
    noConsumer.stderr,
    /--data: got "nats:\/\/127\.0\.0\.1:\d+\/x", expected nats:\/\/HOST:PORT\/NAME\?consumer=NAME: the durable consumer/,
  );
  const badName = await cli(['publish', '--to', 'nats://127.0.0.1:4222/a.b', '--data', 'mnist']);
  t.regex(badName.stderr, /--to name: got "a\.b", expected a JetStream name/);
});

test('two workers sharing a consumer learn every record once between them, and acknowledge all of it', async (t) => {
  const stream = 'shared';
  const address = natsAddress(`${server.url}/${stream}`, '--to');
  await publishRecords(address, Matrix.zeros(0, 16)); // the stream, empty: the workers wait on it
  const spec = `${server.url}/${stream}?consumer=workers`;
  const args = (name: string) => [
    'train',
    ...['--online', '--data', spec, '--hidden', '8', '--batch', '10', '--buffer', '50', '--stop-when-idle', '6'],
    ...['--out', join(dir, name), '--json'],
  ];
  const workers = [runCli(args('w1')), runCli(args('w2'))];
  await Promise.all(workers.map((w) => w.waitFor((e) => e.event === 'start'))); // both pull (idle for at most 6 s) before anything is published
  await publishRecords(address, stripeRows(2000));
  const ends = await Promise.all(workers.map((w) => w.exited));
  for (const e of ends) t.is(e.code, 0, e.stderr);
  const summaries = workers.map((w) => w.events.find((e) => e.event === 'summary') as Record<string, number>);
  t.is(summaries[0].learned + summaries[1].learned, 2000, `learned ${summaries[0].learned} + ${summaries[1].learned}`);
  t.is(summaries[0].acknowledged + summaries[1].acknowledged, 2000);
  for (const s of summaries) t.like(s, { stoppedWhenIdle: true, duplicates: 0, consumerPending: 0 });
  t.true(
    summaries.every((s) => s.learned > 0),
    `both workers took records: ${summaries[0].learned} and ${summaries[1].learned}`,
  );
  t.like(await consumerCounts(stream, 'workers'), { pending: 0, ackPending: 0, delivered: 2000 });
  // An idle worker learns its part-filled minibatch, saves and acknowledges before it waits on the other's records:
  // neither waits out the 60 s ack wait for what the other merely had not saved yet.
  for (const s of summaries)
    t.true(s.seconds - s.learningSeconds < 30, `stopped ${(s.seconds - s.learningSeconds).toFixed(1)} s after its last step`);
});

test('no double learning after resume: what the snapshot held unconfirmed is acknowledged on arrival, not learned again', async (t) => {
  const stream = 'resume';
  await publishRecords(natsAddress(`${server.url}/${stream}`, '--to'), stripeRows(1000));
  const address = natsAddress(`${server.url}/${stream}?consumer=w`, '--data', 'required');
  const first = await openNatsFeed(address);
  const seen: string[] = [];
  for await (const r of first) if (seen.push(r.where) === 600) break;
  // A snapshot holding the first 300 is written; the worker dies before any acknowledgement reaches the server.
  const unconfirmed = first.unconfirmed(300);
  t.deepEqual(unconfirmed, [1, 300]);
  await first.closeAsync(); // gives back everything: as a SIGKILL would once the ack wait ran out
  const second = await openNatsFeed(address, { learned: unconfirmed, signal: AbortSignal.timeout(3000) });
  const again: string[] = [];
  for await (const r of second) again.push(r.where);
  t.is(again.length, 700, 'the 700 records the snapshot did not hold, once each');
  t.is(new Set(again).size, 700);
  t.false(
    again.some((w) => Number(w.split(' seq ')[1]) <= 300),
    'none of the 300 the snapshot held',
  );
  t.is(second.broker.duplicates, 300);
  await second.acknowledge(700);
  t.is(second.broker.acknowledged, 1000, '300 acknowledged on arrival, 700 after their snapshot');
  await second.closeAsync();
  t.like(await consumerCounts(stream, 'w'), { pending: 0, ackPending: 0 });
});

test('SIGKILL mid-run: the unacknowledged records are redelivered, the resumed worker learns each record of the stream exactly once over its history', async (t) => {
  const stream = 'killed';
  await publishRecords(natsAddress(`${server.url}/${stream}`, '--to'), stripeRows(3250));
  const spec = `${server.url}/${stream}?consumer=k`;
  const out = join(dir, 'killed');
  const common = ['--stop-when-idle', '4', '--json'];
  // The ack wait is short, so that what the killed worker held comes back quickly; its consumer allows 4,000 pending, so a
  // worker snapshots (and acknowledges) every 500 records: at the kill, up to 490 learned records are in no snapshot.
  const nc = await connect({ servers: server.url.slice('nats://'.length) });
  const { AckPolicy } = await import('@nats-io/jetstream');
  await (
    await jetstreamManager(nc)
  ).consumers.add(stream, { durable_name: 'k', ack_policy: AckPolicy.Explicit, ack_wait: 2e9, max_ack_pending: 4000 });
  await nc.close();
  const killed = runCli(['train', '--online', '--data', spec, '--out', out, '--hidden', '8', '--batch', '10', ...common]);
  await killed.waitFor((e) => typeof e.step === 'number' && e.step >= 120);
  killed.child.kill('SIGKILL');
  const lastStep = Math.max(...killed.events.map((e) => (typeof e.step === 'number' ? e.step : 0)));
  t.is((await killed.exited).signal, 'SIGKILL');
  const held = await readSnapshot(join(out, 'snapshot.msgpack'));
  t.true(held.data.rows >= 500 && held.data.rows < 3250, `the snapshot holds ${held.data.rows} records`);
  t.log(`killed after step ${lastStep} (${10 * lastStep} records learned); the snapshot on disk holds ${held.data.rows}`);
  const resumed = runCli(['train', '--online', '--resume', join(out, 'snapshot.msgpack'), '--data', spec, ...common]);
  const end = await resumed.exited;
  t.is(end.code, 0, end.stderr);
  const s = resumed.events.find((e) => e.event === 'summary') as Record<string, number>;
  t.is(s.records, 3250, `records learned over the worker's history: ${held.data.rows} before the kill, ${s.learned} after`);
  t.is(s.learned, 3250 - held.data.rows);
  t.like(await consumerCounts(stream, 'k'), { pending: 0, ackPending: 0 });
});

test('bad records in the stream: skipped, counted and acknowledged with --bad-records skip; with fail, the run ends naming the message', async (t) => {
  const bodies = [
    ...stripes(0, 5).trim().split('\n'),
    '[0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]',
    'oops',
    ...stripes(5, 5).trim().split('\n'),
  ];
  await publishRaw('bad', bodies);
  const small = ['--batch', '2', '--hidden', '4', '--stop-when-idle', '1'];
  const skip = await cli([
    'train',
    '--online',
    '--data',
    `${server.url}/bad?consumer=s`,
    '--bad-records',
    'skip',
    ...small,
    '--out',
    join(dir, 'bad-skip'),
    '--json',
  ]);
  t.is(skip.status, 0, skip.stderr);
  t.like(summaryOf(skip.stdout), {
    learned: 10,
    skippedRecords: 2,
    skipped: { range: 1, unparseable: 1 },
    acknowledged: 12,
    consumerAckPending: 0,
  });
  const fail = await cli(['train', '--online', '--data', `${server.url}/bad?consumer=f`, ...small, '--out', join(dir, 'bad-fail')]);
  t.is(fail.status, 2);
  t.regex(fail.stderr, /bad seq 6, value 2: got 2, expected a value in \[0, 1\]/);
});

test('--stop-when-idle ends a followed file cleanly, saved, once nothing more is appended', async (t) => {
  const file = join(dir, 'growing.ndjson');
  writeFileSync(file, stripes(0, 30));
  const run = runCli(
    ['train', '--online', '--data', file, '--follow', '--batch', '10', '--hidden', '4', '--stop-when-idle', '1.5'].concat([
      '--out',
      join(dir, 'idle'),
      '--json',
    ]),
  );
  await run.waitFor((e) => e.step === 2);
  appendFileSync(file, stripes(30, 25));
  const end = await run.exited;
  t.is(end.code, 0, end.stderr);
  t.like(
    run.events.find((e) => e.event === 'summary'),
    { stoppedWhenIdle: true, records: 55, interrupted: false },
  );
  t.is((await readSnapshot(join(dir, 'idle', 'snapshot.msgpack'))).data.rows, 55, 'the part-filled last minibatch is learned and saved');
});

test('--snapshot-store: each snapshot also in an object store, bit for bit; eval and --resume read it back by nats://HOST:PORT/BUCKET[/NAME]', async (t) => {
  const csv = join(dir, 'store.csv');
  writeFileSync(csv, stripes(0, 40).replace(/\[|\]/g, ''));
  const out = join(dir, 'stored');
  const bucket = `${server.url}/models`;
  const trained = await cli(
    ['train', '--data', csv, '--hidden', '4', '--batch', '10', '--epochs', '3', '--sample-steps', '0', '--keep', '1'].concat([
      '--snapshot-store',
      bucket,
      '--out',
      out,
      '--json',
    ]),
  );
  t.is(trained.status, 0, trained.stderr);
  // Uploads run behind training, the newest first when several wait: the first and the last are always stored.
  const put = summaryOf(trained.stdout).snapshotStore;
  t.like(put, { bucket, latest: 'step-000000012' });
  t.true(put.stored >= 2 && put.stored <= 3, `${put.stored} stored`);
  const local = await readFile(join(out, 'snapshot.msgpack'));
  t.deepEqual(
    Buffer.from(await readObject(natsObjectAddress(bucket, '--model'), '--model', 1 << 30)),
    local,
    'latest is the last snapshot, bit for bit',
  );
  t.deepEqual(Buffer.from(await readObject(natsObjectAddress(`${bucket}/step-000000012`, '--model'), '--model', 1 << 30)), local);
  const gone = await readObject(natsObjectAddress(`${bucket}/step-000000004`, '--model'), '--model', 1 << 30).catch(
    (e: Error) => e.message,
  );
  t.regex(String(gone), /it has none named step-000000004/, '--keep 1: older step objects are deleted');
  const evalArgs = ['--data', csv, '--metric', 'exact', '--json'];
  const fromStore = summaryOf((await cli(['eval', '--model', bucket, ...evalArgs])).stdout);
  const fromFile = summaryOf((await cli(['eval', '--model', join(out, 'snapshot.msgpack'), ...evalArgs])).stdout);
  t.is(fromStore.value, fromFile.value);
  const noOut = await cli(['train', '--resume', bucket, '--epochs', '4']);
  t.regex(noOut.stderr, /--resume: got "nats:\/\/127\.0\.0\.1:\d+\/models", expected --out DIR with it/);
  for (const [from, to] of [
    [bucket, 'resumed-store'],
    [join(out, 'snapshot.msgpack'), 'resumed-file'],
  ]) {
    const r = await cli(['train', '--resume', from, '--epochs', '4', '--sample-steps', '0', '--out', join(dir, to), '--json']);
    t.is(r.status, 0, r.stderr);
  }
  const [a, b] = await Promise.all(['resumed-store', 'resumed-file'].map((d) => readSnapshot(join(dir, d, 'snapshot.msgpack'))));
  t.deepEqual(a.params.weights, b.params.weights, 'resuming from the store continues exactly as from the file');
});

test('a DBN and a DBM put their snapshots in the store and publish their metrics too; sample reads the DBN back from it', async (t) => {
  const csv = join(dir, 'deep-store.csv');
  writeFileSync(csv, stripes(0, 40).replace(/\[|\]/g, ''));
  const subject = `${server.url}/runs.deep-test`;
  const watcher = runCli(['watch', subject, '--json']);
  await new Promise((r) => setTimeout(r, 1500)); // subscribed
  let dbnSteps = 0;
  for (const kind of ['dbn', 'dbm']) {
    const bucket = `${server.url}/deep-${kind}`;
    const out = join(dir, `deep-${kind}`);
    const trained = await cli(
      ['train', '--model', kind, '--layers', '4,3', '--data', csv, '--batch', '10', '--epochs', '2', '--keep', '1'].concat([
        '--snapshot-store',
        bucket,
        ...(kind === 'dbn' ? ['--metrics-subject', subject] : []),
        '--out',
        out,
        '--json',
      ]),
    );
    t.is(trained.status, 0, trained.stderr);
    if (kind === 'dbn') dbnSteps = summaryOf(trained.stdout).steps;
    const put = summaryOf(trained.stdout).snapshotStore;
    t.is(put.bucket, bucket);
    t.true(put.stored >= 2, `${put.stored} stored`);
    t.deepEqual(
      Buffer.from(await readObject(natsObjectAddress(bucket, '--model'), '--model', 1 << 30)),
      await readFile(join(out, 'snapshot.msgpack')),
      `${kind}: latest is the last snapshot, bit for bit`,
    );
  }
  const sampled = await cli([
    'sample',
    '--model',
    `${server.url}/deep-dbn`,
    '--n',
    '3',
    '--steps',
    '2',
    '--out',
    join(dir, 'deep.csv'),
    '--json',
  ]);
  t.is(sampled.status, 0, sampled.stderr);
  const ended = await watcher.waitFor((e) => e.event === 'end');
  t.like(ended, { step: dbnSteps, failed: false }, 'the end of the run is published, with its last step');
  t.deepEqual(
    watcher.events.filter((e) => e.event === 'step').map((e) => e.step),
    Array.from({ length: dbnSteps }, (_, i) => i + 1),
    'every step of the DBN on the subject, in order',
  );
  watcher.child.kill('SIGINT');
  t.is((await watcher.exited).code, 0);
});

test('averaging rounds: the workers of a round end with the same bits, the mean of their parameters; one that leaves is not waited for, one that dies only until the deadline', async (t) => {
  const bucket = natsObjectAddress(`${server.url}/rounds-test`, '--average-every');
  const names = ['alpha', 'beta', 'gamma'];
  const [a, b, c] = await Promise.all(names.map((worker) => openAverager(bucket, { worker, deadlineMs: 3000 })));
  const start = [
    [Float32Array.of(1, 2, 3), Float32Array.of(0.1)],
    [Float32Array.of(3, 6, 9), Float32Array.of(0.7)],
    [Float32Array.of(5, 1, 0), Float32Array.of(0.4)],
  ];
  const params = start.map((p) => p.map((x) => x.slice()));
  await Promise.all([a, b, c].map((w, i) => w.average(params[i]))); // the first round: each may not know of the others yet
  params.forEach((p, i) => p.forEach((x, j) => x.set(start[i][j])));
  const rounds = await Promise.all([a, b, c].map((w, i) => w.average(params[i])));
  for (const r of rounds) t.deepEqual(r.contributors, names);
  t.is(new Set(rounds.map((r) => r.round)).size, 1);
  t.deepEqual(params[0], params[1], 'the same bits on every worker');
  t.deepEqual(params[0], params[2]);
  t.deepEqual(params[0][0], Float32Array.of(3, 3, 4));
  t.is(params[0][1][0], Math.fround((Math.fround(0.1) + Math.fround(0.7) + Math.fround(0.4)) / 3));
  // beta leaves (closes); gamma dies (stops taking part, says nothing): alpha waits for gamma until the deadline, never for beta.
  await b.close();
  const [left] = await Promise.all([a.average(params[0]), c.average(params[2])]);
  t.false(left.timedOut, 'a worker that closed is not waited for');
  t.deepEqual(left.contributors, ['alpha', 'gamma']);
  t.true(left.waitedMs < 2000, `${left.waitedMs} ms`);
  const lone = await a.average(params[0]);
  t.true(lone.timedOut);
  t.deepEqual(lone.contributors, ['alpha']);
  t.true(lone.waitedMs >= 3000 && lone.waitedMs < 6000, `${lone.waitedMs} ms`);
  await a.average(params[0]);
  const later = await a.average(params[0]);
  t.false(later.timedOut, 'a worker absent for two rounds is no longer waited for');
  t.true(later.waitedMs < 2000);
  await Promise.all([a.close(), c.close()]);
});

test('--average-every: two workers average as they learn from one consumer; one SIGKILLed mid-run does not stall the other past the deadline', async (t) => {
  const stream = 'averaged';
  const address = natsAddress(`${server.url}/${stream}`, '--to');
  await publishRecords(address, Matrix.zeros(0, 16));
  const spec = `${server.url}/${stream}?consumer=avg`;
  const args = (name: string) => [
    'train',
    ...['--online', '--data', spec, '--hidden', '8', '--batch', '10', '--buffer', '50', '--stop-when-idle', '6', '--average-every', '5'],
    ...['--average-deadline', '2', '--ack-wait', '2', '--worker', name, '--out', join(dir, name), '--json'],
  ];
  const workers = [runCli(args('avg-1')), runCli(args('avg-2'))];
  await Promise.all(workers.map((w) => w.waitFor((e) => e.event === 'start')));
  await publishRecords(address, stripeRows(3000));
  await workers[1].waitFor((e) => e.event === 'step' && (e.step as number) >= 60);
  workers[1].child.kill('SIGKILL');
  const end = await workers[0].exited;
  t.is(end.code, 0, end.stderr);
  const s = workers[0].events.find((e) => e.event === 'summary') as {
    records: number;
    averaging: { rounds: number; round: number; meanContributors: number; timedOut: number };
  };
  t.true(s.averaging.rounds >= 10, `${s.averaging.rounds} rounds`);
  t.true(s.averaging.meanContributors > 1, `mean contributors ${s.averaging.meanContributors}: the two averaged`);
  t.true(s.averaging.timedOut >= 1 && s.averaging.timedOut <= 3, `${s.averaging.timedOut} rounds waited out the deadline after the kill`);
  const killedSnap = await readSnapshot(join(dir, 'avg-2', 'snapshot.msgpack')).catch(() => null);
  t.is(s.records + (killedSnap?.data.rows ?? 0), 3000, "every record learned once: by the survivor, or in the killed worker's snapshot");
  t.is(
    (await readSnapshot(join(dir, 'avg-1', 'snapshot.msgpack'))).data.round,
    s.averaging.round,
    'the snapshot says which round the worker is in',
  );
});

test('--metrics-subject: each step published on a NATS subject; boltzflow watch follows it from elsewhere', async (t) => {
  const subject = `${server.url}/runs.metrics-test`;
  const watcher = runCli(['watch', subject, '--count', '5', '--json']);
  // A second one serves the dashboard's curves for the followed run, and goes on serving them once it has followed 30 steps.
  const page = runCli(['watch', subject, '--count', '30', '--dashboard', '--json']);
  const url = (await page.waitFor((e) => e.event === 'dashboard')).url as string;
  await new Promise((r) => setTimeout(r, 1500)); // subscribed
  const csv = join(dir, 'watched.csv');
  writeFileSync(csv, stripes(0, 200).replace(/\[|\]/g, ''));
  const run = await cli(
    ['train', '--data', csv, '--hidden', '4', '--batch', '10', '--epochs', '3', '--sample-steps', '0', '--metrics-subject', subject].concat(
      ['--out', join(dir, 'watched'), '--json'],
    ),
  );
  t.is(run.status, 0, run.stderr);
  const end = await watcher.exited;
  t.is(end.code, 0, end.stderr);
  const steps = watcher.events.filter((e) => e.event === 'step');
  t.deepEqual(
    steps.map((e) => e.step),
    [1, 2, 3, 4, 5],
    "the run's first five steps, in order",
  );
  t.true(steps.every((e) => typeof e.reconstructionError === 'number'));
  // Its 30 steps followed, the page goes on serving them until a signal.
  await page.waitFor((e) => e.event === 'dashboard' && e.serving !== undefined);
  const shown = (await (await fetch(`${url}api/rows?run=0&from=0`)).json()) as Record<string, unknown>[];
  page.child.kill('SIGINT');
  t.is((await page.exited).code, 0);
  t.is(shown.length, 30, 'the page has the 30 steps it followed');
  t.true(
    shown.every((m) => typeof m.step === 'number' && typeof m.reconstructionError === 'number'),
    JSON.stringify(shown[0]),
  );
  const bad = await cli(['train', '--data', csv, '--metrics-subject', 'runs.*', '--out', join(dir, 'watched-bad')]);
  t.regex(bad.stderr, /--metrics-subject: got "runs\.\*", expected a NATS subject/);
  const bare = await cli(['train', '--data', csv, '--metrics-subject', 'runs.x', '--out', join(dir, 'watched-bare')]);
  t.regex(bare.stderr, /a bare subject is published on the server of a nats:\/\/ --data feed/);
});

test.serial(
  'a server that goes away and comes back: the worker reconnects (counted), and every record is learned and acknowledged',
  async (t) => {
    const stream = 'comeback';
    const address = natsAddress(`${server.url}/${stream}`, '--to');
    await publishRecords(address, stripeRows(3000));
    const run = runCli(
      ['train', '--online', '--data', `${server.url}/${stream}?consumer=c`, '--hidden', '8', '--batch', '10', '--buffer', '100'].concat([
        '--stop-when-idle',
        '8',
        '--out',
        join(dir, 'comeback'),
        '--json',
      ]),
    );
    await run.waitFor((e) => e.event === 'step' && (e.step as number) >= 20);
    run.child.kill('SIGSTOP'); // hold the worker mid-stream while the server goes away and comes back
    await server.restart(1500);
    run.child.kill('SIGCONT');
    const end = await run.exited;
    t.is(end.code, 0, end.stderr);
    const s = run.events.find((e) => e.event === 'summary') as Record<string, number>;
    t.true(s.reconnects >= 1, `${s.reconnects} reconnects`);
    t.true(
      run.events.some((e) => e.event === 'feed' && /reconnected/.test(String(e.message))),
      'the return is told',
    );
    t.is(s.learned, 3000);
    t.like(await consumerCounts(stream, 'c'), { pending: 0, ackPending: 0 });
  },
);
