/**
 * MNIST test error of the read-outs and models of issue 6, and a Gaussian-Bernoulli RBM on
 * real-valued MNIST intensities, all in one run on the 60,000 training and 10,000 test digits
 * (intensities in [0, 1], not binarised):
 * - softmax regression on raw pixels;
 * - softmax regression on the features of a 500-hidden RBM (the DBN's first layer);
 * - softmax regression on the top features of a 500-500 DBN (greedy, no fine-tuning; other sizes
 *   by the fourth argument, e.g. 1024,1024 or 500,500,2000), and the same
 *   DBN unrolled and fine-tuned by backpropagation with a softmax output;
 * - a classification RBM (784 pixels + a 10-way softmax label, 500 hidden), predicting by free energy,
 *   trained on the generative objective ln P(x, y), the discriminative ln p(y | x) and the hybrid
 *   ln p(y | x) + 0.01 ln P(x, y) (Larochelle & Bengio 2008);
 * - a 784-500-1000 DBM (Salakhutdinov & Hinton 2009's recipe, shortened: modified-RBM pretraining, then
 *   mean field + persistent chains, `epochs` each), unrolled with its mean-field q(h² | v) as extra
 *   input and fine-tuned by backpropagation with a softmax output (their discriminative read-out);
 * - a Gaussian RBM (500 hidden) on standardised intensities at the default learning rate, with
 *   its samples written as a PNG; and what the binary default (0.1) does to it.
 * Prints one JSON line per result, a Markdown table, and last a summary line
 * `{"event":"summary","testError":{…},"minutes":{…}}` (test error in percent; null for a part not
 * run). With `--json` the summary is the only stdout. The classification RBMs' test error at each epoch
 * end is drawn against their training time in runs/bench/classrbm-test-error.png, and the fine-tuned
 * DBN's and DBM's at each fine-tuning epoch end in runs/bench/finetune-test-error.png (its points in
 * finetune-test-error.json).
 *
 * Run: `npm run bench:classify [epochs=20] [parts=raw,rbm,classrbm,gaussian] [fine-tuning epochs=20] [DBN layers=500,500] [--json]` (writes
 * runs/bench/gaussian-samples.png); `parts` picks what runs (`rbm` trains the 500-500 DBN whose
 * first layer gives the RBM features; `dbm`, the longest, runs only when named: `… 10 dbm 20`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { last, lastValueFrom, tap } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { classifyByFreeEnergy } from '../models/classifyByFreeEnergy.js';
import { dbnFeatures } from '../models/dbn.js';
import { fineTune, predictFeedForward, unrollDbn, type FeedForward } from '../models/fineTune.js';
import { dbmAugmentedInput, unrollDbm } from '../models/unrollDbm.js';
import { gibbsBuffers, gibbsChain, hiddenProbs, visibleProbs } from '../models/rbm.js';
import { errorRate, fitSoftmaxRegression, predictSoftmax } from '../models/softmaxRegression.js';
import { fitStandardization, standardize, unstandardize } from '../models/standardize.js';
import { randomVisible } from '../models/visibleUnits.js';
import { trainDbn } from '../pipelines/trainDbn.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { encodePng } from '../sinks/encodePng.js';
import { plotCurves, type Curve, type CurvePoint } from '../sinks/plotCurves.js';
import { imageGrid } from '../sinks/imageGrid.js';
import { loadDataset } from '../sources/loadDataset.js';
import { loadLabels, oneHot } from '../sources/loadLabels.js';
import { benchSwitch, positiveInteger, positiveIntegers } from './args.js';
import { trainBenchDbm } from './dbmRecipe.js';

const json = benchSwitch('--json');
const epochs = positiveInteger(0, 'epochs', 20);
const fineTuneEpochs = positiveInteger(2, 'fine-tuning epochs', 20);
const dbnLayers = positiveIntegers(3, 'DBN layers', '500,500');
const PARTS = ['raw', 'rbm', 'classrbm', 'gaussian', 'dbm'] as const;
// The DBM is not run unless asked for: it takes several times the rest.
const parts = new Set((process.argv[3] ?? 'raw,rbm,classrbm,gaussian').split(','));
for (const part of parts)
  if (!(PARTS as readonly string[]).includes(part)) throw new BoltzflowError('argument 2 (parts)', part, `some of ${PARTS.join(', ')}`);
const summary = {
  event: 'summary',
  testError: {} as Record<string, number | null>,
  minutes: {} as Record<string, number | null>,
};
const backend = selectBackend('auto');
console.error(`backend: ${backend.name}; ${epochs} epochs per model`);
const train = (await loadDataset('mnist')).data,
  trainLabels = await loadLabels('mnist');
const test = (await loadDataset('mnist:test')).data,
  testLabels = await loadLabels('mnist:test');
const rbmConfig = { nHidden: 500, epochs, method: 'pcd', k: 1, centering: false, learningRate: 0.05, batchSize: 100, seed: 1 } as const;
// Backpropagation through the unrolled DBN (Hinton & Salakhutdinov 2006's recipe, shorter).
const fineTuning = { epochs: fineTuneEpochs, batchSize: 100, learningRate: 0.1, momentum: 0.9, weightDecay: 1e-5 };
const readout = { classes: 10, epochs: 30, batchSize: 100, learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4, backend };
const rows: string[] = [];
const report = (name: string, result: Record<string, unknown>, key?: string) => {
  if (key) {
    summary.testError[key] = typeof result.testError === 'number' ? Math.round(1e4 * result.testError) / 100 : null;
    summary.minutes[key] =
      Math.round((((result.trainSeconds as number) + ((result.readoutSeconds as number | undefined) ?? 0)) / 60) * 100) / 100;
  }
  if (!json) console.log(JSON.stringify({ name, ...result }));
  const f = (x: unknown) => (typeof x === 'number' ? x.toFixed(1) : String(x));
  rows.push(
    `| ${name} | ${'testError' in result ? `${(100 * (result.testError as number)).toFixed(2)}%` : '—'} | ${f(result.trainSeconds)} | ${f(result.readoutSeconds ?? '—')} |`,
  );
};
const seconds = (t0: number) => (performance.now() - t0) / 1000;

function readoutError(features: Matrix, testFeatures: Matrix): { testError: number; readoutSeconds: number } {
  const t0 = performance.now();
  const model = fitSoftmaxRegression(features, trainLabels, readout);
  return { testError: errorRate(predictSoftmax(model, testFeatures, backend).labels, testLabels), readoutSeconds: seconds(t0) };
}

/** Test error after each fine-tuning epoch, against minutes since the model's training began (`offsetSeconds` before fine-tuning; testing not counted). */
const fineTuneCurves: Curve[] = [];
function fineTuneTracked(
  label: string,
  offsetSeconds: number,
  net: FeedForward,
  inputs: Matrix,
  testInputs: Matrix,
): { testError: number; fineTuneSeconds: number } {
  const points: CurvePoint[] = [];
  let testing = 0;
  let testError = NaN;
  const t0 = performance.now();
  fineTune(net, inputs, trainLabels, {
    ...fineTuning,
    backend,
    onEpoch: (epoch, _loss, trained) => {
      const t1 = performance.now();
      testError = errorRate(predictFeedForward(trained, testInputs, backend).labels, testLabels);
      points.push({ x: (offsetSeconds + (t1 - t0 - testing) / 1000) / 60, y: 100 * testError });
      testing += performance.now() - t1;
      console.error(
        `${label}: fine-tuning epoch ${epoch}/${fineTuning.epochs}, test error ${(100 * testError).toFixed(2)}% at ${points.at(-1)!.x.toFixed(2)} min`,
      );
    },
  });
  fineTuneCurves.push({ label, points });
  return { testError, fineTuneSeconds: seconds(t0) - testing / 1000 };
}

