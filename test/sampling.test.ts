import test from 'ava';
import { lastValueFrom, of } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { clampVisible } from '../operators/clampVisible.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import { Rng } from '../kernels/Rng.js';
import { exactFreeEnergy, exactRbmVisibleLogProbs } from '../models/exactRbm.js';
import { pseudoLikelihood, logSigmoid } from '../models/pseudoLikelihood.js';
import { gibbsBuffers, gibbsChain } from '../models/rbm.js';
import { sampleRbm } from '../models/sampleRbm.js';
import { randomRbm } from './helpers.js';

/** Total variation distance between the empirical distribution of visible states and the exact one. */
function tvDistance(counts: Float64Array, logProbs: Float64Array): number {
  const n = counts.reduce((a, b) => a + b, 0);
  let tv = 0;
  for (let s = 0; s < counts.length; s++) tv += Math.abs(counts[s] / n - Math.exp(logProbs[s]));
  return tv / 2;
}

function stateIndex(row: Float32Array): number {
  let s = 0;
  for (let i = 0; i < row.length; i++) if (row[i]) s |= 1 << i;
  return s;
}

for (const beta of [1, 0.5])
  test(`block Gibbs sampling at T = ${1 / beta} reaches the exact Boltzmann distribution (TV < 0.02, 500 chains × 300 steps)`, (t) => {
    const rbm = randomRbm(5, 3, 21, 0.8);
    // At temperature T the stationary distribution is that of the RBM with all parameters × β.
    const scaled = randomRbm(5, 3, 21, 0.8).params;
    for (const a of [scaled.weights.data, scaled.visibleBias, scaled.hiddenBias]) for (let i = 0; i < a.length; i++) a[i] *= beta;
    const exact = exactRbmVisibleLogProbs(scaled);
    const chains = Matrix.zeros(500, 5);
    const buffers = gibbsBuffers(rbm.params, 500);
    const counts = new Float64Array(32);
    gibbsChain(rbm, chains, 50, buffers, beta); // burn-in
    for (let step = 0; step < 300; step++) {
      gibbsChain(rbm, chains, 1, buffers, beta);
      for (let r = 0; r < 500; r++) counts[stateIndex(chains.row(r))]++;
    }
    const tv = tvDistance(counts, exact);
    t.true(tv < 0.02, `TV distance ${tv}`);
  });

test("gibbsStep with random-start chains and an annealing schedule samples an RBM's exact distribution (TV < 0.04)", async (t) => {
  const rbm = randomRbm(5, 3, 41, 1);
  const neg = await lastValueFrom(
    of(Matrix.zeros(4, 5)).pipe(
      clampVisible(rbm),
      gibbsStep({
        chains: 'random',
        nChains: 20_000,
        k: 20,
        anneal: [
          { temperature: 4, sweeps: 5 },
          { temperature: 2, sweeps: 5 },
        ],
      }),
    ),
  );
  const counts = new Float64Array(32);
  for (let r = 0; r < neg.negativeVisible.rows; r++) counts[stateIndex(neg.negativeVisible.row(r))]++;
  const tv = tvDistance(counts, exactRbmVisibleLogProbs(rbm.params));
  t.log(`TV distance ${tv.toFixed(4)}`);
  t.true(tv < 0.04);
});

test('sampleRbm draws from the model: its samples match the exact distribution (TV < 0.03)', (t) => {
  const rbm = randomRbm(4, 3, 33, 1);
  const { states } = sampleRbm(rbm, { n: 20_000, steps: 30 });
  const counts = new Float64Array(16);
  for (let r = 0; r < states.rows; r++) counts[stateIndex(states.row(r))]++;
  const tv = tvDistance(counts, exactRbmVisibleLogProbs(rbm.params));
  t.true(tv < 0.03, `TV distance ${tv}`);
});

test('pseudo-likelihood is V·ln σ(F(ṽ) − F(v)) with one unit flipped, as scikit-learn defines it (tolerance 1e-4)', (t) => {
  const rbm = randomRbm(6, 4, 5);
  const data = Matrix.from([
    [1, 0, 1, 1, 0, 0],
    [0, 0, 0, 0, 0, 1],
    [1, 1, 1, 1, 1, 1],
    [0.3, 0.5, 1, 0, 0.2, 0.9],
  ]);
  const state = rbm.rng.state();
  const got = pseudoLikelihood(rbm, data);
  const rng = Rng.fromState(state);
  for (let r = 0; r < data.rows; r++) {
    const v = Array.from(data.row(r));
    const flipped = v.slice();
    const i = rng.int(6);
    flipped[i] = 1 - flipped[i];
    const want = 6 * logSigmoid(exactFreeEnergy(rbm.params, flipped) - exactFreeEnergy(rbm.params, v));
    t.true(Math.abs(got[r] - want) < 1e-4, `row ${r}: ${got[r]} vs ${want}`);
    t.true(got[r] <= 0);
  }
});
