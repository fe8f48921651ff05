import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom, identity, lastValueFrom, takeUntil, tap, type MonoTypeOperatorFunction } from 'rxjs';
import type { Matrix } from '../kernels/Matrix.js';
import { withFreeEnergyGap } from '../operators/withFreeEnergyGap.js';
import { withPseudoLikelihood } from '../operators/withPseudoLikelihood.js';
import { z } from 'zod';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Rng } from '../kernels/Rng.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { rbmFilters, rbmFromParams } from '../models/rbm.js';
import { sampleRbm } from '../models/sampleRbm.js';
import type { StepEvent } from '../operators/phases.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { trainConfigFlagHelp, trainConfigFlags, trainFlagsSchema } from '../schemas/cliFlags.js';
import { parseWith } from '../schemas/parseWith.js';
import { assertSnapshotFits, type DataInfo, type Snapshot } from '../schemas/snapshot.js';
import { trainConfigSchema, type TrainConfig } from '../schemas/trainConfig.js';
import { dashboardSink } from '../sinks/dashboardSink.js';
import type { DashboardServer, RunInfo } from '../sinks/dashboardServer.js';
import { logSink } from '../sinks/logSink.js';
import { metricsSink } from '../sinks/metricsSink.js';
import { progressSink, seconds } from '../sinks/progressSink.js';
import { checkRunFolder, runFolderOf } from '../sinks/runFolder.js';
import { acquireRunLock } from '../sinks/runLock.js';
import { snapshotSink } from '../sinks/snapshotSink.js';
import { readableZoom } from '../sinks/imageGrid.js';
import { writeImageGrid } from '../sinks/writeImageGrid.js';
import { loadDataset } from '../sources/loadDataset.js';
import { checkVisibleFlags, imageScale, loadModelData, toDataUnits } from './visibleData.js';
import { rbmSnapshot, readSnapshot } from '../sources/readSnapshot.js';
import type { ModelSnapshot } from '../schemas/modelSnapshot.js';
import { checkOutputPath } from '../sinks/checkOutputPath.js';
import { trimMetrics } from '../sinks/trimMetrics.js';
import { linearDecay } from '../operators/applyUpdate.js';
import { flagName, parseFlags } from './parseFlags.js';
import { emit, say } from './output.js';
import { shutdownSignals, type Shutdown } from './shutdownSignals.js';
import { isNatsSpec } from '../sources/natsAddress.js';
import { snapshotStoreFlag, storeSummary } from './snapshotStoreFlag.js';
import { metricsSubjectFlag } from './metricsSubjectFlag.js';
import { closeAll } from './closeAll.js';
import { writeLearningCurves } from '../sinks/writeLearningCurves.js';
import { runInfoOf, writeRunInfo } from './runInfo.js';
import { trainOnlineCommand } from './trainOnline.js';
import { modelToTrain, trainDeepCommand } from './trainDeep.js';

const configFlagNames = Object.keys(trainConfigFlags) as (keyof typeof trainConfigFlags)[];
const flagsSchema = trainFlagsSchema.extend(Object.fromEntries(configFlagNames.map((f) => [f, z.unknown().optional()])));

/** The flags `boltzflow train --help` lists: the config flags (ranges and defaults from `trainConfigSchema`) among the others. */
export function trainHelpSchema(): z.ZodObject {
  const fields = trainConfigSchema.in.shape;
  const configShape = configFlagNames.map((f) => {
    const field = fields[trainConfigFlags[f]] as z.ZodType;
    return [f, field.meta({ group: 'model and training', ...trainConfigFlagHelp[f] })] as const;
  });
  const entries = Object.entries(trainFlagsSchema.shape);
  const at = entries.findIndex(([k]) => k === 'model') + 1;
  return z.strictObject(Object.fromEntries([...entries.slice(0, at), ...configShape, ...entries.slice(at)]));
}

/**
 * `boltzflow train`: trains an RBM, with snapshots, metrics, progress, and filter/sample images.
 * SIGINT, SIGTERM and SIGHUP are handled from the start (a signal while the data loads ends the
 * run cleanly too, its lock released).
 */
export async function trainCommand(args: readonly string[]): Promise<void> {
  const shutdown = shutdownSignals();
  try {
    const { deep, resumed } = await modelToTrain(args);
    if (deep) return await trainDeepCommand(args, shutdown, resumed);
    await train(args, shutdown, resumed);
  } finally {
    shutdown.dispose();
  }
}

