/**
 * Soak test of online training: 1,000,000 MNIST records (the 60,000 training digits, binarised,
 * cycled) streamed as NDJSON over a local TCP socket into `openFeed` (bounded buffer, `block`)
 * and `trainOnline` (784→100, PCD-1, batch 100). Prints heap (after a full GC) and RSS every
 * 100,000 records, so that growth would show. Run: `npm run bench:soak` (or
 * `node --expose-gc dist/bench/soak.js [records=1000000] [hidden=100]`).
 */
import { createServer } from 'node:net';
import { tap } from 'rxjs';
import { lastValueFrom } from 'rxjs';
import { selectBackend } from '../kernels/selectBackend.js';
import { trainOnline } from '../pipelines/trainOnline.js';
import { loadDataset } from '../sources/loadDataset.js';
import { openFeed } from '../sources/openFeed.js';
import { positiveInteger } from './args.js';

const total = positiveInteger(0, 'samples', 1_000_000),
  hidden = positiveInteger(1, 'hidden units', 100);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.log('(run with node --expose-gc for heap figures after a full GC)');
const { data } = await loadDataset('mnist', { binarize: 'threshold' });
const lines = Array.from({ length: data.rows }, (_, r) => JSON.stringify(Array.from(data.row(r))) + '\n');

const server = createServer((socket) => {
  let i = 0;
  const pump = () => {
    while (i < total) if (!socket.write(lines[i++ % lines.length])) return void socket.once('drain', pump);
    socket.end();
  };
  pump();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;

const feed = openFeed(`tcp://127.0.0.1:${port}`, { capacity: 1000, policy: 'block' });
console.log(
  `soak: ${total} records over TCP → openFeed (buffer 1000, block) → trainOnline 784→${hidden}, PCD-1, batch 100; backend ${selectBackend().name}; node ${process.version}`,
);
console.log('records    seconds  records/s  heap MiB (after GC)  RSS MiB');
const start = performance.now();
let records = 0,
  next = 100_000;
const rows: Array<{ heap: number; rss: number }> = [];
await lastValueFrom(
  trainOnline({ records: feed, config: { nHidden: hidden, method: 'pcd', batchSize: 100, seed: 1 } }).pipe(
    tap((e) => {
      records += e.batchSize;
      if (records >= next) {
        gc?.();
        const m = process.memoryUsage();
        rows.push({ heap: m.heapUsed / 2 ** 20, rss: m.rss / 2 ** 20 });
        const s = (performance.now() - start) / 1000;
        console.log(
          `${String(records).padStart(7)}  ${s.toFixed(1).padStart(8)}  ${Math.round(records / s)
            .toString()
            .padStart(9)}  ${(m.heapUsed / 2 ** 20).toFixed(1).padStart(19)}  ${(m.rss / 2 ** 20).toFixed(1).padStart(7)}`,
        );
        next += 100_000;
      }
    }),
  ),
);
server.close();
const steady = rows.slice(1);
if (steady.length > 1) {
  const span = (k: 'heap' | 'rss') =>
    `${Math.min(...steady.map((r) => r[k])).toFixed(1)}–${Math.max(...steady.map((r) => r[k])).toFixed(1)} MiB`;
  console.log(`steady state (after the first 100,000): heap ${span('heap')}, RSS ${span('rss')}; dropped ${feed.dropped}`);
}
