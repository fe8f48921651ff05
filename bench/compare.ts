/**
 * boltzflow against scikit-learn and PyTorch, side by side in one run: one training epoch of a
 * 784→500 RBM on the same MNIST digits (batch 100, 10,000 and 60,000 digits), every boltzflow
 * backend (js on the smaller set only), scikit-learn's BernoulliRBM (float32, PCD-1 — the only
 * method it has) and a PyTorch CD-1/PCD-1 loop; seconds per epoch, samples/s, GFLOP/s (each
 * system's own matrix products), peak RSS, the ratio to boltzflow's default backend, and the
 * issue's targets. Also NumPy's SGEMM on 2048² as a measured proxy for the FMA peak.
 *
 * Each system trains `repeats` fresh models (one epoch each), the systems taking turns, so that the
 * machine's slow and fast spells fall on all of them; the table gives each one's median epoch and
 * all its epochs, and the targets compare medians (js trains once: its epoch takes seconds).
 *
 * Python and its packages come from Debian (`python3-sklearn python3-torch`): run as root with
 * apt-get, the bench installs what is missing (BOLTZFLOW_BENCH_INSTALL=0 stops it); otherwise it
 * says what to install and runs the rest.
 *
 * Run: `npm run bench:compare` (or `node dist/bench/compare.js [sizes=10000,60000] [repeats=3]`).
 */
import { enableRelaxedSimd } from '../kernels/enableRelaxedSimd.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { last, lastValueFrom } from 'rxjs';
import { availableBackends, type BackendName } from '../kernels/selectBackend.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { loadDataset, mnistPath } from '../sources/loadDataset.js';
import { positiveInteger, positiveIntegers } from './args.js';

// Like the CLI, a benchmark is a program: it measures the wasm backend's fused build where the engine has it.
enableRelaxedSimd();

const sizes = positiveIntegers(0, 'sizes', '10000,60000');
const repeats = positiveInteger(1, 'repeats', 3);
const V = 784,
  H = 500,
  B = 100;
const python = '/usr/bin/python3';
const script = (name: string) => fileURLToPath(new URL(`../../bench/python/${name}`, import.meta.url));
const gflop = (rows: number, products: number) => ((rows / B) * products * 2 * B * V * H) / 1e9;

interface Row {
  rows: number;
  system: string;
  method: string;
  seconds: number;
  products: number;
  rss: number;
}
const runs: Row[] = [];

const has = (module: string) => existsSync(python) && spawnSync(python, ['-c', `import ${module}`]).status === 0;
const wanted = [
  ['sklearn', 'python3-sklearn'],
  ['torch', 'python3-torch'],
] as const;
const absent = () => wanted.filter(([module]) => !has(module)).map(([, pkg]) => pkg);
if (absent().length && process.getuid?.() === 0 && process.env.BOLTZFLOW_BENCH_INSTALL !== '0' && existsSync('/usr/bin/apt-get')) {
  console.log(`installing from Debian: ${absent().join(' ')} (BOLTZFLOW_BENCH_INSTALL=0 skips this)`);
  spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...absent()], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}
const missing = absent();

for (const rows of sizes) {
  const { data } = await loadDataset('mnist', { limit: rows });
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const backend of Object.keys(availableBackends()) as BackendName[]) {
      if (backend === 'js' && (rows > 10_000 || repeat > 0)) continue; // ~40 s per epoch at 60,000: measured once, on the small set
      for (const method of ['cd', 'pcd'] as const) {
        const t0 = performance.now();
        await lastValueFrom(
          trainRbm({
            data,
            config: { nHidden: H, method, k: 1, keepHidden: true, centering: false, batchSize: B, epochs: 1, backend },
          }).pipe(last()),
        );
        // Products per minibatch: CD-1 5; PCD-1 6 (scikit-learn's 5, and the reconstruction for the step's metric).
        runs.push({
          rows,
          system: `boltzflow ${backend}`,
          method,
          seconds: (performance.now() - t0) / 1000,
          products: method === 'cd' ? 5 : 6,
          rss: process.memoryUsage().rss / 2 ** 20,
        });
      }
    }
    for (const [system, module, methods] of [
      ['sklearn', 'sklearn', ['pcd']],
      ['torch', 'torch', ['cd', 'pcd']],
    ] as const) {
      if (!has(module)) continue;
      for (const method of methods) {
        const r = spawnSync(python, [script('rbm_epoch.py'), system, method, mnistPath('train'), String(rows), String(H), String(B)], {
          encoding: 'utf8',
        });
        if (r.status !== 0) {
          console.log(`${system} ${method}: failed: ${r.stderr.trim().split('\n').at(-1)}`);
          continue;
        }
        const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; peakRssMiB: number };
        runs.push({
          rows,
          system: system === 'sklearn' ? 'scikit-learn BernoulliRBM' : 'PyTorch loop',
          method,
          seconds: out.seconds,
          products: 5,
          rss: out.peakRssMiB,
        });
      }
    }
  }
}

