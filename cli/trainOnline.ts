import { join } from 'node:path';
import { fromEvent, identity, lastValueFrom, takeUntil, tap } from 'rxjs';
import { z } from 'zod';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { rbmFilters } from '../models/rbm.js';
import type { StepEvent } from '../operators/phases.js';
import { trainOnline } from '../pipelines/trainOnline.js';
import type { trainFlagsSchema } from '../schemas/cliFlags.js';
import type { DataInfo, Snapshot } from '../schemas/snapshot.js';
import type { TrainConfig } from '../schemas/trainConfig.js';
import { logSink } from '../sinks/logSink.js';
import { metricsSink } from '../sinks/metricsSink.js';
import { progressSink, seconds } from '../sinks/progressSink.js';
import { snapshotSink } from '../sinks/snapshotSink.js';
import { writeImageGrid } from '../sinks/writeImageGrid.js';
import { isFileFeed, openFeed } from '../sources/openFeed.js';
import { squareImageShape } from '../sources/squareImageShape.js';
import { emit, say } from './output.js';
import { dashboardTap } from './train.js';

type TrainFlags = z.output<typeof trainFlagsSchema>;

/**
 * `boltzflow train --online --data SPEC`: learns from a feed until it ends or Ctrl-C, which saves
 * a final snapshot and exits 0. SPEC is `-` (stdin), a file (`--follow` to keep reading what is
 * appended), `tcp://HOST:PORT` or `http://HOST:PORT` (serves, and learns from POSTed bodies).
 */
export async function trainOnlineCommand(flags: TrainFlags, config: TrainConfig, resume: Snapshot | undefined, out: string): Promise<void> {
  if (!flags.data && !resume) throw new BoltzflowError('--data', undefined, 'a feed with --online: -, a file, tcp://HOST:PORT or http://HOST:PORT');
  const spec = flags.data ?? resume!.data.name;
  const stop = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    stop.abort();
  };
  process.once('SIGINT', onSigint);
  // A file can seek: a resumed run skips the records it has already learned from, so that it
  // continues exactly where it stopped. Live feeds (stdin, sockets) continue from what comes next.
  const seekable = isFileFeed(spec);
  const feed = openFeed(spec, {
    skip: resume && seekable ? resume.data.rows : 0,
    follow: flags.follow,
    format: flags.format,
    capacity: flags.buffer,
    policy: flags.overflow,
    signal: stop.signal,
    maxLineBytes: flags['max-line-bytes'],
    onListening: ({ host, port }) => (flags.json ? emit({ event: 'listening', host, port }) : say(`  serving http://${host}:${port}/ — POST records, one per line`)),
  });
  const steps$ = trainOnline({ records: feed, config, resume: resume && { ...resume, config }, onBadRecord: flags['bad-records'], counters: { droppedRecords: () => feed.dropped } });
  const backend = selectBackend(config.backend);
  let rows = resume?.data.rows ?? 0;
  let width = resume?.nVisible ?? 0;
  const data = (): DataInfo => ({
    name: spec,
    rows: Math.max(1, rows),
    imageShape: squareImageShape(width),
    binarize: 'none',
  });
  const header = { event: 'start', online: true, backend: backend.name, threads: backend.threads ?? 1, feed: feed.name, config, out, resumedFrom: resume ? resume.counters.step : null };
  if (flags.json) emit(header);
  else {
    say(`boltzflow train --online · backend ${backend.name} · feed ${feed.name} · buffer ${flags.buffer} (${flags.overflow} when full) · bad records: ${flags['bad-records']}`);
    if (resume) say(`  resuming at step ${resume.counters.step} with the saved chains and optimiser state${seekable ? `, after the first ${resume.data.rows} records of ${spec}` : ''}`);
    say(`  snapshots in ${out}/ (every ${flags['snapshot-seconds'] || '—'} s, ${config.snapshotEvery || '—'} steps; keeping ${flags.keep})  (Ctrl-C stops and saves)`);
  }
  const start = performance.now();
  let final: StepEvent | null = null;
  let samples = 0;
  try {
    await lastValueFrom(
      steps$.pipe(
        takeUntil(fromEvent(stop.signal, 'abort')),
        tap((e) => {
          rows += e.batchSize;
          width = e.params.nVisible;
        }),
        snapshotSink({ dir: out, config, data, every: config.snapshotEvery, everySeconds: flags['snapshot-seconds'], keep: flags.keep }),
        dashboardTap(flags, config, undefined),
        flags.log ? logSink(join(out, 'log.msgpack'), { every: flags['log-every'], records: flags.log, config, data }) : identity,
        metricsSink(join(out, 'metrics.ndjson')),
        flags.json ? metricsSink(1) : progressSink({ epochs: 1 }),
        tap((e) => {
          final = e;
          samples += e.batchSize;
        }),
      ),
      { defaultValue: null },
    );
  } finally {
    process.removeListener('SIGINT', onSigint);
    stop.abort();
  }
  const elapsed = performance.now() - start;
  const last = final as StepEvent | null;
  const shape = data().imageShape;
  let filters: string | undefined;
  if (last && shape) {
    filters = join(out, 'filters.png');
    writeImageGrid(filters, rbmFilters(last.model.params, 100), { height: shape[0], width: shape[1], scale: 'each', columns: 10 });
  }
  const summary = {
    event: 'summary',
    interrupted,
    steps: last?.step ?? resume?.counters.step ?? 0,
    records: rows,
    droppedRecords: feed.dropped,
    skippedRecords: last?.metrics.skippedRecords ?? 0,
    seconds: Math.round(elapsed) / 1000,
    samplesPerSecond: Math.round(samples / (elapsed / 1000)),
    reconstructionError: last?.metrics.reconstructionError ?? null,
    snapshot: join(out, 'snapshot.msgpack'),
    ...(filters ? { filters } : {}),
  };
  if (flags.json) emit(summary);
  else {
    say(`${interrupted ? 'interrupted' : 'feed ended'}: ${summary.steps} steps, ${rows} records in ${seconds(elapsed)} (${summary.samplesPerSecond} samples/s); ${summary.droppedRecords} dropped, ${summary.skippedRecords} skipped`);
    say(`  snapshot ${summary.snapshot}  (continue with: boltzflow train --online --resume ${summary.snapshot} --data …)`);
  }
}
