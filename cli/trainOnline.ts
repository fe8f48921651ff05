import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { identity, lastValueFrom, Subject, switchMap, takeUntil, tap, timer } from 'rxjs';
import type { z } from 'zod';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { rbmFilters, type Rbm } from '../models/rbm.js';
import { openAverager } from '../sinks/averageParameters.js';
import type { SnapshotStore } from '../sinks/snapshotStore.js';
import type { StepEvent } from '../operators/phases.js';
import { trainOnline } from '../pipelines/trainOnline.js';
import type { trainFlagsSchema } from '../schemas/cliFlags.js';
import type { DataInfo, Snapshot } from '../schemas/snapshot.js';
import type { TrainConfig } from '../schemas/trainConfig.js';
import { logSink } from '../sinks/logSink.js';
import { metricsSink } from '../sinks/metricsSink.js';
import { progressSink, seconds } from '../sinks/progressSink.js';
import { snapshotSink } from '../sinks/snapshotSink.js';
import { readableZoom } from '../sinks/imageGrid.js';
import { writeImageGrid } from '../sinks/writeImageGrid.js';
import { writeLearningCurves } from '../sinks/writeLearningCurves.js';
import { BAD_RECORD_KINDS, type BadRecordKind } from '../sources/DataRecord.js';
import { flushable } from '../sources/flushable.js';
import { idleWatch } from '../sources/idleWatch.js';
import { isNatsSpec, natsAddress } from '../sources/natsAddress.js';
import { openNatsFeed, type NatsFeed } from '../sources/natsFeed.js';
import { isFileFeed, openFeed, type Feed } from '../sources/openFeed.js';
import { squareImageShape } from '../sources/squareImageShape.js';
import { emit, say } from './output.js';
import { closeAll } from './closeAll.js';
import { snapshotStoreFlag, storeSummary } from './snapshotStoreFlag.js';
import { metricsSubjectFlag } from './metricsSubjectFlag.js';
import type { Shutdown } from './shutdownSignals.js';
import { dashboardTap } from './train.js';
import { runInfoOf, writeRunInfo } from './runInfo.js';

type TrainFlags = z.output<typeof trainFlagsSchema>;

/** Online runs snapshot this often by default (seconds), besides at the end. */
export const ONLINE_SNAPSHOT_SECONDS = 60;

/**
 * `boltzflow train --online --data SPEC`: learns from a feed until it ends or a signal (SIGINT,
 * SIGTERM, SIGHUP) stops it. SPEC is `-` (stdin), a file (`--follow` to keep reading what is
 * appended), `tcp://HOST:PORT` or `http://HOST:PORT` (serves, and learns from POSTed bodies).
 *
 * Nothing given is lost: a signal stops the reading, what was already received (for HTTP:
 * acknowledged with 202) is learned within `--drain-seconds`, a part-filled last minibatch
 * included, and a final snapshot is written; what could not be learned in time is counted in the
 * summary. A file feed stops at once instead, since a resumed run reads on from what was learned.
 * Snapshots are also written every `--snapshot-seconds` (60 by default) and, on a fatal feed error,
 * before the run exits naming the source and the record.
 */