async function train(args: readonly string[], shutdown: Shutdown, resumed?: ModelSnapshot): Promise<void> {
  // The config flags are validated by trainConfigSchema (their ranges live there): here only which of them take no value.
  const flags = parseFlags(args, flagsSchema, { command: 'train', booleans: ['learn-variance', 'keep-hidden', 'centering'] }) as z.output<
    typeof trainFlagsSchema
  > &
    Record<string, unknown>;
  if (flags.dashboard && !['127.0.0.1', 'localhost', '::1'].includes(flags['dashboard-host']) && !flags['dashboard-remote'])
    throw new BoltzflowError(
      '--dashboard-host',
      flags['dashboard-host'],
      '127.0.0.1, or another interface together with --dashboard-remote (the page has no authentication)',
    );
  const given = configFlagNames.filter((f) => flags[f] !== undefined);
  const resume = flags.resume
    ? resumed
      ? rbmSnapshot(resumed, flags.resume)
      : await readSnapshot(flags.resume, { field: '--resume' })
    : undefined;
  checkVisibleFlags(flags, resume?.config);
  let config: TrainConfig;
  if (resume) {
    // An offline run's snapshot can go on learning online: a linear decay has no meaning on a feed, so
    // it continues at the run's base rate (`--lr-schedule constant` says so explicitly).
    const toOnline = flags.online && resume.config.learningRateSchedule === 'linear';
    if (toOnline && flags['lr-schedule'] !== undefined && flags['lr-schedule'] !== 'constant')
      throw new BoltzflowError(
        '--lr-schedule',
        flags['lr-schedule'],
        '"constant" with --online (a feed has no known length to decay over)',
      );
    const clash = [...given, ...(flags['no-centering'] ? (['no-centering'] as const) : [])].find(
      (f) => f !== 'epochs' && f !== 'backend' && !(toOnline && f === 'lr-schedule'),
    );
    if (clash)
      throw new BoltzflowError(
        `--${clash}`,
        flags[clash],
        'no training flag besides --epochs and --backend with --resume (the run continues with its saved config)',
      );
    config = parseWith(
      trainConfigSchema,
      {
        ...resume.config,
        epochs: flags.epochs ?? resume.config.epochs,
        backend: flags.backend ?? resume.config.backend,
        ...(toOnline ? { learningRateSchedule: 'constant' } : {}),
      },
      { fieldName: configFieldToFlag },
    );
    if (toOnline && !flags.json)
      say(`  the resumed run decayed its learning rate linearly; online it continues at the constant rate ${config.learningRate}`);
  } else {
    const input: Record<string, unknown> = Object.fromEntries(given.map((f) => [trainConfigFlags[f], flags[f]]));
    if (flags['no-centering']) {
      if (flags.centering) throw new BoltzflowError('--no-centering', true, 'not together with --centering (give one of them)');
      input.centering = false;
    }
    if (flags.online) {
      if (flags.epochs !== undefined)
        throw new BoltzflowError('--epochs', flags.epochs, 'no --epochs with --online (a feed is read until it ends or Ctrl-C)');
      if (input.learningRateSchedule === 'linear')
        throw new BoltzflowError('--lr-schedule', 'linear', '"constant" with --online (a feed has no known length to decay over)');
      input.learningRateSchedule = 'constant';
    }
    config = parseWith(trainConfigSchema, input, { fieldName: configFieldToFlag });
    if (flags.replicas !== undefined && config.method !== 'pt')
      throw new BoltzflowError('--replicas', flags.replicas, 'to be used with --method pt (the replicas of parallel tempering)');
    if (flags['offset-sliding'] !== undefined && !config.centering)
      throw new BoltzflowError(
        '--offset-sliding',
        flags['offset-sliding'],
        'to be used with centering (on by default for Bernoulli units; not with --no-centering or Gaussian units)',
      );
  }
  // A resumed run continues in its own folder (DIR of DIR/snapshot.msgpack or DIR/snapshots/step-N.msgpack).
  if (flags.resume && isNatsSpec(flags.resume) && !flags.out)
    throw new BoltzflowError('--resume', flags.resume, '--out DIR with it: a snapshot in an object store has no run folder to continue in');
  const out = flags.out ?? (flags.resume ? runFolderOf(flags.resume) : 'runs/rbm');
  if (resume && !flags.online && config.epochs <= resume.counters.epoch)
    throw new BoltzflowError(
      '--epochs',
      config.epochs,
      `more than ${resume.counters.epoch}${flags.epochs === undefined ? " (no --epochs given: the resumed run's own count)" : ''}: ${flags.resume} already has ${resume.counters.epoch} epoch(s) done${config.epochs === resume.counters.epoch && resume.counters.index === 0 ? ', so there is nothing left to train' : ''}; pass --epochs ${resume.counters.epoch + 1} or more to train on`,
    );
  // One run per folder: a live run's folder is refused here, before anything is written into it.
  acquireRunLock(out, { onTakeover: say });
  const clearEarlierRun = checkRunFolder(out, {
    resume: resume && { path: flags.resume!, step: resume.counters.step },
    overwrite: flags.overwrite,
  });
  if (flags.online) {
    if (!flags.data && !resume)
      throw new BoltzflowError(
        '--data',
        undefined,
        'a feed with --online: -, a file, tcp://HOST:PORT, http://HOST:PORT or nats://HOST:PORT/STREAM?consumer=NAME',
      );
    return trainOnlineCommand(flags, config, resume, out, shutdown, () => {
      clearEarlierRun();
      return trimResumedMetrics(out, resume, flags.json);
    });
  }
  for (const f of [
    'follow',
    'format',
    'buffer',
    'overflow',
    'bad-records',
    'drain-seconds',
    'max-body-bytes',
    'reconnect',
    'stop-when-idle',
    'ack-wait',
    'average-every',
    'worker',
  ] as const)
    if (args.some((a) => a === `--${f}` || a.startsWith(`--${f}=`)))
      throw new BoltzflowError(`--${f}`, flags[f], 'to be used with --online (it configures a feed)');
  const dataName = flags.data ?? resume?.data.name ?? 'mnist';
  if (resume && flags.binarize && flags.binarize !== resume.data.binarize)
    throw new BoltzflowError('--binarize', flags.binarize, `"${resume.data.binarize}", as the resumed run's data (or no --binarize)`);
  const binarize = resume?.data.binarize ?? flags.binarize ?? 'none';

  const loadStart = performance.now();
  // Gaussian units: standardised with the resumed run's standardisation, or one fitted on these rows.
  const gaussian = config.visibleUnits === 'gaussian';
  const { dataset, standardization } = await loadModelData(dataName, {
    binarize,
    seed: config.seed,
    limit: flags.limit ?? resume?.data.rows,
    maxLineBytes: flags['max-line-bytes'],
    gaussian,
    standardization: resume ? resume.data.standardization : 'fit',
  });
  if (resume && dataset.data.rows !== resume.data.rows)
    throw new BoltzflowError(
      '--data',
      `${dataset.name} with ${dataset.data.rows} rows`,
      `the ${resume.data.rows} rows the resumed run was trained on`,
    );
  if (config.batchSize > dataset.data.rows)
    throw new BoltzflowError('--batch', config.batchSize, `at most ${dataset.data.rows}, the number of training rows in ${dataset.name}`);
  // The images are written after training: a path that cannot take them is refused before it.
  if (dataset.imageShape) {
    checkOutputPath(join(out, 'filters.png'), 'filters');
    if (flags['sample-steps'] > 0) checkOutputPath(join(out, 'samples.png'), 'samples');
  }
  const taps = await metricTaps(flags, dataset.data, binarize, config.seed);
  // Write only what can be read: a model whose snapshot the reader would refuse never starts.
  assertSnapshotFits({
    nVisible: dataset.data.cols,
    nHidden: config.nHidden,
    chains: config.method === 'cd' ? 0 : config.batchSize * (config.method === 'pt' ? config.replicas : 1),
    gaussian: config.visibleUnits === 'gaussian',
  });
  const data: DataInfo = {
    name: dataset.name,
    rows: dataset.data.rows,
    imageShape: dataset.imageShape ? [...dataset.imageShape] : null,
    binarize,
    ...(standardization ? { standardization } : {}),
  };
  const steps$ = trainRbm({ data: dataset.data, config, resume: resume && { ...resume, config } });

  const json = flags.json;
  // The outside parts open before the banner: a server that does not answer is the run's one line.
  const store = await snapshotStoreFlag(flags['snapshot-store'], flags.keep, (line) =>
    json ? emit({ event: 'store', message: line }) : say(`  ${line}`),
  );
  const published = await metricsSubjectFlag(flags['metrics-subject'], undefined, (line) =>
    json ? emit({ event: 'metrics', message: line }) : say(`  ${line}`),
  ).catch(async (e: unknown) => {
    await closeAll(store);
    throw e;
  });
  // Only now is an earlier run in the folder cleared (--overwrite): nothing before could still refuse this one.
  // A resumed run's `seconds` continue from its metrics' last kept step.
  const secondsFrom = await (async () => {
    clearEarlierRun();
    return trimResumedMetrics(out, resume, flags.json);
  })().catch(async (e: unknown) => {
    await closeAll(store, published.link);
    throw e;
  });
  const backend = selectBackend(config.backend);
  const header = {
    event: 'start',
    backend: backend.name,
    backendDetail: backend.detail ?? null,
    threads: backend.threads ?? 1,
    model: `rbm ${dataset.data.cols}→${config.nHidden}`,
    config,
    data,
    resumedFrom: resume ? { path: flags.resume, step: resume.counters.step } : null,
    out,
  };
  if (json) emit(header);
  else {
    say(
      `boltzflow train · backend ${header.backend}${header.backendDetail ? `, ${header.backendDetail}` : ''}${header.threads > 1 ? ` (${header.threads} threads)` : ''} · RBM ${dataset.data.cols}→${config.nHidden} · ${config.method.toUpperCase()}-${config.k}${config.method === 'pt' ? ` (${config.replicas} replicas, β 1 → 0 linearly spaced)` : ''}${config.centering ? ` · centered (offsets slide ${config.offsetSliding})` : ''}`,
    );
    say(
      `  lr ${config.learningRate}${config.learningRateSchedule === 'linear' ? ' → 0 (linear decay)' : ''} · momentum ${config.momentum} · weight decay ${config.weightDecay} · batch ${config.batchSize} · ${config.epochs} epoch(s) · seed ${config.seed}`,
    );
    say(
      `  data ${dataset.name}: ${dataset.data.rows}×${dataset.data.cols} (${gaussian ? `Gaussian visible units${config.learnVariance ? ' with learned variances' : ''}, ${standardization ? 'standardised per column' : 'as given'}` : `binarize ${binarize}`}), loaded in ${seconds(performance.now() - loadStart)}`,
    );
    if (resume)
      say(
        `  resuming ${flags.resume} at step ${resume.counters.step} (epoch ${resume.counters.epoch + 1}, minibatch ${resume.counters.index + 1})`,
      );
    if (resume && config.learningRateSchedule === 'linear' && config.epochs !== resume.config.epochs) {
      // More epochs stretch a linear decay: the rate at the resumed step goes up. Said, not silently done.
      const perEpoch = Math.ceil(resume.data.rows / config.batchSize);
      const at = (epochs: number) => (config.learningRate * linearDecay(epochs * perEpoch)(resume.counters.step)).toPrecision(3);
      say(
        `  --epochs ${config.epochs} (the run had ${resume.config.epochs}): the linear learning-rate decay now ends at epoch ${config.epochs}, so at step ${resume.counters.step} the rate is ${at(config.epochs)} instead of ${at(resume.config.epochs)}`,
      );
    }
    say(`  snapshots and metrics in ${out}/  (Ctrl-C stops and saves)`);
  }

  const start = performance.now();
  let final: StepEvent | null = null;
  let epochErr = 0,
    epochRows = 0,
    lastEpochErr = NaN,
    samples = 0;
  // SIGINT, SIGTERM or SIGHUP: the step in progress ends, the last one is saved (a second signal exits at once).
  let savedStep: number | null = null;
  shutdown.lastWords = () =>
    savedStep === null ? 'this run had saved nothing yet' : `the last snapshot on disk is step ${savedStep}, ${out}/snapshot.msgpack`;
  // However training ends, the store's last upload finishes and the connections close (open ones would keep the process alive).
  const info = runInfoOf(header, out);
  const dashboard = dashboardTap(flags, config, data.imageShape, info);
  writeRunInfo(out, header);
  await lastValueFrom(
    steps$.pipe(
      takeUntil(shutdown.requested$),
      taps,
      snapshotSink({
        dir: out,
        config,
        data,
        every: config.snapshotEvery,
        everySeconds: flags['snapshot-seconds'] ?? 0,
        keep: flags.keep,
        onWrite: (_p, step, bytes, name) => {
          savedStep = step;
          store?.put(name, bytes);
        },
      }),
      dashboard.tap,
      flags.log ? logSink(join(out, 'log.msgpack'), { every: flags['log-every'], records: flags.log, config, data }) : identity,
      metricsSink(join(out, 'metrics.ndjson'), { secondsFrom }),
      published.tap({ secondsFrom }),
      json ? metricsSink(1, { secondsFrom }) : progressSink({ epochs: config.epochs }),
      tap((e) => {
        final = e;
        samples += e.batchSize;
        epochErr += (e.metrics.reconstructionError ?? NaN) * e.batchSize;
        epochRows += e.batchSize;
        if (e.index === e.batchesPerEpoch - 1) {
          lastEpochErr = epochErr / epochRows;
          epochErr = epochRows = 0;
        }
      }),
    ),
    { defaultValue: null },
  )
    .catch(async (e: unknown) => {
      await dashboard.afterRun(shutdown, true);
      throw e;
    })
    .finally(() => closeAll(store, published.link));
  const interrupted = shutdown.received !== null;
  const elapsed = performance.now() - start;
  const last = final as StepEvent | null;
  const images: Record<string, string> = {};
  if (last && dataset.imageShape) {
    const [height, width] = dataset.imageShape;
    const zoom = flags.scale ?? readableZoom(10, width);
    images.filters = join(out, 'filters.png');
    writeImageGrid(images.filters, rbmFilters(last.model.params, 100), { height, width, scale: 'each', columns: 10, zoom });
    if (flags['sample-steps'] > 0 && !interrupted) {
      const sampler = rbmFromParams(last.model.params, Rng.fromSeed(config.seed), last.model.backend);
      const { probs } = sampleRbm(sampler, { n: 100, steps: flags['sample-steps'] });
      images.samples = join(out, 'samples.png');
      writeImageGrid(images.samples, toDataUnits(probs, standardization), {
        height,
        width,
        columns: 10,
        scale: imageScale(gaussian),
        zoom,
      });
    }
  }
  const curves = await writeLearningCurves(out, info.folder);
  const summary = {
    event: 'summary',
    interrupted,
    signal: shutdown.received,
    steps: last?.step ?? resume?.counters.step ?? 0,
    epochs: config.epochs,
    seconds: Math.round(elapsed) / 1000,
    samplesPerSecond: Math.round(samples / (elapsed / 1000)),
    reconstructionError: Number.isFinite(lastEpochErr) ? lastEpochErr : (last?.metrics.reconstructionError ?? null),
    // null when the run stopped before anything was saved (a signal before the first step).
    snapshot: existsSync(join(out, 'snapshot.msgpack')) ? join(out, 'snapshot.msgpack') : null,
    ...storeSummary(flags['snapshot-store'], store),
    metrics: join(out, 'metrics.ndjson'),
    ...images,
    curves: curves.files,
  };
  if (json) emit(summary);
  else {
    say(
      `${interrupted ? `interrupted (${shutdown.received})` : 'done'}: ${summary.steps} steps in ${seconds(elapsed)} (${summary.samplesPerSecond} samples/s)${summary.reconstructionError === null ? '' : `; reconstruction error ${summary.reconstructionError.toFixed(3)} (mean over the last epoch)`}`,
    );
    if (summary.snapshot === null) say(`  nothing was learned or saved: run the same command again to start afresh`);
    else say(`  snapshot ${summary.snapshot}${interrupted ? `  (continue with: boltzflow train --resume ${summary.snapshot})` : ''}`);
    if (store) say(`  ${store.stored} snapshot(s) also in ${flags['snapshot-store']} (latest: ${store.latest ?? 'none'})`);
    if (images.filters) say(`  filters  ${images.filters}`);
    if (images.samples) say(`  samples  ${images.samples}  (${flags['sample-steps']} Gibbs steps from the visible biases)`);
    for (const file of curves.files) say(`  curves   ${file}`);
    if (curves.skipped && summary.steps > 0) say(`  no learning-curve picture: ${curves.skipped}`);
  }
  await dashboard.afterRun(shutdown, false);
}

