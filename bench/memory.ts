/**
 * Does training's memory stay flat? Trains a 784→500 RBM for several epochs on 10,000 MNIST digits
 * (PCD-1, default backend) and prints the heap and RSS after a full GC at the end of every epoch.
 * Run: `npm run build && node --expose-gc dist/bench/memory.js [epochs=6]`.
 */
import { lastValueFrom, tap } from 'rxjs';
import { trainRbm } from '../pipelines/trainRbm.js';
import { loadDataset } from '../sources/loadDataset.js';
import { positiveInteger } from './args.js';

const epochs = positiveInteger(0, 'epochs', 6);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const { data } = await loadDataset('mnist', { limit: 10_000 });
const mib = (b: number) => (b / 2 ** 20).toFixed(1).padStart(7);
console.log('epoch  heap used (MiB)  RSS (MiB)');
await lastValueFrom(
  trainRbm({ data, config: { nHidden: 500, method: 'pcd', epochs } }).pipe(
    tap((e) => {
      if (e.index !== e.batchesPerEpoch - 1) return;
      gc();
      const m = process.memoryUsage();
      console.log(`${String(e.epoch + 1).padStart(5)}  ${mib(m.heapUsed)}          ${mib(m.rss)}`);
    }),
  ),
);
