import test from 'ava';
import { createUnitStats, glauberSweeps, parallelSweeps } from '../kernels/glauber.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { annealStates, bmEnergy, bmNet, createBm, encoderMask, layeredMask, randomizeStates, type Bm } from '../models/bm.js';
import { clampedMoments } from '../models/bmPhases.js';
import { exactBmLogPartition, exactBmLogProbs, exactBmMoments, exactKl, visibleDistribution } from '../models/exactBm.js';
import { logSumExp } from './helpers.js';

function randomBm(
  nVisible: number,
  nHidden: number,
  seed: number,
  options: { spin?: boolean; scale?: number; mask?: Uint8Array } = {},
): Bm {
  const bm = createBm({ nVisible, nHidden, seed, spin: options.spin, mask: options.mask, weightStd: options.scale ?? 1 });
  const rng = Rng.fromSeed(seed + 99);
  for (let i = 0; i < bm.params.nUnits; i++) bm.params.bias[i] = (options.scale ?? 1) * rng.normal() * 0.5;
  return bm;
}

function stateIndex(s: Float32Array): number {
  let k = 0;
  for (let i = 0; i < s.length; i++) if (s[i] > 0) k |= 1 << i;
  return k;
}

function tv(counts: Float64Array, logProbs: Float64Array): number {
  const total = counts.reduce((a, b) => a + b, 0);
  let d = 0;
  for (let k = 0; k < counts.length; k++) d += Math.abs(counts[k] / total - Math.exp(logProbs[k]));
  return d / 2;
}

/** KL(empirical ‖ exact) = Σ p̂ ln(p̂ / p), in nats. */
function kl(counts: Float64Array, logProbs: Float64Array): number {
  const total = counts.reduce((a, b) => a + b, 0);
  let d = 0;
  for (let k = 0; k < counts.length; k++) if (counts[k] > 0) d += (counts[k] / total) * (Math.log(counts[k] / total) - logProbs[k]);
  return d;
}

function histogram(bm: Bm, temperature: number, sweep: (states: Matrix) => void, chains = 300, samples = 300): Float64Array {
  const states = Matrix.zeros(chains, bm.params.nUnits);
  randomizeStates(bm, states);
  for (let b = 0; b < 50; b++) sweep(states);
  const counts = new Float64Array(2 ** bm.params.nUnits);
  for (let s = 0; s < samples; s++) {
    sweep(states);
    for (let r = 0; r < chains; r++) counts[stateIndex(states.row(r))]++;
  }
  void temperature;
  return counts;
}

test('exact ln Z of a general BM matches brute force over every state, for 0/1 and ±1 units, at T = 1 and T = 3', (t) => {
  for (const spin of [false, true])
    for (const T of [1, 3]) {
      const bm = randomBm(4, 3, spin ? 2 : 1, { spin });
      const terms: number[] = [];
      for (let k = 0; k < 128; k++) {
        const s = Array.from({ length: 7 }, (_, i) => ((k >>> i) & 1 ? 1 : spin ? -1 : 0));
        terms.push(-bmEnergy(bm.params, s) / T);
      }
      t.true(Math.abs(exactBmLogPartition(bm.params, T) - logSumExp(terms)) < 1e-9, `spin ${spin}, T ${T}`);
      t.true(Math.abs(logSumExp(exactBmLogProbs(bm.params, T))) < 1e-12);
    }
});

for (const spin of [false, true])
  for (const T of [1, 2.5])
    test(`long Glauber runs reach the exact Boltzmann distribution (${spin ? '±1' : '0/1'} units, 7 units, T = ${T}): TV < 0.03 and KL < 0.005 nats over 90,000 samples`, (t) => {
      const bm = randomBm(5, 2, 11, { spin });
      const net = bmNet(bm.params);
      const counts = histogram(bm, T, (s) => glauberSweeps(net, s.data, s.rows, 1, T, bm.rng));
      const exact = exactBmLogProbs(bm.params, T);
      const d = tv(counts, exact);
      const divergence = kl(counts, exact);
      const wrong = tv(counts, exactBmLogProbs(bm.params, T === 1 ? 2.5 : 1));
      t.log(
        `TV ${d.toFixed(4)}, KL ${divergence.toFixed(5)} nats to the exact distribution; TV ${wrong.toFixed(4)} to the one at the other temperature`,
      );
      t.true(d < 0.03);
      t.true(divergence < 0.005);
      t.true(wrong > 0.1, 'the check can tell temperatures apart');
    });

test('parallel updates colour by colour are exact on a bipartite graph; fully synchronous updates are not', (t) => {
  const colors = Uint8Array.of(0, 0, 0, 0, 1, 1, 1);
  // A random bipartite machine, and one whose sides are strongly coupled (mass on all-on and all-off).
  const random = randomBm(4, 3, 5, { mask: layeredMask([4, 3]) });
  const coupled = createBm({ nVisible: 4, nHidden: 3, seed: 6, mask: layeredMask([4, 3]) });
  coupled.params.weights.data.forEach((_, k) => (coupled.params.weights.data[k] = coupled.params.mask[k] ? 1.5 : 0));
  coupled.params.bias.set([-2.25, -2.25, -2.25, -2.25, -3, -3, -3]);
  for (const bm of [random, coupled]) {
    const net = bmNet(bm.params);
    const exact = exactBmLogProbs(bm.params);
    const colored = tv(
      histogram(bm, 1, (s) => parallelSweeps(net, s.data, s.rows, 1, 1, bm.rng, null, null, colors)),
      exact,
    );
    t.log(`TV, colour by colour: ${colored.toFixed(4)}`);
    t.true(colored < 0.03);
  }
  const net = bmNet(coupled.params);
  const synchronous = tv(
    histogram(coupled, 1, (s) => parallelSweeps(net, s.data, s.rows, 1, 1, coupled.rng)),
    exactBmLogProbs(coupled.params),
  );
  t.log(`TV, fully synchronous, coupled sides: ${synchronous.toFixed(4)}`);
  t.true(synchronous > 0.2);
});

