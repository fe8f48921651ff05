import { existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { last, lastValueFrom, map, takeUntil, tap } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import type { DataInfo } from '../schemas/snapshot.js';
import { classifyByFreeEnergy, labelGroupOf } from '../models/classifyByFreeEnergy.js';
import type { Rbm } from '../models/rbm.js';
import { errorRate } from '../models/softmaxRegression.js';
import { classifyFlagsSchema } from '../schemas/classifyFlags.js';
import { parseWith } from '../schemas/parseWith.js';
import { encodeSnapshot } from '../schemas/snapshot.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { metricsSink } from '../sinks/metricsSink.js';
import { seconds } from '../sinks/progressSink.js';
import { toSnapshot } from '../sinks/stateSnapshot.js';
import { writeAtomic } from '../sinks/writeAtomic.js';
import { writeLearningCurves } from '../sinks/writeLearningCurves.js';
import { acquireRunLock } from '../sinks/runLock.js';
import { loadDataset } from '../sources/loadDataset.js';
import { loadLabels, oneHot } from '../sources/loadLabels.js';
import { readModelSnapshot, snapshotState } from '../sources/readSnapshot.js';
import { fineTune, predictFeedForward, unrollDbn, type FeedForward } from '../models/fineTune.js';
import { dbmAugmentedInput, unrollDbm } from '../models/unrollDbm.js';
import { selectBackend } from '../kernels/selectBackend.js';
import type { DbmSnapshot, DbnSnapshot } from '../schemas/modelSnapshot.js';
import type { z } from 'zod';
import { samplingModel } from './samplingModel.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { emit, say } from './output.js';
import { parseFlags } from './parseFlags.js';
import { shutdownSignals } from './shutdownSignals.js';

/** The labels of `data`: `--labels` where given, else MNIST's own for an MNIST set. */
function labelsOf(data: string, given: string | undefined, flag: string, dataFlag: string): string {
  if (given) return given;
  if (data === 'mnist' || data === 'mnist:train' || data === 'mnist:test') return data;
  throw new BoltzflowError(flag, given, `the labels of ${dataFlag} ${data}: an IDX label file, or a .txt/.csv of one class per line`);
}

type Flags = z.output<typeof classifyFlagsSchema>;

/**
 * `--data` and `--labels` (`--limit` applies), or `--test` and `--test-labels`: the inputs and
 * their labels, checked against each other (one label per row; classes below `classes` when given).
 */
async function labelled(
  flags: Flags,
  set: 'data' | 'test',
  classes?: number,
): Promise<{ inputs: Matrix; labels: Uint8Array; name: string; imageShape: readonly [number, number] | null }> {
  const [spec, labelFlag, given] =
    set === 'data' ? [flags.data, '--labels', flags.labels] : [flags.test!, '--test-labels', flags['test-labels']];
  const flag = `--${set}`,
    limit = set === 'data' ? flags.limit : undefined;
  const labelSpec = labelsOf(spec, given, labelFlag, flag);
  const dataset = await loadDataset(spec, { limit, binarize: flags.binarize, seed: flags.seed });
  const labels = await loadLabels(labelSpec, { limit, field: labelFlag });
  if (labels.length !== dataset.data.rows)
    throw new BoltzflowError(labelFlag, `${labels.length} labels`, `${dataset.data.rows}, one per record of ${flag} ${spec}`);
  const bad = classes === undefined ? -1 : labels.findIndex((y) => y >= classes);
  if (bad >= 0) throw new BoltzflowError(`${labelFlag} label ${bad + 1}`, labels[bad], `a class the model has: 0 … ${classes! - 1}`);
  return { inputs: dataset.data, labels, name: dataset.name, imageShape: dataset.imageShape };
}

/** The classes the labels hold: 0 … the largest, at least two. */
const classesIn = (labels: Uint8Array): number => Math.max(2, labels.reduce((m, y) => Math.max(m, y), 0) + 1);

/** The fraction of `inputs` whose most probable class under the classification RBM is not its label. */
function testError(rbm: Rbm, inputs: Matrix, labels: Uint8Array, classes: number): number {
  return errorRate(classifyByFreeEnergy(rbm, oneHot(labels, classes, inputs)).labels, labels);
}

/** The classes of a classification RBM that classify saved: its label group, the last of its visible units. */
function classesOf(rbm: Rbm, where: string): number {
  const group = labelGroupOf(rbm, undefined, '--model');
  if (group.start + group.size !== rbm.params.nVisible)
    throw new BoltzflowError('--model', where, 'a classification RBM (inputs, then a label group), as classify --out saves');
  return group.size;
}

/**
 * `boltzflow classify`: trains a classification RBM (Larochelle & Bengio 2008) — the inputs and a
 * one-of-K label as its visible units, 500 hidden, PCD-1 — on labelled data with the chosen
 * objective (hybrid ln p(y | x) + 0.01 ln P(x, y) by default), reporting the test error at every
 * epoch end and at the end; predictions by free energy, exactly (`classifyByFreeEnergy`). With
 * `--model`, the test error of a saved one.
 */
export async function classifyCommand(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, classifyFlagsSchema, { command: 'classify' });
  if (flags.model) {
    if (!flags.test) throw new BoltzflowError('--test', undefined, 'the inputs to classify with --model (mnist:test, say)');
    const snap = await readModelSnapshot(flags.model);
    if (snap.model === 'dbn' || snap.model === 'dbm') return fineTuneDeep(flags, snap);
    if (snap.model !== 'rbm')
      throw new BoltzflowError(
        '--model',
        `${flags.model} (a ${snap.model})`,
        "a classification RBM (classify --out's), a DBN or a DBM (train --model dbn|dbm's)",
      );
    const rbm = snapshotState(snap).model;
    const classes = classesOf(rbm, flags.model);
    const test = await labelled(flags, 'test', classes);
    if (test.inputs.cols + classes !== rbm.params.nVisible)
      throw new BoltzflowError('--test', `${test.inputs.cols} values per record`, `${rbm.params.nVisible - classes}, as the model has`);
    const error = testError(rbm, test.inputs, test.labels, classes);
    if (flags.json) emit({ event: 'summary', model: flags.model, testRows: test.labels.length, testError: error });
    else say(`test error of ${flags.model} on ${test.name} (${test.labels.length} records): ${(100 * error).toFixed(2)}%`);
    return;
  }
  const held = flags.out ? ['snapshot.msgpack', 'metrics.ndjson'].find((f) => existsSync(join(flags.out!, f))) : undefined;
  if (held) throw new BoltzflowError('--out', flags.out, `a folder that holds no run yet (it has ${held}): choose another --out`);
  const train = await labelled(flags, 'data');
  const classes = classesIn(train.labels);
  const test = flags.test ? await labelled(flags, 'test', classes) : null;
  if (test && test.inputs.cols !== train.inputs.cols)
    throw new BoltzflowError('--test', `${test.inputs.cols} values per record`, `${train.inputs.cols}, as --data has`);
  const config = parseWith(
    trainConfigSchema,
    {
      nHidden: flags.hidden,
      epochs: flags.epochs,
      learningRate: flags.lr ?? (flags.objective === 'generative' ? 0.05 : 0.5),
      batchSize: flags.batch,
      seed: flags.seed,
      backend: flags.backend,
      method: 'pcd',
      k: 1,
      centering: false,
      objective: flags.objective,
      generativeWeight: flags['generative-weight'],
    },
    { fieldName: (p) => `--${String(p[0])}` },
  );
  const V = train.inputs.cols;
  const visibleUnits = { type: 'bernoulli', softmaxGroups: [{ start: V, size: classes }] } as const;
  if (!flags.json)
    say(
      `boltzflow classify · classification RBM ${V}+${classes}→${flags.hidden} · ${flags.objective}${flags.objective === 'hybrid' ? ` (α ${config.generativeWeight})` : ''} · lr ${config.learningRate} → 0 · ${flags.epochs} epoch(s) · ${train.labels.length} records${test ? ` · test ${test.name}` : ''}`,
    );
  // One run owns the folder; a signal ends the epoch's minibatch in progress and saves the model.
  if (flags.out) {
    mkdirSync(flags.out, { recursive: true });
    acquireRunLock(flags.out, { onTakeover: say });
  }
  const shutdown = shutdownSignals();
  const snapshot = flags.out ? join(flags.out, 'snapshot.msgpack') : null;
  // No image shape: the visible units are an image and a label, which sample and complete cannot draw as one.
  const data: DataInfo = { name: train.name, rows: train.labels.length, imageShape: null, binarize: flags.binarize };
  const save = (e: Parameters<typeof toSnapshot>[0]) => snapshot && writeAtomic(snapshot, encodeSnapshot(toSnapshot(e, config, data)));
  shutdown.lastWords = () => (snapshot ? `the model of the last epoch end is in ${snapshot}` : 'nothing is saved without --out');
  const start = performance.now();
  let epochErrors = 0,
    epochSteps = 0,
    lastTestError: number | null = null;
  const final = await lastValueFrom(
    trainRbm({ data: oneHot(train.labels, classes, train.inputs), visibleUnits, config }).pipe(
      takeUntil(shutdown.requested$),
      map((e) => {
        if (e.metrics.labelError !== undefined) {
          epochErrors += e.metrics.labelError;
          epochSteps++;
        }
        if (e.index !== e.batchesPerEpoch - 1) return e;
        const metrics = {
          ...e.metrics,
          ...(epochSteps > 0 ? { epochLabelError: epochErrors / epochSteps } : {}),
          ...(test ? { testError: testError(e.model, test.inputs, test.labels, classes) } : {}),
        };
        lastTestError = metrics.testError ?? null;
        epochErrors = epochSteps = 0;
        return { ...e, metrics };
      }),
      flags.out ? metricsSink(join(flags.out, 'metrics.ndjson')) : (s) => s,
      tap((e) => {
        if (e.index !== e.batchesPerEpoch - 1) return;
        save(e);
        const line = {
          event: 'epoch',
          epoch: e.epoch + 1,
          ...(e.metrics.epochLabelError !== undefined ? { trainingError: e.metrics.epochLabelError } : {}),
          ...(e.metrics.testError !== undefined ? { testError: e.metrics.testError } : {}),
          seconds: Math.round(performance.now() - start) / 1000,
        };
        if (flags.json) emit(line);
        else
          say(
            `epoch ${line.epoch}/${flags.epochs}${line.trainingError !== undefined ? ` · training minibatches ${(100 * line.trainingError).toFixed(2)}% wrong` : ''}${line.testError !== undefined ? ` · test error ${(100 * line.testError).toFixed(2)}%` : ''} · ${seconds(performance.now() - start)}`,
          );
      }),
      last(),
    ),
  ).finally(() => shutdown.dispose());
  save(final); // an interrupted run's last step (an epoch's end was saved already)
  const curves = flags.out ? await writeLearningCurves(flags.out, basename(flags.out)) : { files: [] };
  const summary = {
    event: 'summary',
    interrupted: shutdown.received !== null,
    signal: shutdown.received,
    steps: final.step,
    objective: flags.objective,
    hidden: flags.hidden,
    classes,
    epochs: flags.epochs,
    trainingRows: train.labels.length,
    testRows: test?.labels.length ?? null,
    // At the last epoch end (an interrupted run's last epoch end, if any).
    testError: lastTestError,
    seconds: Math.round(performance.now() - start) / 1000,
    snapshot,
    curves: curves.files,
  };
  if (flags.json) emit(summary);
  else {
    say(
      `${summary.interrupted ? `interrupted (${summary.signal}) after step ${summary.steps}` : 'done'} in ${seconds(performance.now() - start)}${summary.testError !== null ? `: test error ${(100 * summary.testError).toFixed(2)}% on ${summary.testRows} records` : ''}`,
    );
    if (snapshot) say(`  snapshot ${snapshot}  (boltzflow classify --model ${snapshot} --test …)`);
    for (const file of curves.files) say(`  curves   ${file}`);
  }
}