/** A resumed run's metrics file loses the steps after its snapshot (a killed run logged them; they are learned again). */
async function trimResumedMetrics(out: string, resume: Snapshot | undefined, json: boolean): Promise<number> {
  if (!resume) return 0;
  const { dropped, seconds } = await trimMetrics(join(out, 'metrics.ndjson'), resume.counters.step);
  if (dropped > 0 && !json)
    say(
      `  metrics.ndjson: ${dropped} line(s) of steps after ${resume.counters.step} removed (logged after that snapshot, they are learned again)`,
    );
  return seconds;
}

/** `--validation PATH --eval-every N`: held-out pseudo-likelihood and the free-energy gap (1,000 rows of each set). */
async function metricTaps(
  flags: { validation?: string; 'eval-every'?: number; 'max-line-bytes'?: number },
  train: Matrix,
  binarize: DataInfo['binarize'],
  seed: number,
): Promise<MonoTypeOperatorFunction<StepEvent>> {
  if (!flags.validation && !flags['eval-every']) return identity;
  if (!flags.validation) throw new BoltzflowError('--validation', undefined, 'a data set to evaluate on, with --eval-every');
  const every = flags['eval-every'] ?? Math.ceil(train.rows / 100);
  const validation = (
    await loadDataset(flags.validation, {
      binarize,
      seed: seed + 1,
      limit: 1000,
      field: '--validation',
      maxLineBytes: flags['max-line-bytes'],
    })
  ).data;
  if (validation.cols !== train.cols)
    throw new BoltzflowError('--validation', `${validation.cols} values per record`, `${train.cols}, as the training data`);
  return (source) =>
    source.pipe(
      withPseudoLikelihood({ data: validation, every, seed }),
      withFreeEnergyGap({ train: train.topRows(Math.min(1000, train.rows)), validation, every }),
    );
}