for (const T of [1, 2])
  test(`the exact gradient −(p⁺ − p⁻)/T matches finite differences of the exact KL divergence G (hidden units, T = ${T}, tolerance 1e-5)`, (t) => {
    const bm = randomBm(4, 2, 7, { scale: 0.8 });
    const data = Matrix.from([
      [1, 0, 0, 1],
      [1, 1, 0, 0],
      [0, 0, 1, 1],
      [1, 0, 0, 1],
      [0, 1, 1, 0],
    ]);
    const p = visibleDistribution(data, bm.params);
    const { positive, negative } = exactBmMoments(bm.params, p, T);
    const n = bm.params.nUnits,
      w = bm.params.weights.data,
      h = 1e-3;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const old = w[i * n + j];
        w[i * n + j] = w[j * n + i] = old + h;
        const [wUp, up] = [w[i * n + j], exactKl(bm.params, p, T)];
        w[i * n + j] = w[j * n + i] = old - h;
        const [wDown, down] = [w[i * n + j], exactKl(bm.params, p, T)];
        w[i * n + j] = w[j * n + i] = old;
        const fd = (up - down) / (wUp - wDown); // the step as stored in float32
        const exact = -(positive.cooccurrence[i * n + j] - negative.cooccurrence[i * n + j]) / T;
        t.true(Math.abs(fd - exact) < 1e-5, `w[${i}][${j}]: FD ${fd} vs exact ${exact}`);
      }
    for (let i = 0; i < n; i++) {
      const b = bm.params.bias,
        old = b[i];
      b[i] = old + h;
      const [bUp, up] = [b[i], exactKl(bm.params, p, T)];
      b[i] = old - h;
      const [bDown, down] = [b[i], exactKl(bm.params, p, T)];
      b[i] = old;
      t.true(Math.abs((up - down) / (bUp - bDown) + (positive.means[i] - negative.means[i]) / T) < 1e-5, `θ[${i}]`);
    }
  });

test('the clamped phase (annealing the hidden units) estimates the exact p⁺ within 0.03', (t) => {
  const bm = randomBm(4, 3, 3, { scale: 0.8 });
  const data = Matrix.from([
    [1, 0, 0, 1],
    [1, 1, 0, 0],
    [0, 0, 1, 1],
  ]);
  const exact = exactBmMoments(bm.params, visibleDistribution(data, bm.params)).positive;
  const states = Matrix.zeros(3 * 400, 7);
  const m = clampedMoments(
    bm,
    data,
    {
      anneal: [
        { temperature: 3, sweeps: 5 },
        { temperature: 1, sweeps: 40 },
      ],
      repeats: 400,
    },
    states,
  );
  let worst = 0;
  for (let k = 0; k < 49; k++) worst = Math.max(worst, Math.abs(m.cooccurrence[k] - exact.cooccurrence[k]));
  t.log(`largest error ${worst.toFixed(4)}`);
  t.true(worst < 0.03);
});

test('the encoder mask connects V1 and V2 to H and within themselves, never V1 to V2 or H to H', (t) => {
  const m = encoderMask(4, 2, 4); // units: V1 0..3, V2 4..7, H 8..9
  const at = (i: number, j: number) => m[i * 10 + j];
  t.is(at(0, 1), 1);
  t.is(at(4, 5), 1);
  t.is(at(0, 8), 1);
  t.is(at(5, 9), 1);
  t.is(at(0, 4), 0);
  t.is(at(8, 9), 0);
  t.is(at(3, 3), 0);
  t.throws(() => createBm({ nVisible: 2, nHidden: 0, seed: 1, mask: Uint8Array.of(0, 1, 0, 0) }), {
    message: /mask\[0\]\[1\]: got 1, expected 0, as mask\[1\]\[0\] \(symmetric\)/,
  });
});

test('annealing lowers the energy: states annealed to T ≈ 0 are local minima', (t) => {
  const bm = randomBm(8, 0, 4, { spin: true, scale: 1 });
  const s = Matrix.zeros(20, 8);
  randomizeStates(bm, s);
  annealStates(bm, s, [
    { temperature: 3, sweeps: 10 },
    { temperature: 1, sweeps: 10 },
    { temperature: 0.01, sweeps: 10 },
  ]);
  const net = bmNet(bm.params);
  for (let r = 0; r < 20; r++) {
    const copy = s.row(r).slice();
    t.is(glauberSweeps(net, copy, 1, 1, 0, bm.rng), 0, 'no single flip lowers the energy');
  }
  const stats = createUnitStats(8);
  t.is(stats.samples, 0);
});