/**
 * `classify --model DBN|DBM`: the trained stack unrolled into a feed-forward network under a
 * softmax output and fine-tuned by backpropagation on the labelled `--data` (`fineTune`:
 * `--epochs`, `--lr`, default 0.1, momentum 0.9), the test error at every epoch end. A DBN's layers
 * unroll as they are (`unrollDbn`); a DBM reads each record with its mean-field q(h² | v) beside it
 * (`dbmAugmentedInput`, `unrollDbm`; Salakhutdinov & Hinton 2009). The fine-tuned network is not
 * saved (`--out` is refused): a snapshot holds Boltzmann machines.
 */
async function fineTuneDeep(flags: Flags, snap: DbnSnapshot | DbmSnapshot): Promise<void> {
  if (flags.out)
    throw new BoltzflowError(
      '--out',
      flags.out,
      `no --out with a ${snap.model.toUpperCase()} (the fine-tuned feed-forward network is not a snapshot kind)`,
    );
  const backend = selectBackend(flags.backend);
  const model = samplingModel(snap, { backend, seed: flags.seed, path: flags.model!, field: '--model' });
  if (model.kind === 'rbm') throw new BoltzflowError('--model', flags.model, 'a DBN or a DBM snapshot');
  const train = await labelled(flags, 'data');
  const classes = classesIn(train.labels);
  const test = await labelled(flags, 'test', classes);
  const sizes = model.kind === 'dbn' ? [model.nVisible, ...model.dbn.layers.map((l) => l.params.nHidden)] : model.dbm.params.sizes;
  for (const [flag, m] of [
    ['--data', train.inputs],
    ['--test', test.inputs],
  ] as const)
    if (m.cols !== sizes[0])
      throw new BoltzflowError(flag, `${m.cols} values per record`, `${sizes[0]}, as the ${model.kind.toUpperCase()} has`);
  const learningRate = flags.lr ?? 0.1;
  if (!flags.json)
    say(
      `boltzflow classify · ${model.kind.toUpperCase()} ${sizes.join('→')}${model.kind === 'dbm' ? ' (input and mean-field h²)' : ''} unrolled under a ${classes}-way softmax · backpropagation, lr ${learningRate} → 0, momentum 0.9 · ${flags.epochs} epoch(s) · ${train.labels.length} records · test ${test.name}`,
    );
  const start = performance.now();
  let net: FeedForward, inputs: Matrix, testInputs: Matrix;
  if (model.kind === 'dbn') [net, inputs, testInputs] = [unrollDbn(model.dbn, classes), train.inputs, test.inputs];
  else {
    if (!flags.json) say(`  mean field q(h² | v) for ${train.labels.length + test.labels.length} records…`);
    [net, inputs, testInputs] = [
      unrollDbm(model.dbm, classes),
      dbmAugmentedInput(model.dbm, train.inputs),
      dbmAugmentedInput(model.dbm, test.inputs),
    ];
  }
  let lastTestError = NaN;
  fineTune(net, inputs, train.labels, {
    epochs: flags.epochs,
    batchSize: flags.batch,
    learningRate,
    seed: flags.seed,
    backend,
    onEpoch: (epoch, loss, net) => {
      lastTestError = errorRate(predictFeedForward(net, testInputs, backend).labels, test.labels);
      const line = {
        event: 'epoch',
        epoch,
        crossEntropy: loss,
        testError: lastTestError,
        seconds: Math.round(performance.now() - start) / 1000,
      };
      if (flags.json) emit(line);
      else
        say(
          `epoch ${epoch}/${flags.epochs} · cross-entropy ${loss.toFixed(4)} · test error ${(100 * lastTestError).toFixed(2)}% · ${seconds(performance.now() - start)}`,
        );
    },
  });
  const summary = {
    event: 'summary',
    model: flags.model,
    fineTuned: 'backpropagation',
    classes,
    epochs: flags.epochs,
    trainingRows: train.labels.length,
    testRows: test.labels.length,
    testError: lastTestError,
    seconds: Math.round(performance.now() - start) / 1000,
  };
  if (flags.json) emit(summary);
  else
    say(`done in ${seconds(performance.now() - start)}: test error ${(100 * lastTestError).toFixed(2)}% on ${test.labels.length} records`);
}
