/**
 * A two-hidden-layer DBM (784-500-1000) on MNIST, as Salakhutdinov & Hinton (2009) measured it:
 * data binarised stochastically once, greedy pretraining of the two RBMs, then DBM training
 * (mean field + 100 persistent chains), then ln Z by AIS (100 runs, 14,500 inverse temperatures)
 * on the DBM regrouped as an RBM, and the mean-field lower bound on the average test
 * log-probability. Published: −84.62 after far longer training (and modified-RBM pretraining).
 *
 * Run: `npm run bench:dbm [pretrainEpochs=10] [dbmEpochs=10] [aisSteps=14500]`.
 */
import { last, lastValueFrom, tap } from 'rxjs';
import { selectBackend } from '../kernels/selectBackend.js';
import { aisBetas, createAis } from '../models/ais.js';
import { dbmAsRbm, dbmBaseRates, meanFieldLowerBound } from '../models/dbmBound.js';
import { mean } from '../models/logProbability.js';
import { trainDbm } from '../pipelines/trainDbm.js';
import { trainDbn } from '../pipelines/trainDbn.js';
import { loadDataset } from '../sources/loadDataset.js';
import { positiveInteger } from './args.js';

const [pretrainEpochs, dbmEpochs, aisSteps] = [
  positiveInteger(0, 'pretraining epochs', 10),
  positiveInteger(1, 'DBM epochs', 10),
  positiveInteger(2, 'AIS temperatures', 14_500),
];
const backend = selectBackend('auto');
console.error(`backend: ${backend.name}; pretraining ${pretrainEpochs} epochs per layer, DBM ${dbmEpochs} epochs, AIS ${aisSteps} steps`);
const train = (await loadDataset('mnist', { binarize: 'stochastic', seed: 1 })).data;
const test = (await loadDataset('mnist:test', { binarize: 'stochastic', seed: 2 })).data;
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const progress = <E extends { batchesPerEpoch: number; index: number; epoch: number; metrics: Readonly<Record<string, number>> }>(
  what: string,
) =>
  tap<E>((e) => {
    if (e.index + 1 === e.batchesPerEpoch) console.error(`${what} epoch ${e.epoch + 1}: ${JSON.stringify(e.metrics)}`);
  });

let t0 = performance.now();
const layer = { epochs: pretrainEpochs, method: 'pcd', k: 1, centering: false, learningRate: 0.05, batchSize: 100 } as const;
const dbn = (
  await lastValueFrom(
    trainDbn({
      data: train,
      layers: [
        { ...layer, nHidden: 500 },
        { ...layer, nHidden: 1000, seed: 2 },
      ],
    }).pipe(progress('pretraining'), last()),
  )
).dbn;
const pretrainSeconds = seconds(t0);

t0 = performance.now();
const config = { epochs: dbmEpochs, batchSize: 100, learningRate: 0.005, nChains: 100, seed: 1 };
const dbm = (await lastValueFrom(trainDbm({ data: train, pretrained: dbn.layers, config }).pipe(progress('DBM'), last()))).model;
const dbmSeconds = seconds(t0);

t0 = performance.now();
const asRbm = dbmAsRbm(dbm);
// The base model: the data's base rates for v, the mean-field base rates for h² (10,000 digits).
const base = dbmBaseRates(dbm, train.topRows(10_000));
const ais = createAis(asRbm, { baseVisibleBias: base, betas: aisBetas(aisSteps), runs: 100, seed: 1 });
ais.advance(Infinity);
const est = ais.result();
const aisSeconds = seconds(t0);
const testBound = mean(meanFieldLowerBound(dbm, test, est.logZ));
const trainBound = mean(meanFieldLowerBound(dbm, train.topRows(10_000), est.logZ));
console.log(
  JSON.stringify({
    sizes: dbm.params.sizes,
    pretrainEpochs,
    dbmConfig: config,
    pretrainSeconds,
    dbmSeconds,
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
