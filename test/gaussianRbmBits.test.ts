import test from 'ava';
import { createHash } from 'node:crypto';
import { last, lastValueFrom } from 'rxjs';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { availableBackends } from '../kernels/selectBackend.js';
import { createRbm } from '../models/rbm.js';
import { randomVisible, scaledVisible } from '../models/visibleUnits.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import type { BackendName } from '../kernels/selectBackend.js';

// A Gaussian RBM's training on the js backend gives the same bytes as before its per-element loops
// moved into kernels/ (main at 411dd1c, the hashes below were printed by that build), and the model
// functions that now call the kernels give the bits of the loops they replaced (copied here).

const rng = Rng.fromSeed(11);
const data = Matrix.zeros(60, 7);
for (let k = 0; k < data.data.length; k++) data.data[k] = rng.normal() + (k % 3) - 1;

/** sha256 (first 16 hex digits) of the trained parameters' bytes. */
async function trainedHash(learnVariance: boolean, method: 'pcd' | 'cd', backend: BackendName): Promise<string> {
  const config = {
    nHidden: 5,
    visibleUnits: 'gaussian',
    learnVariance,
    batchSize: 16,
    epochs: 3,
    learningRate: 0.01,
    method,
    k: 1, // as at 411dd1c, where k's default was 1
    keepHidden: true, // as at 411dd1c, where PCD chains kept their hidden states
    backend,
    seed: 4,
  } as const;
  const e = await lastValueFrom(trainRbm({ data, config }).pipe(last()));
  const p = e.model.params,
    h = createHash('sha256');
  for (const a of [p.weights.data, p.visibleBias, p.hiddenBias, p.logVariance!])
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 16);
}

const before: Array<[boolean, 'pcd' | 'cd', string]> = [
  [true, 'pcd', 'd1dc6d5886bd11e3'],
  [true, 'cd', '67bf29dd94410949'],
  [false, 'pcd', '9dd66325ad33a9fb'],
  [false, 'cd', '6bd84fea59b21193'],
];
for (const [learnVariance, method, hash] of before)
  test(`js: a Gaussian RBM trained by ${method}, learnVariance ${learnVariance}, has the bytes it had before the kernels (main 411dd1c)`, async (t) => {
    t.is(await trainedHash(learnVariance, method, 'js'), hash);
  });

for (const name of Object.keys(availableBackends()).filter((n) => n !== 'js') as BackendName[])
  test(`${name}: a Gaussian RBM with learned variance trains to the same bytes twice from one seed`, async (t) => {
    t.is(await trainedHash(true, 'pcd', name), await trainedHash(true, 'pcd', name));
  });

/** A Gaussian RBM on js with ln σ² drawn from the seed (nonzero). */
function gaussian(seed: number) {
  const rbm = createRbm({ nVisible: 7, nHidden: 3, seed, visibleUnits: { type: 'gaussian', learnVariance: true }, backend: jsBackend });
  const r = Rng.fromSeed(seed + 1);
  for (let i = 0; i < 7; i++) {
    rbm.params.logVariance![i] = r.uniform() - 0.5;
    rbm.params.visibleBias[i] = r.normal();
  }
  return rbm;
}

test('js: scaledVisible and randomVisible give the bits and generator states of the loops they replaced', (t) => {
  const rbm = gaussian(2),
    z = rbm.params.logVariance!;
  const v = data.topRows(9);
  const scaled = Float32Array.from(v.data, (x, k) => x * Math.exp(-z[k % 7]));
  t.deepEqual(Array.from(scaledVisible(rbm.params, v, jsBackend).data), Array.from(scaled));
  z.fill(0);
  t.is(scaledVisible(rbm.params, v, jsBackend), v, 'unit variances: v itself');
  const g = gaussian(3),
    old = Rng.fromState(g.rng.state());
  const expected = new Float32Array(5 * 7);
  for (let k = 0; k < expected.length; k++)
    expected[k] = g.params.visibleBias[k % 7] + Math.exp(0.5 * g.params.logVariance![k % 7]) * old.normal();
  const chains = Matrix.zeros(5, 7);
  randomVisible(g, chains);
  t.deepEqual(Array.from(chains.data), Array.from(expected), 'Gaussian random starts');
  t.deepEqual(g.rng.state(), old.state());
  const b = createRbm({ nVisible: 7, nHidden: 3, seed: 5, backend: jsBackend }),
    coins = Rng.fromState(b.rng.state());
  const flips = Float32Array.from({ length: 35 }, () => (coins.uniform() < 0.5 ? 1 : 0));
  randomVisible(b, chains);
  t.deepEqual(Array.from(chains.data), Array.from(flips), 'Bernoulli random starts');
  t.deepEqual(b.rng.state(), coins.state());
});
