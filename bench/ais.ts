/**
 * AIS (and RAISE) speed on a 784×500 RBM: runs × temperatures, each variant in its own process
 * (a child of this script), side by side, with the seconds, the ratio to the first variant and
 * the GEMM GFLOP/s (2 products of runs × 784 × 500 per temperature, 2 flops each).
 *
 * Run: `npm run bench:ais [steps=1450] [runs=100] [variants=ais,raise] [other=DIST]` (the paper's
 * schedule is 14,500 steps). A variant is `ais` or `raise`, optionally `@backend` (`ais@wasm`);
 * `before` is AIS from another build's dist folder (`other`, e.g. a worktree of main). The model has
 * MNIST-like base rates as visible biases and N(0, 0.05²) weights (speed does not depend on
 * training). Not part of `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { selectBackend } from '../kernels/selectBackend.js';
import type * as AisModule from '../models/ais.js';
import { aisBetas } from '../models/ais.js';
import { createRaise } from '../models/raise.js';
import { createRbm } from '../models/rbm.js';
import { positiveInteger } from './args.js';

const NV = 784,
  NH = 500;

/** A 784×500 model whose visible biases give MNIST's density of on pixels (about 13%). */
function benchModel(backend: string) {
  const rbm = createRbm({ nVisible: NV, nHidden: NH, seed: 1, backend: selectBackend(backend) });
  const rng = Rng.fromSeed(7);
  const w = rbm.params.weights.data;
  for (let i = 0; i < w.length; i++) w[i] = 0.05 * rng.normal();
  const base = new Float32Array(NV);
  for (let i = 0; i < NV; i++) base[i] = rng.uniform() < 0.6 ? -6 : rng.normal();
  rbm.params.visibleBias.set(base);
  return { rbm, base, rng };
}

const [, , mode] = process.argv;
if (mode === '--child') {
  const [variant, backend = 'auto'] = process.argv[3].split('@');
  const steps = Number(process.argv[4]),
    runs = Number(process.argv[5]);
  const { rbm, base, rng } = benchModel(backend);
  const betas = aisBetas(steps);
  const start = performance.now(),
    cpu0 = process.cpuUsage();
  let value: number;
  if (variant === 'raise') {
    // `runs` test vectors (one chain each), drawn from the base-rate model.
    const data = Matrix.zeros(runs, NV);
    for (let r = 0; r < runs; r++)
      for (let i = 0; i < NV; i++) data.data[r * NV + i] = rng.uniform() < 1 / (1 + Math.exp(-base[i])) ? 1 : 0;
    const raise = createRaise(rbm, data, { baseVisibleBias: base, betas, runs: 1, seed: 1 });
    raise.advance(Infinity);
    value = raise.result().logProbabilities.reduce((a, b) => a + b, 0) / runs;
  } else {
    // `before`: the other build's AIS (argument 6, its dist folder) on the same model.
    const dist = variant === 'before' ? process.argv[6] : fileURLToPath(new URL('..', import.meta.url));
    const { createAis } = (await import(join(dist, 'models', 'ais.js'))) as typeof AisModule;
    const ais = createAis(rbm, { baseVisibleBias: base, betas, runs, seed: 1 });
    ais.advance(Infinity);
    value = ais.result().logZ;
  }
  const seconds = (performance.now() - start) / 1000,
    cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(JSON.stringify({ variant: process.argv[3], backend: rbm.backend.name, steps, runs, seconds, cpuSeconds, value }));
} else {
  const steps = positiveInteger(0, 'steps', 1450);
  const runs = positiveInteger(1, 'runs', 100);
  const variants = (process.argv[4] ?? 'ais,raise').split(',');
  const other = process.argv[5] ?? '';
  const rows = variants.map((v) => {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', v, String(steps), String(runs), other], {
      encoding: 'utf8',
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as {
      variant: string;
      backend: string;
      seconds: number;
      cpuSeconds: number;
      value: number;
    };
    console.log(JSON.stringify(r));
    return r;
  });
  const flops = 2 * 2 * runs * NV * NH * steps;
  console.log(
    `\n| variant | backend | seconds | CPU seconds | ratio to ${rows[0].variant} | GEMM GFLOP/s | estimate |\n|---|---|---|---|---|---|---|`,
  );
  for (const r of rows)
    console.log(
      `| ${r.variant} | ${r.backend} | ${r.seconds.toFixed(2)} | ${r.cpuSeconds.toFixed(2)} | ${(r.seconds / rows[0].seconds).toFixed(2)} | ${(flops / r.seconds / 1e9).toFixed(1)} | ${r.value.toFixed(3)} |`,
    );
  console.log(
    `(${runs} runs × ${steps} temperatures, 784×500; ${steps === 14_500 ? "the paper's schedule" : `× ${(14_500 / steps).toFixed(1)} for the paper's 14,500`})`,
  );
}
