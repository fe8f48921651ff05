/**
 * Parallel tempering against plain PCD on MNIST, by exact test log-likelihood: an RBM small enough
 * to enumerate (784→16 by default), the default recipe otherwise (lr 0.1 decaying linearly,
 * momentum 0.5, weight decay 1e-4, batch 100, PCD chains keeping v alone), on the first `rows`
 * stochastically binarised training digits, for each seed; the test log-likelihood is exact
 * (ln Z by enumeration) on the first 2,000 test digits. Prints one JSON line per run and a Markdown
 * table with the time per epoch of each method (measured in the same process, one after the other).
 *
 * Run: `npm run build && node dist/bench/tempering.js [epochs=10] [rows=10000] [hidden=16] [seeds=3] [replicas=10]`
 * (a few minutes on a 2-core machine). Not part of `npm test`.
 */
import { last, lastValueFrom } from 'rxjs';
import { exactRbmLogPartition } from '../models/exactRbm.js';
import { logProbability, mean } from '../models/logProbability.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { loadDataset } from '../sources/loadDataset.js';
import { positiveInteger } from './args.js';

const epochs = positiveInteger(0, 'epochs', 10);
const rows = positiveInteger(1, 'rows', 10_000);
const nHidden = positiveInteger(2, 'hidden', 16);
const seeds = positiveInteger(3, 'seeds', 3);
const replicas = positiveInteger(4, 'replicas', 10);
const train = await loadDataset('mnist', { binarize: 'stochastic', seed: 1, limit: rows });
const test = await loadDataset('mnist:test', { binarize: 'stochastic', seed: 2, limit: 2000 });

// A first short run of each, not counted: the backend loaded and the code compiled before anything is timed.
for (const method of ['pcd', 'pt'] as const)
  await lastValueFrom(trainRbm({ data: train.data.topRows(1000), config: { nHidden, method, replicas, epochs: 1 } }).pipe(last()));
const results: Record<string, { ll: number[]; seconds: number[] }> = { pcd: { ll: [], seconds: [] }, pt: { ll: [], seconds: [] } };
for (let seed = 1; seed <= seeds; seed++)
  for (const method of ['pcd', 'pt'] as const) {
    const t0 = performance.now();
    const final = await lastValueFrom(trainRbm({ data: train.data, config: { nHidden, method, replicas, epochs, seed } }).pipe(last()));
    const secondsPerEpoch = (performance.now() - t0) / 1000 / epochs;
    const logZ = exactRbmLogPartition(final.model.params);
    const testLogLikelihood = mean(logProbability(final.model, test.data, logZ));
    console.log(
      JSON.stringify({
        method,
        seed,
        nHidden,
        epochs,
        rows,
        replicas,
        backend: final.model.backend.name,
        logZ,
        testLogLikelihood,
        secondsPerEpoch,
      }),
    );
    results[method].ll.push(testLogLikelihood);
    results[method].seconds.push(secondsPerEpoch);
  }
const f = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
console.log(
  `\n784→${nHidden}, ${epochs} epochs of ${rows} digits, exact test log-likelihood (nats) on 2,000 test digits, seeds 1–${seeds}\n`,
);
console.log('| method | test log-likelihood per seed | mean | s / epoch |');
console.log('|---|---|---|---|');
for (const [method, r] of Object.entries(results))
  console.log(
    `| ${method === 'pt' ? `PT-1, ${replicas} replicas` : 'PCD-1'} | ${f(r.ll)} | ${mean(r.ll).toFixed(2)} | ${mean(r.seconds).toFixed(2)} |`,
  );
