import test from 'ava';
import { last, lastValueFrom, of } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { classifyByFreeEnergy } from '../models/classifyByFreeEnergy.js';
import { freeEnergy } from '../models/freeEnergy.js';
import { createRbm, rbmEnergy, gibbsBuffers, gibbsChain, hiddenProbs, visibleProbs, type Rbm } from '../models/rbm.js';
import type { VisibleUnits } from '../models/visibleUnits.js';
import { clampVisible } from '../operators/clampVisible.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { allStates, logSumExp } from './helpers.js';

// 3 Bernoulli units and one 3-way softmax group (columns 3..5), 2 hidden units, N(0, 1) parameters.
// The valid visible states are the 2³ · 3 = 24 with exactly one label column on.
const units: VisibleUnits = { type: 'bernoulli', softmaxGroups: [{ start: 3, size: 3 }] };
function model(seed: number): Rbm {
  const rbm = createRbm({ nVisible: 6, nHidden: 2, seed, visibleUnits: units });
  const rng = Rng.fromSeed(seed + 1000);
  const p = rbm.params;
  for (let k = 0; k < p.weights.data.length; k++) p.weights.data[k] = rng.normal();
  for (let i = 0; i < 6; i++) p.visibleBias[i] = rng.normal();
  for (let j = 0; j < 2; j++) p.hiddenBias[j] = rng.normal();
  return rbm;
}
const rbm = model(1);
const H = allStates(2);
const valid = Matrix.zeros(24, 6);
for (let s = 0; s < 24; s++) valid.row(s).set([s & 1, (s >> 1) & 1, (s >> 2) & 1, 0, 0, 0].map((x, i) => (i === 3 + (s >> 3) ? 1 : x)));

test("P(v | h) with a softmax group: the sigmoid units and the group's softmax equal the exact conditionals over the 24 valid states; tolerance 2e-6", (t) => {
  const probs = visibleProbs(rbm, H, Matrix.zeros(H.rows, 6));
  for (let h = 0; h < H.rows; h++) {
    const logw = Array.from({ length: 24 }, (_, s) => -rbmEnergy(rbm.params, valid.row(s), H.row(h)));
    const z = logSumExp(logw);
    for (let i = 0; i < 6; i++) {
      const exact = Math.exp(logSumExp(logw.filter((_, s) => valid.get(s, i) === 1)) - z);
      t.true(Math.abs(probs.get(h, i) - exact) < 2e-6, `h ${h}, unit ${i}: ${probs.get(h, i)} vs ${exact}`);
    }
    t.true(Math.abs(probs.get(h, 3) + probs.get(h, 4) + probs.get(h, 5) - 1) < 1e-6);
  }
});

test('block Gibbs with a softmax group samples the exact distribution over the 24 valid states: total variation < 0.02 over 30,000 chains', (t) => {
  const n = 30_000;
  const v = Matrix.zeros(n, 6);
  for (let r = 0; r < n; r++) v.row(r).set(valid.row(r % 24));
  gibbsChain(rbm, v, 50, gibbsBuffers(rbm.params, n));
  const counts = new Array(24).fill(0);
  for (let r = 0; r < n; r++) {
    const label = [3, 4, 5].filter((i) => v.get(r, i) === 1);
    t.is(label.length, 1, `chain ${r} has exactly one label on`);
    counts[v.get(r, 0) + 2 * v.get(r, 1) + 4 * v.get(r, 2) + 8 * (label[0] - 3)]++;
  }
  const f = freeEnergy(rbm, valid);
  const lz = logSumExp(Array.from(f, (x) => -x));
  let tv = 0;
  for (let s = 0; s < 24; s++) tv += Math.abs(counts[s] / n - Math.exp(-f[s] - lz)) / 2;
  t.log(`total variation ${tv.toFixed(4)}`);
  t.true(tv < 0.02, `total variation ${tv.toFixed(4)}`);
});

test('classifyByFreeEnergy gives P(y | x) equal to the exact conditional from the joint over h and y; tolerance 1e-5', (t) => {
  const x = Matrix.zeros(8, 6);
  for (let s = 0; s < 8; s++) x.row(s).set([s & 1, (s >> 1) & 1, (s >> 2) & 1, 0.3, 0.3, 0.4]);
  const { labels, logProbs } = classifyByFreeEnergy(rbm, x);
  for (let s = 0; s < 8; s++) {
    const joint = [0, 1, 2].map((y) =>
      logSumExp(Array.from({ length: 4 }, (_, h) => -rbmEnergy(rbm.params, valid.row(s + 8 * y), H.row(h)))),
    );
    const z = logSumExp(joint);
    for (let y = 0; y < 3; y++)
      t.true(Math.abs(logProbs[s * 3 + y] - (joint[y] - z)) < 1e-5, `x ${s}, y ${y}: ${logProbs[s * 3 + y]} vs ${joint[y] - z}`);
    t.is(labels[s], joint.indexOf(Math.max(...joint)));
  }
});

test('clampVisible refuses a label group that does not sum to 1, naming the row and columns; createRbm refuses overlapping groups', async (t) => {
  const bad = Matrix.from([[1, 0, 1, 1, 1, 0]]);
  await t.throwsAsync(lastValueFrom(of(bad).pipe(clampVisible(rbm))), { message: /row 0, columns 3\.\.5.*summing to 2/ });
  t.throws(
    () =>
      createRbm({
        nVisible: 6,
        nHidden: 2,
        seed: 1,
        visibleUnits: {
          type: 'bernoulli',
          softmaxGroups: [
            { start: 2, size: 3 },
            { start: 4, size: 2 },
          ],
        },
      }),
    {
      message: /softmaxGroups\[1\]/,
    },
  );
});

test('a classification RBM trained jointly on inputs and labels predicts the labels of a toy problem (error < 5%)', async (t) => {
  // Label k ∈ {0,1,2} switches on bits 2k and 2k+1 of 6 (each flipped with probability 0.1).
  const rng = Rng.fromSeed(3);
  const make = (rows: number) => {
    const m = Matrix.zeros(rows, 9);
    const y = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      y[r] = rng.int(3);
      for (let i = 0; i < 6; i++) m.data[r * 9 + i] = (Math.floor(i / 2) === y[r] ? 1 : 0) ^ (rng.uniform() < 0.1 ? 1 : 0);
      m.data[r * 9 + 6 + y[r]] = 1;
    }
    return { m, y };
  };
  const train = make(900),
    held = make(300);
  const visibleUnits: VisibleUnits = { type: 'bernoulli', softmaxGroups: [{ start: 6, size: 3 }] };
  const final = await lastValueFrom(
    trainRbm({ data: train.m, visibleUnits, config: { nHidden: 8, epochs: 20, batchSize: 10, learningRate: 0.05, backend: 'js' } }).pipe(
      last(),
    ),
  );
  const { labels } = classifyByFreeEnergy(final.model, held.m);
  const errors = labels.reduce((n, l, r) => n + (l === held.y[r] ? 0 : 1), 0);
  t.true(errors / held.m.rows < 0.05, `held-out error ${((100 * errors) / held.m.rows).toFixed(1)}%`);
  t.log(`held-out error ${((100 * errors) / held.m.rows).toFixed(1)}%`);
  // Check hidden probabilities still work on the joint model.
  t.is(hiddenProbs(final.model, held.m, Matrix.zeros(held.m.rows, 8)).rows, 300);
});
