import test from 'ava';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { createDbn, sampleDbn } from '../models/dbn.js';
import { sampleDbm } from '../models/sampleDbm.js';
import { bits, empirical, exactDbmVisible, exactDbnVisible, randomDbm, tv } from './deepExact.js';
import { randomRbm } from './helpers.js';

// Tolerances: for K states and N independent samples, E[TV] = ½ Σ E|p̂ − p| ≤ ½ √(2/π) Σ √(p(1−p)/N)
// ≤ ½ √(2/π) √(K/N) (Cauchy–Schwarz): 0.0113 for K = 16, N = 20,000; TV's own spread is a fraction of
// that. Tolerance 0.025, over twice the worst-case mean. A sampler that drops a layer's update or
// the top-down input moves TV by 0.1 or more on these random models (seen by mutation).
const N = 20_000;
const TOLERANCE = 0.025;

for (const sizes of [
  [4, 3, 2],
  [4, 3, 2, 2],
])
  for (const start of ['biases', 'random'] as const)
    test(`sampleDbm (${sizes.join('-')}, ${start} start): the chains' visible states after 50 sweeps match the exact P(v) by enumeration (TV < ${TOLERANCE}, ${N} chains), and the mean of the returned P(v | h¹) matches E[v] (±0.015)`, (t) => {
      const dbm = randomDbm(sizes, sizes.length * 10 + (start === 'random' ? 1 : 0));
      const { states, probs } = sampleDbm(dbm, { n: N, steps: 50, start });
      const exact = exactDbmVisible(dbm.params);
      const d = tv(empirical(states[0], [0, 1, 2, 3]), Array.from(exact));
      t.log(`TV ${d.toFixed(4)}`);
      t.true(d < TOLERANCE, `TV ${d}`);
      t.deepEqual(
        states.map((s) => [s.rows, s.cols]),
        sizes.map((n) => [N, n]),
      );
      // E[v_i] = Σ_v P(v) v_i; the chains' mean of P(v_i | h¹) has sd ≤ 0.5/√N = 0.0035: 0.015 is over 4 sd.
      for (let i = 0; i < 4; i++) {
        const want = exact.reduce((s, p, v) => s + p * bits(v, 4)[i], 0);
        let got = 0;
        for (let r = 0; r < N; r++) got += probs.get(r, i) / N;
        t.true(Math.abs(got - want) < 0.015, `unit ${i}: mean P(v | h¹) ${got}, exact E[v] ${want}`);
      }
    });

test('sampleDbm with 0 steps returns P(v | h¹) of the start states; it refuses n < 1 and steps < 0 naming them', (t) => {
  const dbm = randomDbm([4, 3, 2], 5);
  const { states, probs } = sampleDbm(dbm, { n: 3, steps: 0 });
  for (let r = 0; r < 3; r++)
    for (let i = 0; i < 4; i++) {
      let x = dbm.params.biases[0][i];
      for (let j = 0; j < 3; j++) x += dbm.params.weights[0].get(i, j) * states[1].get(r, j);
      t.true(Math.abs(probs.get(r, i) - 1 / (1 + Math.exp(-x))) < 1e-6);
    }
  t.throws(() => sampleDbm(dbm, { n: 0, steps: 1 }), { message: /^n: got 0, expected an integer ≥ 1/ });
  t.throws(() => sampleDbm(dbm, { n: 1, steps: -1 }), { message: /^steps: got -1, expected an integer ≥ 0/ });
});

for (const sizes of [
  [4, 3],
  [4, 3, 2],
  [4, 3, 3, 2],
])
  test(`sampleDbn (${sizes.join('-')}): v drawn from the returned P(v | h¹) matches the exact P(v) — the top RBM's exact marginal, then the directed layers down (TV < ${TOLERANCE}, ${N} samples)`, (t) => {
    const layers = sizes.slice(1).map((h, l) => randomRbm(sizes[l], h, 50 + 7 * l + sizes.length));
    const probs = sampleDbn(createDbn(layers), N, { gibbsSteps: 50 });
    const rng = Rng.fromSeed(3);
    const v = Matrix.zeros(N, 4);
    for (let k = 0; k < v.data.length; k++) v.data[k] = rng.uniform() < probs.data[k] ? 1 : 0;
    const d = tv(empirical(v, [0, 1, 2, 3]), exactDbnVisible(layers.map((l) => l.params)));
    t.log(`TV ${d.toFixed(4)}`);
    t.true(d < TOLERANCE, `TV ${d}`);
  });