/** One row per system, method and size: the median epoch, every epoch, the largest peak RSS. */
const results = [...new Set(runs.map((r) => `${r.rows}|${r.system}|${r.method}`))].map((key) => {
  const same = runs.filter((r) => `${r.rows}|${r.system}|${r.method}` === key);
  const times = same.map((r) => r.seconds).sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { ...same[0], seconds: median, all: same.map((r) => r.seconds), rss: Math.max(...same.map((r) => r.rss)) };
});

const seconds = (rows: number, system: string, method: string) =>
  results.find((x) => x.rows === rows && x.system === system && x.method === method)?.seconds;
const base = `boltzflow ${Object.keys(availableBackends())[0]}`;
console.log(`one epoch, RBM ${V}→${H}, batch ${B}, float32; node ${process.version}; boltzflow's peak RSS is the whole bench process's`);
for (const backend of Object.values(availableBackends()))
  console.log(`boltzflow ${backend.name}: ${backend.detail ? `${backend.detail}, ` : ''}${backend.threads ?? 1} thread(s)`);
console.log(`median of ${repeats} epochs per system (fresh models, the systems taking turns); js: one epoch`);
console.log(`digits  system                        method  s/epoch  samples/s  GFLOP/s  peak RSS  time vs ${base}  every epoch (s)`);
for (const r of results) {
  const ref = seconds(r.rows, base, r.method);
  console.log(
    `${String(r.rows).padStart(6)}  ${r.system.padEnd(29)} ${`${r.method}-1`.padEnd(7)} ${r.seconds.toFixed(2).padStart(7)}  ${Math.round(
      r.rows / r.seconds,
    )
      .toString()
      .padStart(9)}  ` +
      `${(gflop(r.rows, r.products) / r.seconds).toFixed(1).padStart(7)}  ${r.rss.toFixed(0).padStart(5)} MiB  ${(ref ? (r.seconds / ref).toFixed(2) + '×' : '').padStart(6)}  ${r.all.map((s) => s.toFixed(2)).join(' ')}`,
  );
}
console.log('targets (ratios of median times in this run; ≤ the target is met):');
for (const rows of sizes) {
  const target = (label: string, ours: number | undefined, theirs: number | undefined, limit: number) =>
    ours !== undefined &&
    theirs !== undefined &&
    console.log(
      `  ${String(rows).padStart(6)} digits  ${label.padEnd(40)} ${(ours / theirs).toFixed(2)} (target ≤ ${limit}) ${ours / theirs <= limit ? 'met' : 'NOT met'}`,
    );
  target('wasm PCD-1 / scikit-learn PCD-1', seconds(rows, 'boltzflow wasm', 'pcd'), seconds(rows, 'scikit-learn BernoulliRBM', 'pcd'), 1);
  for (const m of ['cd', 'pcd'])
    target(
      `native ${m.toUpperCase()}-1 / PyTorch ${m.toUpperCase()}-1`,
      seconds(rows, 'boltzflow native', m),
      seconds(rows, 'PyTorch loop', m),
      0.8,
    );
}
if (has('numpy')) {
  const peak = spawnSync(python, [script('sgemm_peak.py')], { encoding: 'utf8' });
  if (peak.status === 0)
    console.log(
      `NumPy/OpenBLAS SGEMM 2048², a measured proxy for the FMA peak: ${(JSON.parse(peak.stdout) as { gflops: number }).gflops.toFixed(1)} GFLOP/s`,
    );
}
if (!availableBackends().native)
  console.log('boltzflow native not measured: enable it with  sudo apt-get install libopenblas-dev && npm run build:native');
if (missing.length) console.log(`not measured: install them with  sudo apt-get install ${missing.join(' ')}`);