if (parts.has('raw')) report('softmax regression on raw pixels', { trainSeconds: 0, ...readoutError(train, test) }, 'raw');

let t0 = performance.now();
if (parts.has('rbm')) {
  const name = dbnLayers.join('-');
  const layers = dbnLayers.map((nHidden, l) => ({ ...rbmConfig, nHidden, seed: 1 + l }));
  let firstLayerSeconds = 0;
  const dbnRun = await lastValueFrom(
    trainDbn({ data: train, layers }).pipe(
      tap((e) => {
        if (e.layer === 0) firstLayerSeconds = seconds(t0);
      }),
      last(),
    ),
  );
  const dbnSeconds = seconds(t0);
  const dbn = dbnRun.dbn;
  report(
    `RBM (${dbnLayers[0]} hidden) features + softmax regression`,
    { config: layers[0], trainSeconds: firstLayerSeconds, ...readoutError(dbnFeatures(dbn, train, 1), dbnFeatures(dbn, test, 1)) },
    'rbm',
  );
  report(
    `DBN (${name}) top features + softmax regression`,
    { layers, trainSeconds: dbnSeconds, ...readoutError(dbnFeatures(dbn, train), dbnFeatures(dbn, test)) },
    'dbn',
  );
  // Fine-tuning: the DBN unrolled, a 10-way softmax on top, backpropagation through all of it.
  const tuned = fineTuneTracked(`DBN ${name}`, dbnSeconds, unrollDbn(dbn, 10), train, test);
  report(
    `DBN (${name}) fine-tuned by backpropagation (softmax output)`,
    { layers, fineTuning, trainSeconds: dbnSeconds + tuned.fineTuneSeconds, testError: tuned.testError },
    'dbnFineTuned',
  );
}