export async function trainOnlineCommand(
  flags: TrainFlags,
  config: TrainConfig,
  resume: Snapshot | undefined,
  out: string,
  shutdown: Shutdown,
  prepareFolder: () => Promise<number> = () => Promise.resolve(0),
): Promise<void> {
  if (!flags.data && !resume)
    throw new BoltzflowError(
      '--data',
      undefined,
      'a feed with --online: -, a file, tcp://HOST:PORT, http://HOST:PORT or nats://HOST:PORT/STREAM?consumer=NAME',
    );
  const spec = flags.data ?? resume!.data.name;
  const reading = new AbortController();
  // A file can seek: a resumed online run skips the records it has already learned from, so that
  // it continues exactly where it stopped. Live feeds (stdin, sockets) continue from what comes next.
  const seekable = isFileFeed(spec);
  // A snapshot's data.rows counts the records learned from data.name; on another feed the count starts again.
  const firstRows = resume && wasOnline(resume) && resume.data.name === spec ? resume.data.rows : 0;
  const skip = seekable ? firstRows : 0;
  const status = (line: string) => (flags.json ? emit({ event: 'feed', message: line }) : say(`  ${line}`));
  const { store, published, averaging, nats } = await openOutside(flags, spec, resume, out, reading.signal, status);
  // Only once the outside parts answer is an earlier run in the folder cleared (--overwrite) and a resumed one's metrics trimmed;
  // the resumed run's seconds continue from what they kept.
  const secondsFrom = await prepareFolder().catch(async (e: unknown) => {
    await closeAll(store, averaging?.averager, published.link);
    await nats?.closeAsync();
    throw e;
  });
  const feed: Feed =
    nats ??
    openFeed(spec, {
      skip,
      follow: flags.follow,
      format: flags.format,
      capacity: flags.buffer,
      policy: flags.overflow,
      signal: reading.signal,
      nVisible: resume?.nVisible,
      onBadRecord: flags['bad-records'],
      maxBodyBytes: flags['max-body-bytes'],
      reconnect: flags.reconnect,
      onStatus: status,
      maxLineBytes: flags['max-line-bytes'],
      onListening: ({ host, port }) =>
        flags.json ? emit({ event: 'listening', host, port }) : say(`  serving http://${host}:${port}/ — POST records, one per line`),
    });
  // Skipped bad records: those the feed skipped itself, and those of the trainer's own checks.
  const trainerSkipped = Object.fromEntries(BAD_RECORD_KINDS.map((k) => [k, 0])) as Record<BadRecordKind, number>;
  const skippedOf = (kind: BadRecordKind) => feed.skipped[kind] + trainerSkipped[kind];
  const totalSkipped = () => BAD_RECORD_KINDS.reduce((n, k) => n + skippedOf(k), 0);
  const onSkip = (error: BoltzflowError, kind: BadRecordKind) => {
    if (++trainerSkipped[kind] <= 3 && !flags.json) say(`  skipped ${error.message.split('\n')[0]}`);
  };
  let idle = false;
  const stopWhenIdle = flags['stop-when-idle'];
  const redeliveryDue = nats && redeliveryWait(nats, status);
  // A broker's records are acknowledged once a snapshot holding them is on disk (never before).
  const acks = new Set<Promise<void>>();
  const acknowledge = (learned: number) => {
    if (!nats) return;
    const p = nats.acknowledge(learned).finally(() => acks.delete(p));
    acks.add(p);
  };
  const saveNow = new Subject<void>();
  const watched = stopWhenIdle
    ? idleWatch(feed, stopWhenIdle, async () => {
        if (nats) {
          // Before waiting on the records other workers hold, give them nothing to wait on here: learn the
          // part-filled minibatch, save it and acknowledge everything (their idle checks then see 0 held here).
          await records.flush();
          saveNow.next();
          await Promise.all(acks);
        }
        if (redeliveryDue && (await redeliveryDue())) return false;
        idle = true;
        status(`no record for ${stopWhenIdle} s: stopping, learning what was received, then saving`);
        reading.abort();
      })
    : feed;
  const records = flushable(watched);
  const steps$ = trainOnline({
    records,
    config,
    resume: resume && { ...resume, config },
    onBadRecord: flags['bad-records'],
    feedSkipped: feed.skipped,
    onSkip,
    counters: nats ? { droppedRecords: () => 0, reconnects: () => nats.broker.reconnects } : { droppedRecords: () => feed.dropped },
    between: averaging?.between,
  });
  const backend = selectBackend(config.backend);
  let rows = firstRows;
  let width = resume?.nVisible ?? 0;
  const data = (): DataInfo => ({
    name: spec,
    rows: Math.max(1, rows),
    imageShape: squareImageShape(width),
    binarize: 'none',
    ...(nats ? { unconfirmed: nats.unconfirmed(rows - firstRows) } : {}),
    ...(averaging ? { round: averaging.averager.round } : {}),
  });
  const snapshotSeconds = flags['snapshot-seconds'] ?? ONLINE_SNAPSHOT_SECONDS;
  const header = {
    event: 'start',
    online: true,
    backend: backend.name,
    threads: backend.threads ?? 1,
    feed: feed.name,
    config,
    snapshotSeconds,
    drainSeconds: flags['drain-seconds'],
    out,
    resumedFrom: resume ? resume.counters.step : null,
  };
  if (flags.json) emit(header);
  const info = runInfoOf(header, out);
  const dashboard = dashboardTap(flags, config, undefined, {
    ...info,
    model: resume ? `rbm ${resume.nVisible}→${config.nHidden}` : `rbm N→${config.nHidden}`,
    feed: feed.name,
  });
  writeRunInfo(out, header);
  if (!flags.json) {
    say(
      `boltzflow train --online · backend ${backend.name} · feed ${feed.name} · buffer ${flags.buffer} (${flags.overflow} when full) · bad records: ${flags['bad-records']}`,
    );
    say(
      `  RBM ${resume ? resume.nVisible : 'N'}→${config.nHidden}${resume ? '' : ' (N: the width of the first record)'} · ${config.method.toUpperCase()}-${config.k}${config.centering ? ' · centered' : ''} · lr ${config.learningRate} (constant) · momentum ${config.momentum} · weight decay ${config.weightDecay} · batch ${config.batchSize} · seed ${config.seed}`,
    );
    if (resume)
      say(
        `  resuming at step ${resume.counters.step} with the saved chains and optimiser state${skip ? `, after the first ${skip} records of ${spec}` : ''}`,
      );
    say(
      `  snapshots in ${out}/ (every ${snapshotSeconds || '—'} s, ${config.snapshotEvery || '—'} steps, and at the end; keeping ${flags.keep})  (Ctrl-C or SIGTERM stops and saves)`,
    );
    if (averaging)
      say(
        `  averaging the parameters with the consumer's other workers every ${flags['average-every']} steps as ${averaging.summary().worker} (a round waits at most ${flags['average-deadline']} s)`,
      );
    if (store) say(`  each snapshot also to ${flags['snapshot-store']}`);
    if (flags['metrics-subject']) say(`  each step's metrics on ${flags['metrics-subject']}`);
  }
  // The first signal stops the reading; a file feed is then cut at once, a live feed once what it
  // had received is learned (it ends by itself) or the drain time is up.
  let drainCut = false;
  const stopReading = () => {
    reading.abort();
    if (!seekable)
      status(`${shutdown.received}: no more records taken; learning what was received (at most ${flags['drain-seconds']} s), then saving`);
  };
  if (shutdown.signal.aborted) stopReading();
  else shutdown.signal.addEventListener('abort', stopReading, { once: true });
  const cut$ = seekable
    ? shutdown.requested$
    : shutdown.requested$.pipe(switchMap(() => timer(flags['drain-seconds'] * 1000).pipe(tap(() => (drainCut = true)))));
  const start = performance.now();
  let final: StepEvent | null = null;
  let samples = 0;
  let learning = 0; // milliseconds from the start to the last step: the rate leaves out the wait after it (an idle stop)
  /** The last snapshot this run wrote: its step and the rows it holds. */
  const saved: { step: number | null; rows: number } = { step: null, rows: firstRows };
  let failure: unknown = null;
  let brokerEnd: { pending: number; ackPending: number } | null = null;
  shutdown.lastWords = () => {
    const notSaved = Math.max(0, firstRows + feed.received - feed.dropped - saved.rows);
    const where = saved.step !== null ? `the last snapshot on disk is step ${saved.step}` : 'this run wrote no snapshot';
    return `${where}; ${notSaved} record(s) received since are not in it${feed.http ? ` (${feed.http.acknowledged} acknowledged by this run in all)` : ''}`;
  };
  try {
    await lastValueFrom(
      steps$.pipe(
        takeUntil(cut$),
        tap((e) => {
          rows += e.batchSize;
          width = e.params.nVisible;
        }),
        snapshotSink({
          dir: out,
          config,
          data,
          every: config.snapshotEvery,
          everySeconds: snapshotSeconds,
          keep: flags.keep,
          due: nats ? () => nats.due() : undefined,
          saveOn: saveNow,
          onWrite: (_path, step, bytes, name) => {
            Object.assign(saved, { step, rows });
            acknowledge(rows - firstRows);
            store?.put(name, bytes);
          },
        }),
        dashboard.tap,
        flags.log ? logSink(join(out, 'log.msgpack'), { every: flags['log-every'], records: flags.log, config, data }) : identity,
        metricsSink(join(out, 'metrics.ndjson'), { secondsFrom }),
        published.tap({ secondsFrom }),
        flags.json ? metricsSink(1, { secondsFrom }) : progressSink({ epochs: 1, intervalMs: process.stderr.isTTY ? 1000 : 5000 }),
        tap((e) => {
          final = e;
          samples += e.batchSize;
          learning = performance.now() - start;
        }),
      ),
      { defaultValue: null },
    );
  } catch (e) {
    failure = e;
  } finally {
    reading.abort();
    await Promise.all(acks);
    await closeAll(store, averaging?.averager, published.link);
    if (nats) {
      brokerEnd = await nats.pending().catch(() => null);
      await nats.closeAsync();
    } else feed.close();
    if (spec === '-') process.stdin.destroy(); // a producer still holding the pipe open must not keep the process alive
  }
  const elapsed = performance.now() - start;
  const last = final as StepEvent | null;
  const shape = data().imageShape;
  let filters: string | undefined;
  if (last && shape) {
    filters = join(out, 'filters.png');
    writeImageGrid(filters, rbmFilters(last.model.params, 100), {
      height: shape[0],
      width: shape[1],
      scale: 'each',
      columns: 10,
      zoom: flags.scale ?? readableZoom(10, shape[1]),
    });
  }
  const curves = last ? await writeLearningCurves(out, info.folder) : { files: [] };
  const learned = rows - firstRows;
  const unlearned = Math.max(0, feed.received - feed.dropped - learned);
  const savedStep = saved.step;
  const summary = {
    event: 'summary',
    interrupted: shutdown.received !== null,
    signal: shutdown.received,
    steps: last?.step ?? resume?.counters.step ?? 0,
    records: rows,
    received: feed.received,
    learned,
    unlearned,
    ...(feed.http
      ? { acknowledged: feed.http.acknowledged, rejectedRequests: feed.http.rejectedRequests, abortedRequests: feed.http.abortedRequests }
      : {}),
    ...(nats
      ? {
          acknowledged: nats.broker.acknowledged,
          duplicates: nats.broker.duplicates,
          redelivered: nats.broker.redelivered,
          reconnects: nats.broker.reconnects,
          consumerPending: brokerEnd?.pending ?? null,
          consumerAckPending: brokerEnd?.ackPending ?? null,
        }
      : {}),
    ...(averaging ? { averaging: averaging.summary() } : {}),
    stoppedWhenIdle: idle,
    droppedRecords: feed.dropped,
    skippedRecords: totalSkipped(),
    skipped: Object.fromEntries(BAD_RECORD_KINDS.map((k) => [k, skippedOf(k)])),
    tornLines: feed.torn,
    seconds: Math.round(elapsed) / 1000,
    learningSeconds: Math.round(learning) / 1000,
    samplesPerSecond: learning > 0 ? Math.round(samples / (learning / 1000)) : 0,
    reconstructionError: last?.metrics.reconstructionError ?? null,
    snapshot: join(out, 'snapshot.msgpack'),
    savedStep,
    ...storeSummary(flags['snapshot-store'], store),
    ...(filters ? { filters } : {}),
    curves: curves.files,
    ...(failure ? { error: (failure as Error).message } : {}),
  };
  if (flags.json) emit(summary);
  else {
    const how = failure
      ? 'feed failed'
      : summary.interrupted
        ? `interrupted (${summary.signal})`
        : idle
          ? `idle for ${stopWhenIdle} s`
          : 'feed ended';
    say(
      `${how}: ${learned} records learned in ${seconds(learning)} (${summary.samplesPerSecond} samples/s)${elapsed - learning >= 1000 ? `, ${seconds(elapsed)} in all` : ''}, now at step ${summary.steps}${firstRows ? ` with ${rows} records over the run's history` : ''}; ${summary.droppedRecords} dropped, ${summary.skippedRecords} skipped`,
    );
    if (feed.http)
      say(
        `  ${feed.http.acknowledged} records acknowledged (202), ${unlearned} of them not learned; ${plural(feed.http.rejectedRequests, 'request')} refused, ${feed.http.abortedRequests} aborted by their clients`,
      );
    else if (nats)
      say(
        `  ${nats.broker.acknowledged} messages acknowledged to ${spec}; ${nats.broker.duplicates} duplicates not learned again, ${nats.broker.redelivered} redelivered from elsewhere, ${nats.broker.reconnects} reconnects` +
          (brokerEnd ? `; the consumer has ${brokerEnd.pending} undelivered and ${brokerEnd.ackPending} unacknowledged` : ''),
      );
    else if (unlearned > 0)
      say(`  ${unlearned} records received but not learned${seekable ? ` (a resumed run reads them again from ${spec})` : ''}`);
    if (averaging) {
      const a = averaging.summary();
      say(
        `  averaging: ${a.rounds} rounds (up to round ${a.round}), ${a.meanContributors.toFixed(2)} workers a round on average, ${a.timedOut} ended by the deadline, ${a.secondsWaited} s waiting`,
      );
    }
    if (store) say(`  ${store.stored} snapshot(s) also in ${flags['snapshot-store']} (latest: ${store.latest ?? 'none'})`);
    if (feed.torn > 0) say(`  the last line was cut in half by the signal: not taken for a record`);
    for (const file of curves.files) say(`  curves   ${file}`);
    if (savedStep !== null)
      say(`  snapshot ${summary.snapshot}  (continue with: boltzflow train --online --resume ${summary.snapshot} --data …)`);
    else say(`  nothing was learned, so no snapshot was written${resume ? ' (the resumed one is as it was)' : ''}`);
  }
  if (drainCut && !flags.json)
    say(`  the drain time (--drain-seconds ${flags['drain-seconds']}) ran out before everything received was learned`);
  await dashboard.afterRun(shutdown, failure !== null);
  if (failure) {
    if (failure instanceof BoltzflowError && savedStep !== null)
      failure.message += `\nwhat was learned up to step ${savedStep} is saved in ${summary.snapshot}; continue with --resume ${summary.snapshot}`;
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what the stream errored with, as it came
    throw failure;
  }
}