/** `--dashboard`: the live dashboard sink, and what to do with its server once the run is over. */
export interface DashboardTap {
  tap: MonoTypeOperatorFunction<StepEvent>;
  /**
   * Once the run has ended by itself, the dashboard goes on serving (the page says the run ended)
   * until Ctrl-C or SIGTERM, unless `--dashboard-exit`; after a signal or a failure it closes.
   */
  afterRun(shutdown: Shutdown, failed: boolean): Promise<void>;
}

/** `--dashboard`: the live dashboard sink, its address printed (or emitted as an NDJSON event). */
export function dashboardTap(
  flags: {
    dashboard: boolean;
    'dashboard-port': number;
    'dashboard-host': string;
    'dashboard-remote': boolean;
    'dashboard-exit': boolean;
    json: boolean;
  },
  config: TrainConfig,
  imageShape: readonly [number, number] | null | undefined,
  info: Partial<RunInfo> & { folder: string },
): DashboardTap {
  if (!flags.dashboard) return { tap: identity, afterRun: async () => {} };
  // Settles once the server listens (or could not): the run's end waits for it, so that no server opens after it.
  let settle!: (server: DashboardServer | null) => void;
  const ready = new Promise<DashboardServer | null>((resolve) => (settle = resolve));
  return {
    tap: dashboardSink({
      port: flags['dashboard-port'],
      host: flags['dashboard-host'],
      allowRemote: flags['dashboard-remote'],
      config,
      name: info.folder,
      info,
      imageShape,
      seed: config.seed,
      keepServing: true,
      onListening: (url, s) => {
        settle(s);
        if (flags.json) emit({ event: 'dashboard', url });
        else say(`  dashboard ${url}`);
      },
      onError: (e) => {
        process.stderr.write(`warning: dashboard: ${e.message}\n`);
        settle(null);
      },
      warn: (line) => process.stderr.write(`warning: ${line}\n`),
    }),
    async afterRun(shutdown, failed) {
      const s = await ready;
      if (!s) return;
      if (!failed && !flags['dashboard-exit'] && !shutdown.signal.aborted) {
        if (flags.json) emit({ event: 'dashboard', url: s.url, serving: 'until a signal' });
        else say(`the dashboard still serves the finished run at ${s.url}  (Ctrl-C stops; --dashboard-exit ends with the run)`);
        await firstValueFrom(shutdown.requested$);
      }
      await s.close();
    },
  };
}

function configFieldToFlag(path: readonly PropertyKey[]): string {
  const field = String(path[0]);
  const flag = configFlagNames.find((f) => trainConfigFlags[f] === field);
  return flag ? `--${flag}` : flagName(path);
}
