/**
 * boltzflow against scikit-learn and PyTorch, side by side in one run: one training epoch of a
 * 784→500 RBM on the same MNIST digits (batch 100), every boltzflow backend, scikit-learn's
 * BernoulliRBM (float32, PCD-1 — the only method it has) and a PyTorch CD-1/PCD-1 loop; seconds
 * per epoch, samples/s, GFLOP/s (each system's own matrix products), peak RSS, and the ratio to
 * boltzflow's default backend. Also NumPy's SGEMM on 2048² as a measured proxy for the FMA peak.
 * Python and its packages come from Debian: `apt-get install python3-sklearn python3-torch`;
 * what is missing is said, and the rest runs.
 *
 * Run: `npm run build && node dist/bench/compare.js [rows=10000]`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { last, lastValueFrom } from 'rxjs';
import { availableBackends } from '../kernels/selectBackend.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { loadDataset, mnistPath } from '../sources/loadDataset.js';

const rows = Number(process.argv[2] ?? 10_000);
const V = 784, H = 500, B = 100;
const python = '/usr/bin/python3';
const script = (name: string) => fileURLToPath(new URL(`../../bench/python/${name}`, import.meta.url));
const gflop = (products: number) => ((rows / B) * products * 2 * B * V * H) / 1e9;

interface Row { system: string; method: string; seconds: number; products: number; rss: number }
const results: Row[] = [];

const { data } = await loadDataset('mnist', { limit: rows });
for (const backend of Object.keys(availableBackends()) as Array<'wasm' | 'js'>)
  for (const method of ['cd', 'pcd'] as const) {
    const t0 = performance.now();
    await lastValueFrom(trainRbm({ data, config: { nHidden: H, method, batchSize: B, epochs: 1, backend } }).pipe(last()));
    // Products per minibatch: CD-1 5; PCD-1 7 (the chains' P(h|v) is recomputed, and the reconstruction for the metric).
    results.push({ system: `boltzflow ${backend}`, method, seconds: (performance.now() - t0) / 1000, products: method === 'cd' ? 5 : 7, rss: process.memoryUsage().rss / 2 ** 20 });
  }

const has = (module: string) => spawnSync(python, ['-c', `import ${module}`]).status === 0;
const missing: string[] = [];
for (const [system, module, pkg, methods] of [
  ['sklearn', 'sklearn', 'python3-sklearn', ['pcd']],
  ['torch', 'torch', 'python3-torch', ['cd', 'pcd']],
] as const) {
  if (!has(module)) {
    missing.push(pkg);
    continue;
  }
  for (const method of methods) {
    const r = spawnSync(python, [script('rbm_epoch.py'), system, method, mnistPath('train'), String(rows), String(H), String(B)], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.log(`${system} ${method}: failed: ${r.stderr.trim().split('\n').at(-1)}`);
      continue;
    }
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; peakRssMiB: number };
    results.push({ system: system === 'sklearn' ? 'scikit-learn BernoulliRBM' : 'PyTorch loop', method, seconds: out.seconds, products: 5, rss: out.peakRssMiB });
  }
}

console.log(`one epoch, ${rows} MNIST digits, RBM ${V}→${H}, batch ${B}, float32; node ${process.version}`);
console.log('system                        method  s/epoch  samples/s  GFLOP/s  peak RSS  time vs boltzflow wasm (same method)');
for (const r of results) {
  const ref = results.find((x) => x.system === 'boltzflow wasm' && x.method === r.method);
  console.log(
    `${r.system.padEnd(29)} ${`${r.method}-1`.padEnd(7)} ${r.seconds.toFixed(2).padStart(7)}  ${Math.round(rows / r.seconds).toString().padStart(9)}  ` +
      `${(gflop(r.products) / r.seconds).toFixed(1).padStart(7)}  ${r.rss.toFixed(0).padStart(5)} MiB  ${ref ? (r.seconds / ref.seconds).toFixed(2) + '×' : ''}`,
  );
}
if (has('numpy')) {
  const peak = spawnSync(python, [script('sgemm_peak.py')], { encoding: 'utf8' });
  if (peak.status === 0) console.log(`NumPy/OpenBLAS SGEMM 2048², a measured proxy for the FMA peak: ${(JSON.parse(peak.stdout) as { gflops: number }).gflops.toFixed(1)} GFLOP/s`);
}
if (missing.length) console.log(`not measured: install them with  apt-get install ${missing.join(' ')}`);
