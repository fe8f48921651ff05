import test from 'ava';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { aisBetas, baseRateBias, createAis } from '../models/ais.js';
import { exactRbmLogPartition, exactRbmLogProbability } from '../models/exactRbm.js';
import { freeEnergy } from '../models/freeEnergy.js';
import { mean } from '../models/logProbability.js';
import { createRaise } from '../models/raise.js';
import type { Rbm } from '../models/rbm.js';
import { createRbm } from '../models/rbm.js';
import { allStates, binaryData, randomRbm } from './helpers.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** q(v): the law of the last state of forward annealing (exact p_0, then T_1 … T_K), by enumeration. */
function forwardLaw(rbm: Rbm, bA: Float32Array, betas: Float64Array): Float64Array {
  const { nVisible: nv, nHidden: nh, weights: w, visibleBias: b, hiddenBias: c } = rbm.params;
  const states = allStates(nv),
    hs = allStates(nh);
  let q = new Float64Array(1 << nv);
  for (let s = 0; s < q.length; s++) {
    q[s] = 1;
    for (let i = 0; i < nv; i++) q[s] *= states.get(s, i) ? sigmoid(bA[i]) : 1 - sigmoid(bA[i]);
  }
  for (let k = 1; k < betas.length; k++) {
    const beta = betas[k],
      next = new Float64Array(q.length);
    for (let s = 0; s < q.length; s++)
      for (let t = 0; t < hs.rows; t++) {
        let ph = 1;
        for (let j = 0; j < nh; j++) {
          let x = c[j];
          for (let i = 0; i < nv; i++) x += states.get(s, i) * w.get(i, j);
          ph *= hs.get(t, j) ? sigmoid(beta * x) : 1 - sigmoid(beta * x);
        }
        for (let u = 0; u < q.length; u++) {
          let pv = 1;
          for (let i = 0; i < nv; i++) {
            let x = b[i];
            for (let j = 0; j < nh; j++) x += w.get(i, j) * hs.get(t, j);
            const p = sigmoid((1 - beta) * bA[i] + beta * x);
            pv *= states.get(u, i) ? p : 1 - p;
          }
          next[u] += q[s] * ph * pv;
        }
      }
    q = next;
  }
  return q;
}

test("RAISE's weight is an unbiased estimate of the forward annealing's law q(v), for every v of a 4v·3h RBM (3 temperatures, 4,000 chains per v, within 4 standard errors)", (t) => {
  // Two modes, all off and all on (through hidden unit 0), that a block-Gibbs step rarely leaves: q is far from p.
  const rbm = randomRbm(4, 3, 11, 0.5);
  for (let i = 0; i < 4; i++) rbm.params.weights.set(i, 0, 3);
  rbm.params.hiddenBias[0] = -6;
  rbm.params.visibleBias.fill(-1.5);
  const bA = Float32Array.of(0.5, -1, 0.2, 1);
  const betas = Float64Array.of(0, 0.2, 0.4, 1);
  const q = forwardLaw(rbm, bA, betas);
  const data = allStates(4),
    runs = 4000;
  const raise = createRaise(rbm, data, { baseVisibleBias: bA, betas, runs, seed: 4 });
  raise.advance(Infinity);
  const { logWeights } = raise.result();
  const ses: number[] = [];
  for (let s = 0; s < data.rows; s++) {
    const w = Array.from(logWeights.subarray(s * runs, (s + 1) * runs), Math.exp);
    const m = mean(w),
      se = Math.sqrt(w.reduce((a, x) => a + (x - m) ** 2, 0) / (runs - 1) / runs);
    ses.push(se);
    t.true(Math.abs(m - q[s]) < 4 * se + 1e-6, `v = ${s}: mean weight ${m.toFixed(5)} ± ${se.toFixed(5)}, q(v) = ${q[s].toFixed(5)}`);
  }
  // q is far from p at 3 temperatures (by more than 8 standard errors somewhere), so the test tells an estimate of q from one of p.
  const p = exactRbmLogProbability(rbm.params, data).map(Math.exp);
  t.log(`max |q − p| ${Math.max(...q.map((x, s) => Math.abs(x - p[s]))).toFixed(4)}`);
  t.true(
    q.some((x, s) => Math.abs(x - p[s]) > 8 * ses[s]),
    'q is not p',
  );
});

/** `n` rows drawn exactly from the RBM's p(v) (by enumeration). */
function modelSamples(rbm: Rbm, n: number, seed: number): Matrix {
  const nv = rbm.params.nVisible,
    states = allStates(nv);
  const p = exactRbmLogProbability(rbm.params, states).map(Math.exp);
  const rng = Rng.fromSeed(seed),
    out = Matrix.zeros(n, nv);
  for (let r = 0; r < n; r++) {
    let u = rng.uniform(),
      s = 0;
    while (s < p.length - 1 && (u -= p[s]) > 0) s++;
    out.row(r).set(states.row(s));
  }
  return out;
}

