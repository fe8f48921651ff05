import test from 'ava';
import { lastValueFrom, of } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { hiddenProbs, type RbmParams } from '../models/rbm.js';
import { clampVisible } from '../operators/clampVisible.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import { allStates, randomRbm } from './helpers.js';

// CD-k runs exactly k block-Gibbs steps from the data: at temperature 1 the negative visible
// states of CD-k started at v⁰ are distributed as row v⁰ of Tᵏ, T(v → v') = Σ_h P(h | v) P(v' | h),
// enumerated exactly on a 3-2 RBM (8 visible states); at another temperature, as `cd` below says.
// One more or one fewer step (k ± 1) is far away. Tolerances: with 20,000 chains the total variation's sampling error is about 0.005.

const V = 3,
  H = 2,
  ROWS = 20000;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The exact half-steps of block Gibbs at inverse temperature β: P_β(h | v) (8×4) and P_β(v' | h) (4×8), float64. */
function halfSteps(p: RbmParams, beta: number): { up: number[][]; down: number[][] } {
  const vs = allStates(V),
    hs = allStates(H);
  const w = (i: number, j: number) => p.weights.data[i * H + j];
  const bit = (on: number, x: number) => (on ? sigmoid(beta * x) : 1 - sigmoid(beta * x));
  const up = Array.from({ length: 1 << V }, (_, v) =>
    Array.from({ length: 1 << H }, (_, h) => {
      let q = 1;
      for (let j = 0; j < H; j++)
        q *= bit(hs.get(h, j), p.hiddenBias[j] + Array.from({ length: V }, (_, i) => vs.get(v, i) * w(i, j)).reduce((a, b) => a + b));
      return q;
    }),
  );
  const down = Array.from({ length: 1 << H }, (_, h) =>
    Array.from({ length: 1 << V }, (_, v) => {
      let q = 1;
      for (let i = 0; i < V; i++)
        q *= bit(vs.get(v, i), p.visibleBias[i] + Array.from({ length: H }, (_, j) => hs.get(h, j) * w(i, j)).reduce((a, b) => a + b));
      return q;
    }),
  );
  return { up, down };
}

/** A distribution (row vector) times a matrix. */
const times = (row: number[], m: number[][]) => m[0].map((_, b) => row.reduce((acc, x, a) => acc + x * m[a][b], 0));

/**
 * The distribution of CD-k's negative visible states from v⁰ as the sampler defines it: the first
 * half-step goes down from the positive phase's sample h⁰ ~ P(h | v⁰) (at β = 1, as clampVisible
 * draws it), through P_β(v | h); then k − 1 full steps v → h → v at β. At β = 1 that is row v⁰ of Tᵏ.
 */
function cd(p: RbmParams, from: number, k: number, beta: number): number[] {
  const hot = halfSteps(p, beta),
    data = halfSteps(p, 1);
  let row = times(data.up[from], hot.down);
  for (let s = 1; s < k; s++) row = times(times(row, hot.up), hot.down);
  return row;
}

const tv = (a: number[], b: number[]) => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0) / 2;

for (const { k, temperature, anneal } of [
  { k: 1, temperature: 1 },
  { k: 2, temperature: 1 },
  { k: 3, temperature: 1 },
  { k: 2, temperature: 2 },
  // An annealing schedule runs first: 2 sweeps at T = 1, then CD-1, are 3 steps from the data.
  { k: 1, temperature: 1, anneal: [{ temperature: 1, sweeps: 2 }] },
])
  test(`CD-${k} at temperature ${temperature}${anneal ? ' after 2 annealing sweeps' : ''}: the negative states of ${ROWS} copies of v⁰ follow the exact CD-${k + (anneal?.[0].sweeps ?? 0)} distribution (total variation < 0.02), and k ± 1 steps are > 0.1 away; P(h | negative states) exact (1e-6)`, async (t) => {
    // Seed and scale picked (by enumeration) for slow mixing: from v⁰ = (0, 1, 0), Tᵏ moves > 0.13 per step for k ≤ 4.
    const rbm = randomRbm(V, H, 274, 4);
    const start = 0b010;
    const data = Matrix.from(Array.from({ length: ROWS }, () => [0, 1, 0]));
    const neg = await lastValueFrom(of(data).pipe(clampVisible(rbm), gibbsStep({ k, temperature, anneal, chains: 'data' })));
    const counts = new Array<number>(1 << V).fill(0);
    for (let r = 0; r < ROWS; r++) {
      let s = 0;
      for (let i = 0; i < V; i++) s |= neg.negativeVisible.get(r, i) << i;
      counts[s] += 1 / ROWS;
    }
    const steps = k + (anneal?.[0].sweeps ?? 0);
    const exact = cd(rbm.params, start, steps, 1 / temperature);
    const gap = tv(exact, counts);
    t.true(gap < 0.02, `total variation ${gap} from the exact CD-${k} distribution`);
    const fewer = steps > 1 ? cd(rbm.params, start, steps - 1, 1 / temperature) : exact.map((_, b) => (b === start ? 1 : 0));
    t.true(
      tv(exact, fewer) > 0.1 && tv(exact, cd(rbm.params, start, steps + 1, 1 / temperature)) > 0.1,
      `teeth: CD-${k} is far from k ± 1 steps`,
    );
    const probs = hiddenProbs(rbm, neg.negativeVisible, Matrix.zeros(ROWS, H), 1 / temperature);
    t.true(
      probs.data.every((x, i) => Math.abs(x - neg.negativeHiddenProbs.data[i]) < 1e-6),
      'negativeHiddenProbs is P(h | negative states)',
    );
    t.log(`CD-${k}, T = ${temperature}: total variation ${gap.toFixed(4)}`);
  });
