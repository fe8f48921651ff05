import test from 'ava';
import { glauberSweeps } from '../kernels/glauber.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { annealMinimum, cutValue, maxCutMachine } from '../models/annealMinimum.js';
import { bmNet, createBm } from '../models/bm.js';
import { completePattern } from '../models/completePattern.js';
import { exactRbmVisibleLogProbs } from '../models/exactRbm.js';
import { hopfieldCapacity, hopfieldRecall, hopfieldStore } from '../models/hopfield.js';
import { randomRbm } from './helpers.js';

function randomPatterns(count: number, n: number, seed: number): Matrix {
  const rng = Rng.fromSeed(seed);
  const m = Matrix.zeros(count, n);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.uniform() < 0.5 ? 1 : -1;
  return m;
}

test('Hopfield: 5 patterns in 100 units are recalled exactly from cues with 10% of bits flipped; the energy never rises', (t) => {
  const patterns = randomPatterns(5, 100, 1);
  const net = hopfieldStore(patterns, 2);
  const rng = Rng.fromSeed(3);
  for (let p = 0; p < 5; p++) {
    const cue = Array.from(patterns.row(p), (x) => (rng.uniform() < 0.1 ? -x : x));
    const r = hopfieldRecall(net, cue);
    t.true(r.converged);
    t.deepEqual(r.state, Array.from(patterns.row(p)));
    for (let k = 1; k < r.energies.length; k++) t.true(r.energies[k] <= r.energies[k - 1] + 1e-9);
  }
});

test('Hopfield capacity: recall holds well below P/n ≈ 0.14 and breaks down well above it (n = 100)', (t) => {
  const [low, high] = hopfieldCapacity(100, [5, 30], { trials: 3, noise: 0.1, seed: 4 });
  t.log(
    `P/n = ${low.loadRatio}: ${(100 * low.recalled).toFixed(0)}% exact, overlap ${low.meanOverlap.toFixed(3)}; P/n = ${high.loadRatio}: ${(100 * high.recalled).toFixed(0)}% exact, overlap ${high.meanOverlap.toFixed(3)}`,
  );
  t.true(low.recalled >= 0.95);
  t.true(high.recalled <= 0.2);
  t.true(high.meanOverlap < low.meanOverlap);
});

test('T → 0: the Boltzmann machine at T = 0.001 follows exactly the path of deterministic Hopfield recall', (t) => {
  // n = 50 and an odd number of patterns keep every field away from 0, so σ(2h/T) is 0 or 1 in float64.
  const patterns = randomPatterns(3, 50, 5);
  const cue = Float32Array.from(patterns.row(0), (x, i) => (i % 7 === 0 ? -x : x));
  const hot = hopfieldStore(patterns, 9),
    cold = hopfieldStore(patterns, 9);
  const a = cue.slice(),
    b = cue.slice();
  for (let sweep = 0; sweep < 5; sweep++) {
    glauberSweeps(bmNet(hot.params), a, 1, 1, 0.001, hot.rng);
    glauberSweeps(bmNet(cold.params), b, 1, 1, 0, cold.rng);
    t.deepEqual(a, b, `sweep ${sweep}`);
  }
  t.deepEqual(Array.from(b), Array.from(patterns.row(0)));
});

test('pattern completion of an RBM matches the exact conditional marginals P(vᵢ = 1 | known units) within 0.03', (t) => {
  const rbm = randomRbm(6, 4, 2, 1);
  const known = Uint8Array.of(1, 1, 1, 0, 0, 0);
  const partial = Float32Array.of(1, 0, 1, 0, 0, 0);
  const c = completePattern(rbm, partial, known, { samples: 4000, steps: 30 });
  const lp = exactRbmVisibleLogProbs(rbm.params);
  let total = 0;
  const on = [0, 0, 0, 0, 0, 0];
  for (let s = 0; s < 64; s++) {
    if ((s & 1) !== 1 || (s & 2) !== 0 || (s & 4) !== 4) continue; // the known units: 1, 0, 1
    const p = Math.exp(lp[s]);
    total += p;
    for (let i = 3; i < 6; i++) if ((s >> i) & 1) on[i] += p;
  }
  for (let i = 3; i < 6; i++) t.true(Math.abs(c.mean[i] - on[i] / total) < 0.03, `unit ${i}: ${c.mean[i]} vs ${on[i] / total}`);
  t.deepEqual(Array.from(c.state.subarray(0, 3)), [1, 0, 1]);
  t.true(c.probability > 0 && c.probability <= 1);
});

test('pattern completion of a Hopfield network restores a stored pattern from its first half', (t) => {
  const patterns = randomPatterns(3, 40, 6);
  const net = hopfieldStore(patterns, 7);
  const known = Uint8Array.from({ length: 40 }, (_, i) => (i < 20 ? 1 : 0));
  const partial = Float32Array.from(patterns.row(1), (x, i) => (i < 20 ? x : 0));
  // Hopfield weights scale as 1/n, so recall wants a cold schedule (the default samples at T = 1).
  const c = completePattern(net, partial, known, {
    samples: 50,
    anneal: [0.5, 0.2, 0.05, 0.01].map((temperature) => ({ temperature, sweeps: 5 })),
  });
  t.deepEqual(Array.from(c.state), Array.from(patterns.row(1)));
  t.true(c.probability > 0.9);
});

test('annealing finds the maximum cut of a random 14-node graph (checked against brute force)', (t) => {
  const rng = Rng.fromSeed(8);
  const edges: Array<[number, number, number]> = [];
  for (let i = 0; i < 14; i++) for (let j = i + 1; j < 14; j++) if (rng.uniform() < 0.35) edges.push([i, j, 1 + rng.int(5)]);
  let best = 0;
  for (let k = 0; k < 1 << 13; k++)
    best = Math.max(
      best,
      cutValue(
        edges,
        Array.from({ length: 14 }, (_, i) => ((k >> i) & 1 ? 1 : -1)),
      ),
    );
  const bm = maxCutMachine(14, edges, 1);
  const found = annealMinimum(
    bm,
    [10, 5, 3, 2, 1, 0.5, 0.2, 0.05].map((temperature) => ({ temperature, sweeps: 20 })),
    20,
  );
  t.log(`maximum cut ${best}; annealing found ${cutValue(edges, found.state)}`);
  t.is(cutValue(edges, found.state), best);
  const total = edges.reduce((s, e) => s + e[2], 0);
  t.true(Math.abs(found.energy - (total - 2 * best)) < 1e-9, 'E = W_total − 2·cut');
  t.is(createBm({ nVisible: 2, nHidden: 0, seed: 1 }).kind, 'bm');
});
