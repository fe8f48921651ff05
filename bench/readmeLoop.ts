/**
 * The README's hand-composed loop (clampVisible → gibbsStep → collectStats → applyUpdate, 784→64,
 * PCD-1, 2000 MNIST digits, 2 epochs of batch 100, seed 1) against `trainRbm` on the same data and
 * seeds: the last minibatch's reconstruction error, and the mean reconstruction error and
 * pseudo-log-likelihood of 1000 test digits. The loop runs as the README writes it (`data` given:
 * biases at the data's log-odds, the fastest backend), and as it was written before (no `data`: zero
 * visible biases; `js`: on the js backend).
 *
 * Run: `npm run build && node dist/bench/readmeLoop.js`. Not part of `npm test`.
 */
import { from, last, lastValueFrom } from 'rxjs';
import { jsBackend } from '../kernels/jsBackend.js';
import { Rng } from '../kernels/Rng.js';
import { mean } from '../models/logProbability.js';
import { pseudoLikelihood } from '../models/pseudoLikelihood.js';
import { createRbm, rbmFromParams, type CreateRbmOptions, type Rbm } from '../models/rbm.js';
import { reconstructionError } from '../models/reconstructionError.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { loadDataset } from '../sources/loadDataset.js';
import { minibatches } from '../sources/minibatches.js';

const { data } = await loadDataset('mnist', { limit: 2000 });
const { data: test } = await loadDataset('mnist:test', { limit: 1000 });
const settings = { learningRate: 0.05, momentum: 0.5, weightDecay: 1e-4 };

function report(name: string, rbm: Rbm, steps: number, recon: number, ms: number): void {
  const testRecon = mean(reconstructionError(rbm, test));
  // Pseudo-likelihood flips one random unit per row: its own generator, the same for every model.
  const pl = mean(pseudoLikelihood(rbmFromParams(rbm.params, Rng.fromSeed(7), rbm.backend), test));
  console.log(
    `${name.padEnd(44)} ${rbm.backend.name.padEnd(7)} ${String(steps).padStart(5)} ${recon.toFixed(2).padStart(11)} ${testRecon.toFixed(2).padStart(11)} ${pl.toFixed(2).padStart(9)} ${String(Math.round(ms)).padStart(7)}`,
  );
}

console.log(`${'run'.padEnd(44)} backend steps batch recon  test recon  test PL      ms`);
for (const [name, extra] of [
  ['README loop, as it was (no data, js)', { backend: jsBackend }],
  ['README loop, no data (zero visible biases)', {}],
  ['README loop, as written now (data)', { data }],
] as Array<[string, Partial<CreateRbmOptions>]>) {
  const t0 = performance.now();
  const rbm = createRbm({ nVisible: 784, nHidden: 64, seed: 1, ...extra });
  const e = await lastValueFrom(
    from(minibatches(data, { batchSize: 100, epochs: 2, seed: 1 })).pipe(
      clampVisible(rbm),
      gibbsStep({ k: 1, chains: 'persistent' }),
      collectStats(),
      applyUpdate(settings),
      last(),
    ),
  );
  report(name, e.model, e.step, e.metrics.reconstructionError, performance.now() - t0); // the trained model (the state's, not `rbm`)
}
for (const [name, config] of [
  ["trainRbm, the loop's settings", { nHidden: 64, method: 'pcd', epochs: 2, learningRateSchedule: 'constant', ...settings }],
  ["trainRbm, the README's (defaults)", { nHidden: 64, method: 'pcd', epochs: 2 }],
] as const) {
  const t0 = performance.now();
  const e = await lastValueFrom(trainRbm({ data, config }).pipe(last()));
  report(name, e.model, e.step, e.metrics.reconstructionError, performance.now() - t0);
}