if (parts.has('classrbm')) {
  const labelGroup = { start: 784, size: 10 };
  const labelled = oneHot(trainLabels, 10, train),
    testLabelled = oneHot(testLabels, 10, test);
  const curves: Curve[] = [];
  // The learning rates are boltzflow classify's defaults: 0.05 generative, 0.5 for the two others.
  for (const [key, objective, learningRate, words] of [
    ['classRbm', 'generative', 0.05, 'generative, ln P(x, y)'],
    ['classRbmDiscriminative', 'discriminative', 0.5, 'discriminative, ln p(y | x)'],
    ['classRbmHybrid', 'hybrid', 0.5, 'hybrid, ln p(y | x) + 0.01 ln P(x, y)'],
  ] as const) {
    const config = { ...rbmConfig, objective, learningRate };
    // The test error at every epoch end, its time left out of the training time.
    const points: CurvePoint[] = [];
    let testing = 0;
    t0 = performance.now();
    const joint = await lastValueFrom(
      trainRbm({ data: labelled, visibleUnits: { type: 'bernoulli', softmaxGroups: [labelGroup] }, config }).pipe(
        tap((e) => {
          if (e.index !== e.batchesPerEpoch - 1) return;
          const t1 = performance.now();
          const minutes = (t1 - t0 - testing) / 60_000;
          const error = errorRate(classifyByFreeEnergy(e.model, testLabelled).labels, testLabels);
          testing += performance.now() - t1;
          points.push({ x: minutes, y: 100 * error });
          console.error(`${objective}: epoch ${e.epoch + 1}/${epochs}, test error ${(100 * error).toFixed(2)}%`);
        }),
        last(),
      ),
    );
    const jointSeconds = seconds(t0) - testing / 1000;
    curves.push({ label: `${objective} (lr ${learningRate})`, points });
    report(
      `classification RBM (784+10 visible, 500 hidden), ${words}`,
      { config, trainSeconds: jointSeconds, testError: errorRate(classifyByFreeEnergy(joint.model, testLabelled).labels, testLabels) },
      key,
    );
  }
  const { png } = await plotCurves(curves, {
    title: 'MNIST: classification RBM test error against training time',
    subtitle: `784 + 10-way label, 500 hidden, PCD-1, batch 100, ${epochs} epochs, learning rate falling linearly; ${backend.name} backend, 2 cores`,
    xTitle: 'training time (minutes)',
    yTitle: 'test error (%)',
    reference: { y: 1.28, label: 'Larochelle et al.: hybrid, 1,500 hidden (1.28%)' },
  });
  mkdirSync('runs/bench', { recursive: true });
  writeFileSync('runs/bench/classrbm-test-error.png', png);
}

