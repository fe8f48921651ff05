/**
 * The papers' table: average test log-probability of RBMs trained on MNIST, measured with AIS
 * (Salakhutdinov & Murray 2008's settings: 100 runs, 14,500 inverse temperatures) and, for a small
 * RBM, exactly. Data binarised stochastically once (seed 1), as the papers do; 60,000 training and
 * 10,000 test digits. Prints one JSON line per model and a Markdown table.
 *
 * Run: `npm run build && node dist/bench/likelihood.js [epochs=3] [aisSteps=14500]` (about 35
 * minutes on a 2-core laptop with the js backend). Not part of `npm test`. The recipes' curves of test
 * log-probability against training minutes are bench/timeToQuality.ts (`npm run bench:likelihood`).
 */
import { last, lastValueFrom } from 'rxjs';
import { baseRateBias } from '../models/ais.js';
import { exactRbmLogPartition } from '../models/exactRbm.js';
import { logProbability, mean } from '../models/logProbability.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import type { TrainConfigInput } from '../schemas/trainConfig.js';
import { loadDataset } from '../sources/loadDataset.js';
import { aisLogProb } from './aisLogProb.js';
import { positiveInteger } from './args.js';

const epochs = positiveInteger(0, 'epochs', 3);
const aisSteps = positiveInteger(1, 'AIS temperatures', 14_500);
const runs = 100;
const train = await loadDataset('mnist', { binarize: 'stochastic', seed: 1 });
const test = await loadDataset('mnist:test', { binarize: 'stochastic', seed: 2 });
const base = baseRateBias(train.data);

const models: Array<{ name: string; config: TrainConfigInput }> = [
  { name: '20 hidden, CD-1', config: { nHidden: 20, method: 'cd', k: 1, centering: false } },
  { name: '500 hidden, CD-1', config: { nHidden: 500, method: 'cd', k: 1, centering: false } },
  { name: '500 hidden, PCD-1', config: { nHidden: 500, method: 'pcd', k: 1, centering: false } },
  { name: '500 hidden, CD-10', config: { nHidden: 500, method: 'cd', k: 10, centering: false } },
];
const rows: string[] = [];
for (const { name, config } of models) {
  const t0 = performance.now();
  const final = await lastValueFrom(trainRbm({ data: train.data, config: { ...config, epochs, seed: 1 } }).pipe(last()));
  const trainSeconds = (performance.now() - t0) / 1000;
  const { logZ, logZLow, logZHigh, testLogProb, testLogProbRange, aisSeconds } = aisLogProb(final.model, test.data, {
    base,
    steps: aisSteps,
    runs,
  });
  const trainLogProb = mean(logProbability(final.model, train.data.topRows(10_000), logZ));
  const exact = config.nHidden! <= 25 ? exactRbmLogPartition(final.model.params) : null;
  const result = {
    name,
    config: { ...config, epochs, learningRate: 0.1, learningRateSchedule: 'linear', momentum: 0.5, weightDecay: 1e-4, batchSize: 100 },
    trainSeconds,
    aisSeconds,
    logZ,
    logZLow,
    logZHigh,
    exactLogZ: exact,
    testLogProb,
    testLogProbRange,
    exactTestLogProb: exact === null ? null : testLogProb + logZ - exact,
    trainLogProb,
  };
  console.log(JSON.stringify(result));
  const f = (x: number) => x.toFixed(2);
  rows.push(
    `| ${name} | ${epochs} | ${Math.round(trainSeconds)} s | ${f(logZ)} [${f(logZLow)}, ${f(logZHigh)}] | ${exact === null ? '—' : f(exact)} | ` +
      `${f(testLogProb)}${exact === null ? '' : ` (exact ${f(result.exactTestLogProb!)})`} | ${f(trainLogProb)} |`,
  );
}
console.log(`\nAIS: ${runs} runs, ${aisSteps} steps; test digits 10,000; train log-prob on the first 10,000 training digits\n`);
console.log('| model | epochs | training time | ln Z (AIS, ±3σ) | ln Z (exact) | test log-prob (nats) | train log-prob |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
