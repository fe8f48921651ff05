import test, { type ExecutionContext } from 'ava';
import { createDbn } from '../models/dbn.js';
import { completeDbm } from '../models/completeDbm.js';
import { completeDbn } from '../models/completeDbn.js';
import type { SampledCompletion } from '../models/completeFromSamples.js';
import { exactRbmVisibleLogProbs } from '../models/exactRbm.js';
import type { Rbm } from '../models/rbm.js';
import {
  bits,
  compose,
  conditionalOf,
  conditionalTable,
  empirical,
  exactDbmVisible,
  exactDbnVisible,
  randomDbm,
  stateIndex,
  times,
  tv,
} from './deepExact.js';
import { randomRbm } from './helpers.js';

// Two of four visible units known (v₀ = 1, v₁ = 0), two unknown: K = 4 completions. With N = 20,000
// chains, E[TV] ≤ ½ √(2/π) √(K/N) = 0.0056 (see deepSampling.test.ts); tolerance 0.015. The mean of
// P(vᵢ | h¹) over N chains has sd ≤ 0.5/√N = 0.0035; tolerance 0.015.
const N = 20_000;
const TOLERANCE = 0.015;
const partial = Float32Array.of(1, 0, 0, 0);
const known = Uint8Array.of(1, 1, 0, 0);
const unknown = [2, 3];

/** The completion's samples against `want` (the distribution of v₂v₃), and its mean against want's marginals. */
function check(t: ExecutionContext, c: SampledCompletion, want: number[]): void {
  t.is(c.samples.rows, N);
  for (let r = 0; r < N; r++) t.true(c.samples.get(r, 0) === 1 && c.samples.get(r, 1) === 0, `row ${r}: the known units as given`);
  const d = tv(empirical(c.samples, unknown), want);
  t.log(`TV ${d.toFixed(4)}`);
  t.true(d < TOLERANCE, `TV ${d}`);
  t.deepEqual([c.mean[0], c.mean[1]], [1, 0]);
  unknown.forEach((i, k) => {
    const marginal = want.reduce((s, p, m) => s + p * bits(m, 2)[k], 0);
    t.true(Math.abs(c.mean[i] - marginal) < TOLERANCE, `unit ${i}: mean ${c.mean[i]}, exact ${marginal}`);
  });
  const mode = want.indexOf(Math.max(...want));
  t.is(stateIndex(c.state.subarray(2)), mode, 'the most frequent completion is the exact mode');
  t.true(Math.abs(c.probability - want[mode]) < TOLERANCE, `P(mode) ${c.probability}, exact ${want[mode]}`);
}

for (const sizes of [
  [4, 3, 2],
  [4, 3, 2, 2],
])
  test(`completeDbm (${sizes.join('-')}): with v₀v₁ clamped, the samples of v₂v₃ match the exact conditional P(v₂v₃ | v₀v₁) by enumeration (TV < ${TOLERANCE}, ${N} chains); mean and mode too`, (t) => {
    // Weights and biases N(0, 2²): strong enough that a sampler that left the layers above h¹ at their
    // start states would be 0.08 away in TV (enumerated), over 5 times the tolerance.
    const dbm = randomDbm(sizes, 75, 2);
    const c = completeDbm(dbm, partial, known, { samples: N, steps: 100 });
    check(t, c, conditionalOf(exactDbmVisible(dbm.params), 4, known, partial));
  });

test(`completeDbn with one layer is clamped Gibbs in its RBM: the exact conditional P(v₂v₃ | v₀v₁) (TV < ${TOLERANCE}, ${N} chains)`, (t) => {
  const rbm = randomRbm(4, 3, 81);
  const c = completeDbn(createDbn([rbm]), partial, known, { samples: N, steps: 50 });
  check(t, c, conditionalOf(Array.from(exactRbmVisibleLogProbs(rbm.params), Math.exp), 4, known, partial));
});

/**
 * The stationary distribution over v₂v₃ of completeDbn's documented up-down chain, enumerated: each
 * sweep samples up through every RBM's hidden conditional, then down through every visible one,
 * and clamps v₀v₁ again.
 */
function upDownStationary(layers: readonly Rbm[]): number[] {
  const params = layers.map((l) => l.params);
  const full = (m: number) => stateIndex([partial[0], partial[1], ...bits(m, 2)]);
  const first = conditionalTable(params[0], true);
  let sweep = [0, 1, 2, 3].map((m) => first[full(m)]);
  for (let l = 1; l < params.length; l++) sweep = compose(sweep, conditionalTable(params[l], true));
  for (let l = params.length - 1; l >= 1; l--) sweep = compose(sweep, conditionalTable(params[l], false));
  sweep = compose(sweep, conditionalTable(params[0], false, unknown));
  let p = [0.25, 0.25, 0.25, 0.25];
  for (let k = 0; k < 2000; k++) p = times(p, sweep);
  return p;
}

for (const sizes of [
  [4, 3, 2],
  [4, 3, 3, 2],
])
  test(`completeDbn (${sizes.join('-')}): the samples follow the stationary distribution of the stated up-down chain, enumerated (TV < ${TOLERANCE}, ${N} chains); its distance from the DBN's exact conditional is logged`, (t) => {
    const layers = sizes.slice(1).map((h, l) => randomRbm(sizes[l], h, 90 + 7 * l + sizes.length));
    const c = completeDbn(createDbn(layers), partial, known, { samples: N, steps: 50 });
    const want = upDownStationary(layers);
    check(t, c, want);
    const exact = conditionalOf(exactDbnVisible(layers.map((l) => l.params)), 4, known, partial);
    t.log(`the up-down chain's conditional is ${tv(want, exact).toFixed(4)} in TV from the exact P(v₂v₃ | v₀v₁) of this DBN`);
  });

test('completeDbm and completeDbn refuse inputs of the wrong length, 0 samples or 0 steps, naming them', (t) => {
  const dbm = randomDbm([4, 3, 2], 1);
  const dbn = createDbn([randomRbm(4, 3, 1)]);
  for (const complete of [
    (p: ArrayLike<number>, k: ArrayLike<number>, o = {}) => completeDbm(dbm, p, k, o),
    (p: ArrayLike<number>, k: ArrayLike<number>, o = {}) => completeDbn(dbn, p, k, o),
  ]) {
    t.throws(() => complete([1, 0, 0], [1, 0, 0]), { message: /^partial\/known: got "lengths 3\/3", expected length 4 each/ });
    t.throws(() => complete(partial, known, { samples: 0 }), { message: /^samples: got 0/ });
    t.throws(() => complete(partial, known, { steps: 0 }), { message: /^steps: got 0/ });
  }
});