if (parts.has('gaussian')) {
  // Gaussian RBM. Pixels that are almost always 0 would become huge outliers once divided by a tiny
  // standard deviation; the floor of 0.1 (MNIST's pixel deviations reach 0.45) keeps them tame.
  const scaling = fitStandardization(train, 0.1);
  const real = standardize(train, scaling);
  const gaussianConfig = { nHidden: 500, epochs, method: 'cd', k: 1, visibleUnits: 'gaussian', batchSize: 100, seed: 1 } as const;
  t0 = performance.now();
  const gaussian = await lastValueFrom(trainRbm({ data: real, config: gaussianConfig }).pipe(last()));
  const gaussianSeconds = seconds(t0);
  const model = gaussian.model;
  const testReal = standardize(test, scaling);
  const chains = Matrix.zeros(100, 784);
  randomVisible(model, chains);
  const buffers = gibbsBuffers(model.params, 100);
  gibbsChain(model, chains, 1000, buffers);
  const shown = unstandardize(buffers.visibleProbs, scaling);
  for (let k = 0; k < shown.data.length; k++) shown.data[k] = Math.min(1, Math.max(0, shown.data[k]));
  mkdirSync('runs/bench', { recursive: true });
  const grid = imageGrid(shown, { height: 28, width: 28, columns: 10 });
  writeFileSync('runs/bench/gaussian-samples.png', encodePng(grid.width, grid.height, grid.pixels));
  // Test reconstruction: E[v | P(h | v)] through the model's own conditionals.
  const hidden = hiddenProbs(model, testReal, Matrix.zeros(testReal.rows, 500));
  const sq = backend.squaredDistance(testReal.data, visibleProbs(model, hidden, Matrix.zeros(testReal.rows, 784)).data);
  report('Gaussian RBM (500 hidden, standardised intensities, lr 0.001)', {
    config: gaussianConfig,
    trainSeconds: gaussianSeconds,
    finalReconstructionError: gaussian.metrics.reconstructionError,
    testReconstructionErrorPerPixel: sq / testReal.data.length,
    samples: 'runs/bench/gaussian-samples.png',
  });
  try {
    await lastValueFrom(trainRbm({ data: real, config: { ...gaussianConfig, epochs: 1, learningRate: 0.1 } }).pipe(last()));
    if (!json) console.log(JSON.stringify({ name: 'Gaussian RBM at lr 0.1', diverged: false }));
  } catch (e) {
    if (!json)
      console.log(JSON.stringify({ name: 'Gaussian RBM at lr 0.1', diverged: true, message: (e as Error).message.split('\n')[0] }));
  }
}

if (parts.has('dbm')) {
  const run = await trainBenchDbm(train, { pretrainEpochs: epochs, dbmEpochs: epochs, pretraining: 'modified' });
  // Salakhutdinov & Hinton's read-out: each digit with its mean-field q(h² | v) as extra input, into the
  // network whose first layer is W¹ over W²ᵀ; the mean field's time counts as fine-tuning's.
  t0 = performance.now();
  const [inputs, testInputs] = [dbmAugmentedInput(run.dbm, train), dbmAugmentedInput(run.dbm, test)];
  const meanFieldSeconds = seconds(t0);
  const before = run.pretrainSeconds + run.dbmSeconds + meanFieldSeconds;
  const tuned = fineTuneTracked('DBM 500-1000', before, unrollDbm(run.dbm, 10), inputs, testInputs);
  report(
    'DBM (500-1000, modified-RBM pretraining) fine-tuned by backpropagation, q(h² | v) as extra input',
    {
      layerConfig: { ...run.layerConfig, epochs },
      dbmConfig: { ...run.dbmConfig, epochs },
      fineTuning,
      pretrainSeconds: run.pretrainSeconds,
      dbmSeconds: run.dbmSeconds,
      meanFieldSeconds,
      fineTuneSeconds: tuned.fineTuneSeconds,
      trainSeconds: before + tuned.fineTuneSeconds,
      testError: tuned.testError,
    },
    'dbm',
  );
}

if (fineTuneCurves.length) {
  const { png } = await plotCurves(fineTuneCurves, {
    title: 'MNIST: fine-tuned DBN and DBM, test error against training time',
    subtitle: `a point per fine-tuning epoch; minutes since pretraining began; ${backend.name}, 2 cores`,
    xTitle: 'training time (minutes)',
    yTitle: 'test error (%)',
    reference: { y: 0.95, label: 'DBM, Salakhutdinov & Hinton: 0.95%' },
  });
  mkdirSync('runs/bench', { recursive: true });
  writeFileSync('runs/bench/finetune-test-error.json', JSON.stringify(fineTuneCurves) + '\n');
  writeFileSync('runs/bench/finetune-test-error.png', png);
}

if (!json) console.log(`\n| model | MNIST test error | training s | read-out s |\n|---|---|---|---|\n${rows.join('\n')}`);
for (const key of ['raw', 'rbm', 'classRbm', 'classRbmDiscriminative', 'classRbmHybrid', 'dbn', 'dbnFineTuned', 'dbm']) {
  summary.testError[key] ??= null;
  summary.minutes[key] ??= null;
}
console.log(JSON.stringify(summary));
