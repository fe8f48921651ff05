/**
 * One training epoch of a 784→500 RBM on 10,000 MNIST digits (batch 100), CD-1 and PCD-1, on each
 * available backend, side by side in one run. Prints seconds per epoch, samples/s, GFLOP/s
 * (dense-equivalent: the products a dense implementation would do) and peak RSS.
 * Run: `npm run bench` (or `node dist/bench/epoch.js [rows] [repeats]`; repeats > 1 shows what the
 * first epoch pays for warming up).
 */
import { enableRelaxedSimd } from '../kernels/enableRelaxedSimd.js';
import { last, lastValueFrom } from 'rxjs';
import { availableBackends, type BackendName } from '../kernels/selectBackend.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { loadDataset } from '../sources/loadDataset.js';
import { positiveInteger } from './args.js';

// Like the CLI, a benchmark is a program: it measures the wasm backend's fused build where the engine has it.
enableRelaxedSimd();

const rows = positiveInteger(0, 'rows', 10_000);
// Epochs per backend and method, each a fresh model: the first pays for warming up (JIT, memory).
const repeats = positiveInteger(1, 'repeats', 1);
const { data } = await loadDataset('mnist', { limit: rows });
const V = 784,
  H = 500,
  B = 100;
// Matrix products per minibatch, each 2·B·V·H flops: CD-1 = P(h|v⁰), P(v|h⁰), P(h|v¹), and the
// two gradient products; PCD-1 adds the reconstruction P(v|h⁰) for its metric (the chains start at
// their saved hidden states, as scikit-learn's do, so their P(h|v) is not recomputed).
const products = { cd: 5, pcd: 6 };
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

console.log(`one epoch, ${rows} MNIST digits, RBM ${V}→${H}, batch ${B}, node ${process.version}`);
console.log('backend  method  run  s/epoch  samples/s  GFLOP/s  peak RSS  vs js');
const jsSeconds: Record<string, number> = {};
for (const backend of Object.keys(availableBackends()).reverse() as BackendName[]) {
  for (const method of ['cd', 'pcd'] as const)
    for (let run = 1; run <= repeats; run++) {
      const t0 = performance.now();
      await lastValueFrom(
        trainRbm({ data, config: { nHidden: H, method, k: 1, centering: false, batchSize: B, epochs: 1, backend } }).pipe(last()),
      );
      const s = (performance.now() - t0) / 1000;
      if (backend === 'js' && run === 1) jsSeconds[method] = s;
      const flop = (rows / B) * products[method] * 2 * B * V * H;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      console.log(
        `${backend.padEnd(8)} ${`${method}-1`.padEnd(7)} ${String(run).padStart(3)}  ${s.toFixed(2).padStart(7)}  ${Math.round(rows / s)
          .toString()
          .padStart(
            9,
          )}  ${(flop / s / 1e9).toFixed(2).padStart(7)}  ${(peakRss / 2 ** 20).toFixed(0).padStart(5)} MiB  ${(jsSeconds[method] / s).toFixed(2)}×`,
      );
    }
}
clearInterval(sampler);