/**
 * `--average-every STEPS`: the averager of the workers sharing this feed's consumer (an object store
 * bucket `avg-STREAM-CONSUMER` on the feed's server), and the hook that averages every STEPS steps.
 */
async function averagingFlag(flags: TrainFlags, spec: string, resume: Snapshot | undefined, out: string, status: (line: string) => void) {
  const every = flags['average-every'];
  if (every === undefined) return null;
  if (!isNatsSpec(spec))
    throw new BoltzflowError('--average-every', every, 'a nats://…?consumer=NAME feed (the workers that share a consumer average)');
  const a = natsAddress(spec, '--data', 'required');
  const worker = flags.worker ?? `${hostname()}-${basename(resolve(out))}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100);
  const averager = await openAverager(
    { server: a.server, bucket: `avg-${a.name}-${a.consumer}`, object: 'latest' },
    { worker, deadlineMs: flags['average-deadline'] * 1000, startRound: resume?.data.round ?? 0, onStatus: status },
  );
  let rounds = 0,
    contributors = 0,
    timedOut = 0,
    waited = 0;
  return {
    averager,
    summary: () => ({
      worker,
      rounds,
      round: averager.round,
      meanContributors: rounds ? contributors / rounds : 0,
      timedOut,
      secondsWaited: Math.round(waited) / 1000,
    }),
    between: async (step: number, model: Rbm) => {
      if (step % every !== 0) return;
      const { params } = model;
      const r = await averager.average([params.weights.data, params.visibleBias, params.hiddenBias]);
      rounds++;
      contributors += r.contributors.length;
      waited += r.waitedMs;
      if (r.timedOut) {
        timedOut++;
        status(`averaging round ${r.round}: the deadline came first; averaged ${r.contributors.join(', ')}`);
      }
    },
  };
}

/**
 * For an idle worker: whether to wait on, because the consumer still has records that other workers
 * hold unacknowledged (or undelivered ones), which the server redelivers after its ack wait if their
 * worker died. It waits at most 1.5 ack waits for them, from the first time it saw them.
 */
function redeliveryWait(nats: NatsFeed, status: (line: string) => void): () => Promise<boolean> {
  let since: number | null = null;
  return async () => {
    const p = await nats.pending().catch(() => null);
    const elsewhere = p ? p.pending + Math.max(0, p.ackPending - nats.unacknowledged) : 0;
    if (elsewhere === 0) return false;
    const now = performance.now();
    if (since === null) {
      since = now;
      status(
        `idle, but the consumer still has ${elsewhere} record(s) with other workers or undelivered: waiting up to ${Math.round(1.5 * nats.broker.ackWaitSeconds)} s for them (redelivered after the ack wait if their worker died)`,
      );
    }
    return now - since <= 1.5 * nats.broker.ackWaitSeconds * 1000;
  };
}

/**
 * What an online run opens outside itself before it starts, each only when its flag asks: the
 * snapshot store, the metrics subject's connection, the averager and the broker feed. When one
 * cannot be opened, those opened before it are closed again, and the error stands.
 */
async function openOutside(
  flags: TrainFlags,
  spec: string,
  resume: Snapshot | undefined,
  out: string,
  signal: AbortSignal,
  status: (line: string) => void,
) {
  let store: SnapshotStore | null = null;
  let published: Awaited<ReturnType<typeof metricsSubjectFlag<StepEvent>>> | null = null;
  let averaging: Awaited<ReturnType<typeof averagingFlag>> = null;
  try {
    store = await snapshotStoreFlag(flags['snapshot-store'], flags.keep, (line) =>
      flags.json ? emit({ event: 'store', message: line }) : say(`  ${line}`),
    );
    published = await metricsSubjectFlag(flags['metrics-subject'], spec, status);
    averaging = await averagingFlag(flags, spec, resume, out, status);
    const nats = isNatsSpec(spec) ? await openBroker(spec, flags, resume, signal, status) : null;
    return { store, published, averaging, nats };
  } catch (e) {
    await closeAll(store, published?.link, averaging?.averager);
    throw e;
  }
}

/** Opens a `nats://` feed: its consumer, the resumed snapshot's unconfirmed records, the flags that apply to it. */
async function openBroker(
  spec: string,
  flags: TrainFlags,
  resume: Snapshot | undefined,
  signal: AbortSignal,
  onStatus: (line: string) => void,
): Promise<NatsFeed> {
  if (flags.follow) throw new BoltzflowError('--follow', true, 'no --follow with a nats:// feed (a stream is followed anyway)');
  if (flags.overflow !== 'block')
    throw new BoltzflowError('--overflow', flags.overflow, '"block" with a nats:// feed (the stream holds what waits; nothing is dropped)');
  return openNatsFeed(natsAddress(spec, '--data', 'required'), {
    format: flags.format,
    capacity: flags.buffer,
    signal,
    nVisible: resume?.nVisible,
    onBadRecord: flags['bad-records'],
    learned: resume?.data.name === spec ? resume.data.unconfirmed : undefined,
    ackWaitSeconds: flags['ack-wait'],
    onStatus,
  });
}

/** Whether a snapshot comes from an online run (whose `data.rows` counts the records learned, not a data set's size). */
function wasOnline(snapshot: Snapshot): boolean {
  return 'skippedRecords' in snapshot.metrics;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