// An 8v·6h RBM with weights ~ N(0, 2²): far from the base rate, so that short schedules are visibly off.
const bracketRbm = () => randomRbm(8, 6, 21, 2);

test('RAISE (below) and AIS (above) bracket the exact mean ln p(v) of 200 model samples of an 8v·6h RBM, each within 3 standard errors, and both converge to it as the temperatures grow', (t) => {
  const rbm = bracketRbm();
  const data = modelSamples(rbm, 200, 5);
  const bA = baseRateBias(binaryData(100, 8, 3));
  const logZ = exactRbmLogPartition(rbm.params);
  const exact = exactRbmLogProbability(rbm.params, data, logZ);
  const exactMean = mean(exact);
  const minusF = mean(freeEnergy(rbm, data).map((f) => -f));
  const gaps: Array<{ steps: number; raise: number; ais: number }> = [];
  for (const steps of [30, 300, 3000]) {
    const raise = createRaise(rbm, data, { baseVisibleBias: bA, betas: aisBetas(steps), seed: 2 });
    raise.advance(Infinity);
    const d = Array.from(raise.result().logProbabilities, (x, r) => x - exact[r]);
    const dMean = mean(d),
      se = Math.sqrt(d.reduce((a, x) => a + (x - dMean) ** 2, 0) / (d.length - 1) / d.length);
    const ais = createAis(rbm, { baseVisibleBias: bA, betas: aisBetas(steps), runs: 100, seed: 2 });
    ais.advance(Infinity);
    const est = ais.result();
    const aisMean = minusF - est.logZ;
    t.log(
      `${steps} steps: RAISE ${(exactMean + dMean).toFixed(4)} ± ${se.toFixed(4)}, exact ${exactMean.toFixed(4)}, AIS ${aisMean.toFixed(4)} (ln Z ${est.logZ.toFixed(4)} vs ${logZ.toFixed(4)})`,
    );
    t.true(dMean <= 3 * se, `RAISE below the exact value at ${steps} steps`);
    t.true(est.logZ <= est.logZHigh && est.logZ - logZ <= est.logZHigh - est.logZ, `AIS above the exact value at ${steps} steps`);
    gaps.push({ steps, raise: -dMean, ais: logZ - est.logZ });
  }
  t.true(gaps[0].raise > 0.1, 'RAISE is visibly conservative on the shortest schedule');
  t.true(gaps[2].raise < gaps[1].raise && gaps[1].raise < gaps[0].raise, 'RAISE closes in as the schedule grows');
  t.true(Math.abs(gaps[2].raise) < 0.05 && Math.abs(gaps[2].ais) < 0.05, 'both within 0.05 nats at 3,000 steps');
  t.true(Math.abs(gaps[2].ais) < Math.abs(gaps[0].ais), 'AIS closes in as the schedule grows');
});

test('RAISE does not touch the model or its generator; the same seed gives the same estimate, another seed another', (t) => {
  const rbm = randomRbm(6, 4, 3);
  const before = rbm.rng.state(),
    w = rbm.params.weights.data.slice();
  const data = binaryData(5, 6, 1);
  const run = (seed: number) => {
    const raise = createRaise(rbm, data, { baseVisibleBias: new Float32Array(6), betas: aisBetas(200), runs: 3, seed });
    raise.advance(50);
    raise.advance(1000);
    t.is(raise.done, 200);
    return Array.from(raise.result().logProbabilities);
  };
  t.deepEqual(run(5), run(5));
  t.notDeepEqual(run(5), run(6));
  t.deepEqual(rbm.rng.state(), before);
  t.deepEqual(rbm.params.weights.data, w);
});

test('RAISE refuses a bad schedule, no runs, data of the wrong width and a Gaussian model', (t) => {
  const rbm = randomRbm(4, 2, 1);
  const data = binaryData(3, 4, 1),
    bA = new Float32Array(4);
  t.throws(() => createRaise(rbm, data, { baseVisibleBias: bA, betas: Float64Array.of(0, 0.6, 0.5, 1) }), { message: /RAISE betas/ });
  t.throws(() => createRaise(rbm, data, { baseVisibleBias: bA, runs: 0 }), { message: /RAISE runs: got 0, expected an integer ≥ 1/ });
  t.throws(() => createRaise(rbm, binaryData(3, 5, 1), { baseVisibleBias: bA }), { message: /createRaise\(data\)/ });
  t.throws(() => createRaise(rbm, data, { baseVisibleBias: new Float32Array(3) }), { message: /baseVisibleBias: got "length 3"/ });
  const gaussian = createRbm({ nVisible: 4, nHidden: 2, seed: 1, visibleUnits: { type: 'gaussian', learnVariance: false } });
  t.throws(() => createRaise(gaussian, data, { baseVisibleBias: bA }), { message: /RAISE: visible units: got "gaussian"/ });
});
