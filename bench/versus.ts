/**
 * This build against another build of boltzflow, side by side in one process: one training epoch
 * of a 784→500 RBM on the same MNIST digits (batch 100, CD-1 and PCD-1) on every backend both
 * builds have, the two builds taking turns for `repeats` rounds so that the machine's slow and fast
 * spells fall on both. Prints each one's median seconds per epoch, all its epochs, and the ratio
 * other / this (above 1: this build is faster). Each epoch runs in a fresh process of its build (two
 * wasm modules in one process slow each other). Both run the relaxed-SIMD wasm build, as the CLI does.
 *
 * With `gaussian` after them, the same for Gaussian visible units on standardised digits, with the
 * variance fixed (`gaussian`) and learned (`gaussian+z`), instead of binary ones.
 *
 * Run: `npm run build && node dist/bench/versus.js PATH/TO/other/dist [rows=10000] [repeats=3] [gaussian]`
 * (e.g. a worktree of an earlier commit, built with `npm run build`).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { last, lastValueFrom, type Observable } from 'rxjs';
import { enableRelaxedSimd } from '../kernels/enableRelaxedSimd.js';
import { availableBackends, type BackendName } from '../kernels/selectBackend.js';
import type { loadDataset } from '../sources/loadDataset.js';
import { positiveInteger } from './args.js';

const otherDist = process.argv[2];
if (!otherDist) {
  console.error('usage: node dist/bench/versus.js PATH/TO/other/dist [rows=10000] [repeats=3] [gaussian]');
  process.exit(2);
}
const rows = positiveInteger(1, 'rows', 10_000);
const repeats = positiveInteger(2, 'repeats', 3);
enableRelaxedSimd(); // the other build, if older, turns it on itself when it loads

type Train = (options: { data: unknown; config: Record<string, unknown> }) => Observable<unknown>;

// A child: one epoch of one build, timed, printed as seconds. Each build runs in processes of its
// own: two wasm modules and their helper threads in one process slow each other down.
if (process.argv[5] === '--child') {
  const [dist, backend, method, units] = [process.argv[2], process.argv[6], process.argv[7], process.argv[8]];
  const { trainRbm: train } = (await import(pathToFileURL(resolve(dist, 'pipelines/trainRbm.js')).href)) as { trainRbm: Train };
  const { loadDataset: load } = (await import(pathToFileURL(resolve(dist, 'sources/loadDataset.js')).href)) as {
    loadDataset: typeof loadDataset;
  };
  let { data } = await load('mnist', { limit: rows });
  const gaussian = units !== 'bernoulli' ? { visibleUnits: 'gaussian', learnVariance: units === 'gaussian+z' } : {};
  if (units !== 'bernoulli') {
    const { fitStandardization: fit, standardize } = (await import(pathToFileURL(resolve(dist, 'models/standardize.js')).href)) as {
      fitStandardization: (d: typeof data) => unknown;
      standardize: (d: typeof data, s: unknown) => typeof data;
    };
    data = standardize(data, fit(data));
  }
  const t0 = performance.now();
  await lastValueFrom(train({ data, config: { nHidden: 500, method, batchSize: 100, epochs: 1, backend, ...gaussian } }).pipe(last()));
  console.log((performance.now() - t0) / 1000);
  process.exit(0);
}

const thisDist = fileURLToPath(new URL('..', import.meta.url));
const builds: [string, string][] = [
  ['this', thisDist],
  ['other', otherDist],
];
const backends = (Object.keys(availableBackends()) as BackendName[]).filter((b) => b !== 'js');
const unitKinds = process.argv[5] === 'gaussian' ? ['gaussian', 'gaussian+z'] : ['bernoulli'];
const times = new Map<string, number[]>();
for (let round = 0; round < repeats; round++)
  for (const backend of backends)
    for (const method of methods())
      for (const [name, dist] of round % 2 ? [...builds].reverse() : builds) {
        const [m, units] = method.split(' ');
        const child = spawnSync(
          process.execPath,
          [fileURLToPath(import.meta.url), dist, String(rows), String(repeats), '--child', backend, m, units],
          { encoding: 'utf8' },
        );
        const seconds = Number(child.stdout.trim().split('\n').pop());
        if (child.status !== 0 || !Number.isFinite(seconds)) throw new Error(`${name} ${backend} ${method}: ${child.stderr}`);
        const key = `${backend} ${method} ${name}`;
        times.set(key, [...(times.get(key) ?? []), seconds]);
      }
/** Each method with its visible units ("cd bernoulli", …). */
function methods(): string[] {
  return unitKinds.flatMap((u) => ['cd', 'pcd'].map((m) => `${m} ${u}`));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `one epoch of a 784→500 RBM on ${rows} MNIST digits, batch 100; ${repeats} epochs each, each in a process of its own, the builds taking turns`,
);
console.log(`visible units: ${unitKinds.join(', ')}`);
console.log('backend  method  this (s)  other (s)  other/this   this: all epochs | other: all epochs');
for (const backend of backends)
  for (const method of methods()) {
    const a = times.get(`${backend} ${method} this`)!,
      b = times.get(`${backend} ${method} other`)!;
    console.log(
      `${backend.padEnd(8)} ${method.padEnd(7)} ${median(a).toFixed(2).padStart(8)} ${median(b).toFixed(2).padStart(10)} ${(median(b) / median(a)).toFixed(2).padStart(11)}   ${a.map((x) => x.toFixed(2)).join(' ')} | ${b.map((x) => x.toFixed(2)).join(' ')}`,
    );
  }
