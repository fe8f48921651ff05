import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { defer, identity, last, lastValueFrom, map, switchMap, takeUntil, tap, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import { z } from 'zod';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { BACKEND_NAMES, selectBackend } from '../kernels/selectBackend.js';
import type { AnyModel } from '../models/modelKinds.js';
import type { Rbm } from '../models/rbm.js';
import type { StepEvent } from '../operators/phases.js';
import { PRETRAIN_DBM_DEFAULTS, pretrainDbm, type PretrainDbmEvent } from '../pipelines/pretrainDbm.js';
import { trainDbm } from '../pipelines/trainDbm.js';
import { trainDbn, type DbnStepEvent } from '../pipelines/trainDbn.js';
import { dbmConfigSchema, type DbmConfig } from '../schemas/dbmConfig.js';
import type { DbmSnapshot, DbnSnapshot, ModelSnapshot } from '../schemas/modelSnapshot.js';
import { parseWith } from '../schemas/parseWith.js';
import type { DataInfo } from '../schemas/snapshot.js';
import { trainFlagsSchema } from '../schemas/cliFlags.js';
import { DEFAULT_LEARNING_RATE, trainConfigSchema, type TrainConfig } from '../schemas/trainConfig.js';
import { metricsSink } from '../sinks/metricsSink.js';
import { progressSink, seconds } from '../sinks/progressSink.js';
import { checkRunFolder, runFolderOf } from '../sinks/runFolder.js';
import { acquireRunLock } from '../sinks/runLock.js';
import { snapshotSink } from '../sinks/snapshotSink.js';
import { dbnSnapshot } from '../sinks/stateSnapshot.js';
import { trimMetrics } from '../sinks/trimMetrics.js';
import { writeLearningCurves } from '../sinks/writeLearningCurves.js';
import { loadDataset } from '../sources/loadDataset.js';
import { readModelSnapshot } from '../sources/readSnapshot.js';
import { closeAll } from './closeAll.js';
import { runInfoOf, writeRunInfo } from './runInfo.js';
import { metricsSubjectFlag } from './metricsSubjectFlag.js';
import { emit, say } from './output.js';
import { flagName, flagValue, parseFlags } from './parseFlags.js';
import type { Shutdown } from './shutdownSignals.js';
import { snapshotStoreFlag, storeSummary } from './snapshotStoreFlag.js';

const rbm = trainFlagsSchema.shape;
const config = trainConfigSchema.in.shape;
const dbm = dbmConfigSchema.shape;
/** A training flag's help: its defaults for a DBN's layers (an RBM's) and for a DBM, which differ. */
const layerHelp = (description: string, dbn: unknown, dbmDefault: unknown) => ({
  description,
  group: 'model and training',
  defaultText: `dbn ${String(dbn)}, dbm ${String(dbmDefault)}`,
});
/** A training flag of every layer: the RBM config's field (its range), optional (the configs fill in their defaults, both shown). */
function layerFlag<T extends z.ZodType>(field: z.ZodDefault<T>, dbmField: z.ZodType, description: string) {
  return field
    .unwrap()
    .optional()
    .meta(layerHelp(description, field.parse(undefined), dbmField.parse(undefined)));
}
/** `boltzflow train --model dbn|dbm` flags: the RBM's training flags that apply to every layer, and the layers. */
export const deepFlagsSchema = z.strictObject({
  model: z
    .enum(['dbn', 'dbm'])
    .optional()
    .meta({ description: 'a deep belief network (greedy, layer by layer) or a deep Boltzmann machine', group: 'model and training' }),
  layers: z
    .preprocess(
      (v) => (typeof v === 'number' ? String(v) : v), // one size parses as a number
      z
        .string()
        .regex(/^[1-9]\d{0,6}(,[1-9]\d{0,6})*$/, 'comma-separated layer sizes, e.g. 500,1000')
        .transform((s) => s.split(',').map(Number)),
    )
    .optional()
    .meta({ description: 'hidden layer sizes, bottom first (a DBM: at least 2)', placeholder: 'N1,N2[,…]', group: 'model and training' }),
  data: rbm.data.meta({
    ...rbm.data.meta(),
    description: 'training data: mnist, mnist:test, an IDX file, CSV or NDJSON',
    placeholder: 'mnist|PATH',
  }),
  binarize: rbm.binarize,
  limit: rbm.limit,
  epochs: layerFlag(config.epochs, dbm.epochs, 'passes over the data (a DBN: per layer)'),
  batch: layerFlag(config.batchSize, dbm.batchSize, 'minibatch size'),
  lr: config.learningRate.meta(layerHelp('learning rate', DEFAULT_LEARNING_RATE.bernoulli, dbm.learningRate.parse(undefined))),
  momentum: layerFlag(config.momentum, dbm.momentum, 'momentum of the parameter updates'),
  'weight-decay': layerFlag(config.weightDecay, dbm.weightDecay, 'L2 weight decay'),
  k: layerFlag(config.k, dbm.k, 'Gibbs steps per minibatch'),
  'pretrain-epochs': z.int().min(0).max(1_000_000).optional().meta({
    description:
      "a DBM: epochs per layer of greedy pretraining first, with Salakhutdinov & Hinton's modified RBMs (PCD-1, lr 0.05; not saved, so an interrupted pretraining starts over); 0: none, small random weights",
    defaultText: "the DBM's --epochs",
    group: 'model and training',
  }),
  seed: config.seed.unwrap().optional().meta({ description: "the run's generator", defaultText: '1', group: 'model and training' }),
  backend: z.enum(BACKEND_NAMES).optional().meta({ description: 'compute backend', defaultText: 'auto', group: 'model and training' }),
  out: rbm.out.meta({ ...rbm.out.meta(), defaultText: "runs/dbn or runs/dbm, or the resumed snapshot's folder" }),
  resume: rbm.resume,
  overwrite: rbm.overwrite,
  'snapshot-every': z
    .int()
    .min(0)
    .max(10_000_000)
    .optional()
    .meta({ description: 'a snapshot every this many steps (0: at the end of each epoch)', group: 'run folder and snapshots' }),
  'snapshot-seconds': rbm['snapshot-seconds'].meta({ ...rbm['snapshot-seconds'].meta(), defaultText: '0' }),
  keep: rbm.keep,
  'snapshot-store': rbm['snapshot-store'],
  'metrics-subject': rbm['metrics-subject'].meta({
    ...rbm['metrics-subject'].meta(),
    description: "publish each step's metrics on a NATS subject, for boltzflow watch",
  }),
  json: rbm.json,
});
type DeepFlags = z.output<typeof deepFlagsSchema>;

/**
 * `boltzflow train --model dbn|dbm --layers 500,1000 …`: a deep belief network trained greedily
 * layer by layer (each layer an RBM with the same flags), or a deep Boltzmann machine (mean field
 * and persistent chains), with the same snapshots, metrics, signals and `--resume` as an RBM's run
 * (a DBN's snapshot holds the layers done and the one in training, so it resumes mid-layer).
 */
export async function trainDeepCommand(args: readonly string[], shutdown: Shutdown, resumed?: ModelSnapshot): Promise<void> {
  const flags = parseFlags(args, deepFlagsSchema, { command: 'train' });
  const resume = flags.resume ? (resumed ?? (await readModelSnapshot(flags.resume, { field: '--resume' }))) : undefined;
  if (resume && resume.model !== 'dbn' && resume.model !== 'dbm')
    throw new BoltzflowError('--resume', `a ${resume.model} snapshot`, 'a dbn or dbm snapshot with --model dbn|dbm');
  const kind = (resume?.model ?? flags.model) as 'dbn' | 'dbm';
  if (flags.model && flags.model !== kind)
    throw new BoltzflowError('--model', flags.model, `"${kind}", the resumed run's model (or no --model)`);
  if (resume) {
    const clash = (['layers', 'batch', 'lr', 'momentum', 'weight-decay', 'k', 'seed', 'pretrain-epochs'] as const).find(
      (f) => flags[f] !== undefined,
    );
    if (clash)
      throw new BoltzflowError(
        `--${clash}`,
        flags[clash],
        'no training flag besides --epochs and --backend with --resume (the run continues with its saved config)',
      );
    refuseFinished(resume, flags.epochs, flags.resume!);
  } else if (kind === 'dbn' && flags['pretrain-epochs'] !== undefined)
    throw new BoltzflowError(
      '--pretrain-epochs',
      flags['pretrain-epochs'],
      'no --pretrain-epochs with --model dbn (its layers are the pretraining: --epochs sets them)',
    );
  else if (!flags.layers || (kind === 'dbm' && flags.layers.length < 2))
    throw new BoltzflowError(
      '--layers',
      flags.layers?.join(',') ?? 'absent',
      kind === 'dbm' ? 'at least 2 hidden layer sizes for a DBM, e.g. --layers 500,1000' : 'hidden layer sizes, e.g. --layers 500,1000',
    );
  const out = flags.out ?? (flags.resume ? runFolderOf(flags.resume) : `runs/${kind}`);
  acquireRunLock(out, { onTakeover: say });
  const step = resume ? (resume.model === 'dbn' ? dbnTotalStep(resume) : resume.counters.step) : 0;
  const clearEarlierRun = checkRunFolder(out, { resume: resume && { path: flags.resume!, step }, overwrite: flags.overwrite });
  const savedData = resume?.data;
  if (savedData && flags.binarize && flags.binarize !== savedData.binarize)
    throw new BoltzflowError('--binarize', flags.binarize, `"${savedData.binarize}", as the resumed run's data (or no --binarize)`);
  const binarize = savedData?.binarize ?? flags.binarize ?? 'none';
  // The data are loaded (and binarised) with the run's own seed: a resumed run sees the same data.
  const seed = resume ? (resume.model === 'dbn' ? resume.layers[0].seed : resume.config.seed) : (flags.seed ?? 1);
  const dataset = await loadDataset(flags.data ?? savedData?.name ?? 'mnist', { binarize, seed, limit: flags.limit ?? savedData?.rows });
  if (savedData && dataset.data.rows !== savedData.rows)
    throw new BoltzflowError(
      '--data',
      `${dataset.name} with ${dataset.data.rows} rows`,
      `the ${savedData.rows} rows the resumed run was trained on`,
    );
  const data: DataInfo = {
    name: dataset.name,
    rows: dataset.data.rows,
    imageShape: dataset.imageShape ? [...dataset.imageShape] : null,
    binarize,
  };

  let steps$: Observable<StepEvent<AnyModel>>;
  let sink: ReturnType<typeof snapshotSink<StepEvent<AnyModel>>>;
  let epochs: number;
  let runConfigs: TrainConfig[] | DbmConfig;
  // A DBM's pretraining: its epochs per layer (0: none), and the layer in training while it runs.
  let pretrainEpochs = 0;
  let pretrainingLayer: number | null = null;
  const jsonPretrainLine = (e: PretrainDbmEvent) => {
    if (e.index === e.batchesPerEpoch - 1) emit({ event: 'pretrain', layer: e.layer, epoch: e.epoch, step: e.step, metrics: e.metrics });
  };
  const sinkOptions = {
    dir: out,
    data,
    everySeconds: flags['snapshot-seconds'] ?? 0,
    keep: flags.keep,
    onWrite: (_p: string, s: number, bytes: Uint8Array, name: string) => {
      savedStep = s;
      store?.put(name, bytes);
    },
  };
  if (kind === 'dbn') {
    const layers: TrainConfig[] = resume
      ? (resume as DbnSnapshot).layers.map((c, l) =>
          // Layers already trained keep their config (their steps number the files); --epochs applies from the layer in training on.
          l < (resume as DbnSnapshot).trained.length ? c : { ...c, epochs: flags.epochs ?? c.epochs, backend: flags.backend ?? c.backend },
        )
      : flags.layers!.map((nHidden, l) =>
          parseWith(trainConfigSchema, layerInput(flags, nHidden, l), { fieldName: (p) => deepFlag(p, l) }),
        );
    refuseBatch(Math.max(...layers.map((c) => c.batchSize)), dataset.data.rows, flags.batch);
    epochs = layers[0].epochs;
    runConfigs = layers;
    steps$ = trainDbn({ data: dataset.data, layers, resume: resume && { ...(resume as DbnSnapshot), layers } });
    sink = snapshotSink<StepEvent<AnyModel>>({
      ...sinkOptions,
      config: {},
      every: layers[0].snapshotEvery,
      toSnapshot: (e, d) => dbnSnapshot(e as DbnStepEvent, layers, d),
      fileStep: (e) => (e as DbnStepEvent).totalStep,
    });
  } else {
    const config: DbmConfig = resume
      ? {
          ...(resume as DbmSnapshot).config,
          epochs: flags.epochs ?? (resume as DbmSnapshot).config.epochs,
          backend: flags.backend ?? (resume as DbmSnapshot).config.backend,
        }
      : parseWith(dbmConfigSchema, dbmInput(flags), { fieldName: (p) => deepFlag(p, -1) });
    epochs = config.epochs;
    runConfigs = config;
    refuseBatch(config.batchSize, dataset.data.rows, flags.batch);
    pretrainEpochs = resume ? 0 : (flags['pretrain-epochs'] ?? config.epochs);
    // The modified RBMs' configs, checked here so that a refusal names the flag (layer l's seed is --seed + l).
    const pretrainLayers = (pretrainEpochs ? flags.layers! : []).map((nHidden, l) =>
      parseWith(
        trainConfigSchema,
        {
          ...PRETRAIN_DBM_DEFAULTS,
          nHidden,
          epochs: pretrainEpochs,
          batchSize: config.batchSize,
          seed: config.seed + l,
          backend: config.backend,
        },
        { fieldName: (p) => deepFlag(p, l) },
      ),
    );
    const train = (pretrained?: Rbm[]) =>
      trainDbm({ data: dataset.data, hidden: flags.layers, pretrained, config, resume: resume && { ...(resume as DbmSnapshot), config } });
    steps$ =
      pretrainEpochs === 0
        ? train()
        : pretrainDbm({
            data: dataset.data,
            layers: pretrainLayers,
          }).pipe(
            pretrainingMetrics(join(out, 'pretraining.ndjson')),
            tap((e) => (pretrainingLayer = e.layer)),
            flags.json
              ? tap(jsonPretrainLine)
              : progressSink({ epochs: pretrainEpochs, prefix: (e) => `pretraining layer ${e.layer + 1}/${flags.layers!.length} · ` }),
            last(),
            switchMap((p) => {
              pretrainingLayer = null;
              // The DBM's own progress line, its clock started now (not at the pretraining's start).
              return train(p.rbms()).pipe(flags.json ? identity : progressSink({ epochs }));
            }),
          );
    sink = snapshotSink<StepEvent<AnyModel>>({ ...sinkOptions, config, every: flags['snapshot-every'] ?? 0 });
  }
  const runBackend =
    kind === 'dbn'
      ? (runConfigs as TrainConfig[])[(resume as DbnSnapshot | undefined)?.trained.length ?? 0].backend
      : (runConfigs as DbmConfig).backend;
  const shape = resume ? describeResumed(resume) : [dataset.data.cols, ...flags.layers!].join('→');
  const backend = selectBackend(runBackend);
  // The outside parts open before the banner: a server that does not answer is the run's one line.
  const status = (event: string) => (line: string) => (flags.json ? emit({ event, message: line }) : say(`  ${line}`));
  const store = await snapshotStoreFlag(flags['snapshot-store'], flags.keep, status('store'));
  const published = await metricsSubjectFlag<StepEvent<AnyModel>>(flags['metrics-subject'], undefined, status('metrics')).catch(
    async (e: unknown) => {
      await closeAll(store);
      throw e;
    },
  );
  // Only now is an earlier run in the folder cleared (--overwrite): nothing before could still refuse this one.
  const { seconds: secondsFrom } = await (async () => {
    clearEarlierRun();
    return resume ? trimMetrics(join(out, 'metrics.ndjson'), step) : { seconds: 0 };
  })().catch(async (e: unknown) => {
    await closeAll(store, published.link);
    throw e;
  });
  const header = {
    event: 'start',
    backend: backend.name,
    threads: backend.threads ?? 1,
    model: `${kind} ${shape}`,
    data,
    resumedFrom: resume ? { path: flags.resume, step } : null,
    // A resumed DBM's pretraining was its first run's (that run's run.json said how long); none now.
    ...(kind === 'dbm' && !resume ? { pretrainEpochs } : {}),
    out,
  };
  writeRunInfo(out, header);
  if (flags.json) emit(header);
  else {
    say(
      `boltzflow train · backend ${backend.name} · ${kind.toUpperCase()} ${shape}${resume ? ` · resuming ${flags.resume} at step ${step}` : ''}${pretrainEpochs ? ` · first ${pretrainEpochs} epoch(s) per layer of modified-RBM pretraining` : ''}`,
    );
    say(
      `  data ${dataset.name}: ${dataset.data.rows}×${dataset.data.cols} (binarize ${binarize}) · snapshots and metrics in ${out}/  (Ctrl-C stops and saves${pretrainEpochs ? '; pretraining is not saved' : ''})`,
    );
  }
  let savedStep: number | null = null;
  shutdown.lastWords = () =>
    pretrainingLayer !== null
      ? `stopped while pretraining layer ${pretrainingLayer + 1}: pretraining is not saved, so the same command starts it over`
      : savedStep === null
        ? 'this run had saved nothing yet'
        : `the last snapshot on disk is step ${savedStep}, ${out}/snapshot.msgpack`;
  const start = performance.now();
  let latest: StepEvent<AnyModel> | null = null;
  await lastValueFrom(
    steps$.pipe(
      takeUntil(shutdown.requested$),
      sink,
      // A DBN's metrics number its steps over all layers, as its files (and the trimming on resume) do.
      kind === 'dbn' ? map((e) => ({ ...e, step: (e as DbnStepEvent).totalStep })) : identity,
      metricsSink(join(out, 'metrics.ndjson'), { secondsFrom }),
      published.tap({ secondsFrom }),
      flags.json
        ? metricsSink(1, { secondsFrom })
        : pretrainEpochs
          ? identity // the DBM's progress is printed after its pretraining (above)
          : progressSink({
              epochs,
              ...(kind === 'dbn'
                ? {
                    prefix: (e: StepEvent<AnyModel>) => `layer ${(e as DbnStepEvent).layer + 1}/${(runConfigs as TrainConfig[]).length} · `,
                  }
                : {}),
            }),
      tap((e) => (latest = e)),
    ),
    { defaultValue: null },
  ).finally(() => closeAll(store, published.link));
  const final = latest as StepEvent<AnyModel> | null;
  const curves = final ? await writeLearningCurves(out, runInfoOf(header, out).folder) : { files: [] };
  // Set by the pretraining's events (TypeScript cannot see those assignments from here).
  const stoppedInLayer = pretrainingLayer as number | null;
  const summary = {
    event: 'summary',
    interrupted: shutdown.received !== null,
    signal: shutdown.received,
    steps: final?.step ?? step,
    ...(kind === 'dbn' && final ? { layer: (final as DbnStepEvent).layer } : {}),
    seconds: Math.round(performance.now() - start) / 1000,
    metrics: final ? { ...final.metrics } : null,
    // None when the run saved nothing (a DBM stopped in its pretraining, which is not saved).
    snapshot: savedStep !== null || resume ? join(out, 'snapshot.msgpack') : null,
    ...(stoppedInLayer !== null ? { pretrainingLayer: stoppedInLayer } : {}),
    ...storeSummary(flags['snapshot-store'], store),
    curves: curves.files,
  };
  if (flags.json) emit(summary);
  else {
    const stopped = `interrupted (${summary.signal})`;
    say(
      stoppedInLayer !== null
        ? `${stopped} while pretraining layer ${stoppedInLayer + 1} of ${flags.layers!.length}: nothing saved (pretraining is not saved; the same command starts it over)`
        : `${summary.interrupted ? stopped : 'done'}: ${summary.steps} steps in ${seconds(performance.now() - start)}; snapshot ${summary.snapshot ?? 'none'}`,
    );
    if (store) say(`  ${store.stored} snapshot(s) also in ${flags['snapshot-store']} (latest: ${store.latest ?? 'none'})`);
    for (const file of curves.files) say(`  curves   ${file}`);
    if (curves.skipped && final) say(`  no learning-curve picture: ${curves.skipped}`);
  }
}

/**
 * Whether `train` was asked for a deep model (`--model dbn|dbm`, or `--resume` of a DBN's or DBM's
 * snapshot), and the snapshot to resume when it had to be read to tell (so that it is read once).
 */
export async function modelToTrain(args: readonly string[]): Promise<{ deep: boolean; resumed?: ModelSnapshot }> {
  const model = flagValue(args, '--model');
  if (model === 'dbn' || model === 'dbm') return { deep: true };
  if (model !== undefined && model !== 'rbm') throw new BoltzflowError('--model', model, 'rbm, dbn or dbm');
  const resume = flagValue(args, '--resume');
  if (!resume || model === 'rbm') return { deep: false };
  const resumed = await readModelSnapshot(resume, { field: '--resume' });
  return { deep: resumed.model === 'dbn' || resumed.model === 'dbm', resumed };
}

/**
 * A DBM's pretraining steps, one line each with its layer, in their own file (`metrics.ndjson` is
 * the DBM's, whose steps start after them): started over by each run, since a stopped pretraining
 * saves nothing and the same command runs it again.
 */
function pretrainingMetrics(path: string): MonoTypeOperatorFunction<PretrainDbmEvent> {
  return (source) =>
    defer(() => {
      rmSync(path, { force: true });
      return source.pipe(metricsSink(path));
    });
}

/** The config fields the flags set, the same for a DBM and for each layer of a DBN. */
function dbmInput(f: DeepFlags): Record<string, unknown> {
  return {
    epochs: f.epochs,
    batchSize: f.batch,
    learningRate: f.lr,
    momentum: f.momentum,
    weightDecay: f['weight-decay'],
    k: f.k,
    seed: f.seed,
    backend: f.backend,
  };
}

/** Layer l of a DBN: those fields, its size, seed + l, and the snapshot interval. */
function layerInput(f: DeepFlags, nHidden: number, l: number): Record<string, unknown> {
  return { ...dbmInput(f), nHidden, seed: (f.seed ?? 1) + l, snapshotEvery: f['snapshot-every'] };
}

const FLAG_OF: Record<string, string> = {
  nHidden: 'layers',
  batchSize: 'batch',
  learningRate: 'lr',
  weightDecay: 'weight-decay',
  snapshotEvery: 'snapshot-every',
};
function deepFlag(path: readonly PropertyKey[], layer: number): string {
  const key = String(path[0]);
  return `${flagName([FLAG_OF[key] ?? key])}${layer >= 0 ? ` (layer ${layer + 1})` : ''}`;
}

/** A minibatch larger than the data is refused naming --batch (the pipelines' own check would name their config field), and saying when it is the default. */
function refuseBatch(batchSize: number, rows: number, given: number | undefined): void {
  if (batchSize > rows)
    throw new BoltzflowError(
      '--batch',
      `${batchSize}${given === undefined ? ' (the default)' : ''}`,
      `at most ${rows}, the number of training rows`,
    );
}

/** A DBN snapshot's updates over all layers (its files are numbered so): the layers done, whole, and the current one's steps. */
function dbnTotalStep(s: DbnSnapshot): number {
  const rows = s.data.rows;
  return s.layers.slice(0, s.trained.length).reduce((n, c) => n + c.epochs * Math.ceil(rows / c.batchSize), 0) + s.current.counters.step;
}

function describeResumed(s: DbmSnapshot | DbnSnapshot): string {
  return s.model === 'dbm'
    ? s.sizes.join('→')
    : [s.trained[0]?.nVisible ?? s.current.nVisible, ...s.layers.map((c) => c.nHidden)].join('→');
}

/** A finished run (a DBM's last epoch, or a DBN's last layer's) has nothing left to train: say so, as an RBM's resume does, rather than exit having done nothing. */
function refuseFinished(resume: DbnSnapshot | DbmSnapshot, epochs: number | undefined, path: string): void {
  const [last, counters, config] =
    resume.model === 'dbm'
      ? [true, resume.counters, resume.config]
      : [resume.trained.length === resume.layers.length - 1, resume.current.counters, resume.layers[resume.trained.length]];
  const target = epochs ?? config.epochs;
  if (!last || target > counters.epoch) return;
  const what = resume.model === 'dbm' ? 'the DBM' : `the DBN's last layer (${resume.layers.length} of ${resume.layers.length})`;
  throw new BoltzflowError(
    '--epochs',
    target,
    `more than ${counters.epoch}${epochs === undefined ? " (no --epochs given: the resumed run's own count)" : ''}: ${path} has ${what} trained for ${counters.epoch} epoch(s), so there is nothing left to train; pass --epochs ${counters.epoch + 1} or more to train on`,
  );
}
