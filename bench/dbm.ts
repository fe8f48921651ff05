/**
 * A two-hidden-layer DBM (784-500-1000) on MNIST, as Salakhutdinov & Hinton (2009) measured it:
 * data binarised stochastically once, greedy pretraining of the two layers with their modified
 * RBMs (`--plain`: ordinary RBMs, as a DBN's, to compare), then DBM training (mean field + 100
 * persistent chains), then ln Z by AIS (100 runs, 14,500 inverse temperatures) on the DBM
 * regrouped as an RBM, and the mean-field lower bound on the average test log-probability.
 * Published: −84.62 after far longer training (about 300,000 updates).
 *
 * Prints one JSON line of the run and last a summary line
 * `{"event":"summary","testLowerBound":…,"minutes":{…},…}`; with `--json` the summary is the
 * only stdout (progress goes to stderr).
 *
 * Run: `npm run bench:dbm [pretrainEpochs=10] [dbmEpochs=10] [aisSteps=14500] [--plain] [--json]`.
 */
import { aisBetas, createAis } from '../models/ais.js';
import { dbmAsRbm, dbmBaseRates, meanFieldLowerBound } from '../models/dbmBound.js';
import { mean } from '../models/logProbability.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { loadDataset } from '../sources/loadDataset.js';
import { benchSwitch, positiveInteger } from './args.js';
import { trainBenchDbm } from './dbmRecipe.js';

const [json, plain] = [benchSwitch('--json'), benchSwitch('--plain')];
const [pretrainEpochs, dbmEpochs, aisSteps] = [
  positiveInteger(0, 'pretraining epochs', 10),
  positiveInteger(1, 'DBM epochs', 10),
  positiveInteger(2, 'AIS temperatures', 14_500),
];
const pretraining = plain ? 'plain' : 'modified';
console.error(
  `backend: ${selectBackend('auto').name}; ${pretraining} pretraining ${pretrainEpochs} epochs per layer, DBM ${dbmEpochs} epochs, AIS ${aisSteps} steps`,
);
const train = (await loadDataset('mnist', { binarize: 'stochastic', seed: 1 })).data;
const test = (await loadDataset('mnist:test', { binarize: 'stochastic', seed: 2 })).data;

const run = await trainBenchDbm(train, { pretrainEpochs, dbmEpochs, pretraining });
const { dbm } = run;
const t0 = performance.now();
const asRbm = dbmAsRbm(dbm);
// The base model: the data's base rates for v, the mean-field base rates for h² (10,000 digits).
const base = dbmBaseRates(dbm, train.topRows(10_000));
const ais = createAis(asRbm, { baseVisibleBias: base, betas: aisBetas(aisSteps), runs: 100, seed: 1 });
ais.advance(Infinity);
const est = ais.result();
const aisSeconds = (performance.now() - t0) / 1000;
const testBound = mean(meanFieldLowerBound(dbm, test, est.logZ));
const trainBound = mean(meanFieldLowerBound(dbm, train.topRows(10_000), est.logZ));
const minutes = (s: number) => Math.round((s / 60) * 100) / 100;
const round = (x: number) => Math.round(x * 100) / 100;
if (!json)
  console.log(
    JSON.stringify({
      sizes: dbm.params.sizes,
      pretraining,
      pretrainEpochs,
      layerConfig: run.layerConfig,
      dbmConfig: { ...run.dbmConfig, epochs: dbmEpochs },
      pretrainSeconds: run.pretrainSeconds,
      dbmSeconds: run.dbmSeconds,
      aisSeconds,
      aisSteps,
      logZ: est.logZ,
      logZRange: [est.logZLow, est.logZHigh],
      // How far the best AIS run's weight sits above the median's: tens of nats means one run carries the estimate.
      logWeightSpread: Math.max(...est.logWeights) - [...est.logWeights].sort((a, b) => a - b)[est.logWeights.length >> 1],
      testLowerBound: testBound,
      testLowerBoundRange: [testBound + est.logZ - est.logZHigh, testBound + est.logZ - est.logZLow],
      trainLowerBound: trainBound,
      published: -84.62,
    }),
  );
console.log(
  JSON.stringify({
    event: 'summary',
    pretraining,
    updates: dbmEpochs * Math.ceil(train.rows / run.dbmConfig.batchSize),
    testLowerBound: round(testBound),
    trainLowerBound: round(trainBound),
    logZ: round(est.logZ),
    minutes: { pretrain: minutes(run.pretrainSeconds), dbm: minutes(run.dbmSeconds), ais: minutes(aisSeconds) },
    published: -84.62,
  }),
);
