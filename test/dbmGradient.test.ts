import test from 'ava';
import { trainingState } from '../models/modelKinds.js';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { createDbm, dbmEnergy, dbmLayerBuffers, meanField, type Dbm } from '../models/dbm.js';
import { accumulateDbmMoments, zeroDbmMoments, type DbmMoments } from '../models/dbmPhases.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import type { DbmNegativePhase, DbmStatistics } from '../operators/phases.js';
import { binaryData, centralDifference, logSumExp } from './helpers.js';

// The gradient of a DBM, held against exact enumeration on a 3-2-2 machine (7 units, 128 joint
// states). Every weight of every layer and every bias of every layer (the hidden ones included)
// is checked on its own, so zeroing or flipping any one term of the statistics fails a test.

const SIZES = [3, 2, 2];
const MF = { tolerance: 1e-7, maxIterations: 500 };

/** A DBM with N(0, scale²) weights and biases. */
function randomDbm(seed: number, scale = 1): Dbm {
  const dbm = createDbm({ sizes: SIZES, seed });
  const rng = Rng.fromSeed(seed + 1000);
  for (const w of dbm.params.weights) for (let k = 0; k < w.data.length; k++) w.data[k] = scale * rng.normal();
  for (const b of dbm.params.biases) for (let k = 0; k < b.length; k++) b[k] = scale * rng.normal();
  return dbm;
}

/** Every parameter of the DBM as (name, array, index), layer by layer. */
function parameters(dbm: Dbm): { name: string; array: Float32Array; k: number }[] {
  const out: { name: string; array: Float32Array; k: number }[] = [];
  dbm.params.weights.forEach((w, l) => w.data.forEach((_, k) => out.push({ name: `W${l + 1}[${k}]`, array: w.data, k })));
  dbm.params.biases.forEach((b, l) => b.forEach((_, k) => out.push({ name: `b${l}[${k}]`, array: b, k })));
  return out;
}

/** The same flattening for gradient-shaped buffers. */
function flat(m: DbmMoments): number[] {
  return [...m.weights.flatMap((w) => Array.from(w.data)), ...m.biases.flatMap((b) => Array.from(b))];
}

/** Every joint state (all layers, visible first) as one-row layer matrices, with the index of its visible part. */
function jointStates(): { layers: Matrix[]; visible: number }[] {
  const total = SIZES.reduce((a, b) => a + b, 0);
  return Array.from({ length: 1 << total }, (_, s) => {
    let bit = 0;
    const layers = SIZES.map((n) => Matrix.from([Array.from({ length: n }, () => (s >>> bit++) & 1)]));
    return { layers, visible: s & ((1 << SIZES[0]) - 1) };
  });
}

/** Index of a binary visible row. */
function visibleIndex(data: Matrix, r: number): number {
  let v = 0;
  for (let i = 0; i < data.cols; i++) v |= data.get(r, i) << i;
  return v;
}

/** ln Z and, per visible state, ln Σ_h e^{−E(v, h)} (float64, by enumeration). */
function exactLogs(dbm: Dbm, states: { layers: Matrix[]; visible: number }[]): { logZ: number; perVisible: number[]; logWeight: number[] } {
  const logWeight = states.map(
    (s) =>
      -dbmEnergy(
        dbm.params,
        s.layers.map((m) => m.data),
      ),
  );
  const perVisible = Array.from({ length: 1 << SIZES[0] }, (_, v) => logSumExp(logWeight.filter((_, s) => states[s].visible === v)));
  return { logZ: logSumExp(logWeight), perVisible, logWeight };
}

/** Mean exact ln P(v) over the rows of `data`. */
function exactLogLikelihood(dbm: Dbm, data: Matrix, states: { layers: Matrix[]; visible: number }[]): number {
  const { logZ, perVisible } = exactLogs(dbm, states);
  let sum = 0;
  for (let r = 0; r < data.rows; r++) sum += perVisible[visibleIndex(data, r)] - logZ;
  return sum / data.rows;
}

/**
 * The mean over `data` of the mean-field bound plus ln Z: E_q[−E(v, h)] + H(q) at the mean-field
 * fixed point q (found by the library's meanField), summed in float64.
 */
function meanFieldObjective(dbm: Dbm, data: Matrix): number {
  const { sizes, weights, biases } = dbm.params;
  const q = dbmLayerBuffers(dbm.params, data.rows);
  q[0] = data;
  meanField(dbm, q, MF);
  let sum = 0;
  for (let r = 0; r < data.rows; r++)
    sizes.forEach((n, l) => {
      for (let j = 0; j < n; j++) {
        const x = q[l].get(r, j);
        sum += biases[l][j] * x;
        if (l === 0) continue;
        sum -= (x > 0 ? x * Math.log(x) : 0) + (x < 1 ? (1 - x) * Math.log(1 - x) : 0);
        for (let i = 0; i < sizes[l - 1]; i++) sum += q[l - 1].get(r, i) * weights[l - 1].get(i, j) * x;
      }
    });
  return sum / data.rows;
}

/** Σ_states weight(state) · (the statistics accumulateDbmMoments gives for that one state). */
function expectedMoments(dbm: Dbm, states: { layers: Matrix[] }[], weight: (s: number) => number): number[] {
  const one = zeroDbmMoments(dbm);
  const sum = new Array<number>(flat(one).length).fill(0);
  states.forEach((s, i) => {
    const w = weight(i);
    if (w === 0) return;
    accumulateDbmMoments(dbm, s.layers, 1, one, true);
    flat(one).forEach((x, k) => (sum[k] += w * x));
  });
  return sum;
}

const data = binaryData(8, 3, 21);

test('exact DBM gradient (3-2-2): central differences of the enumerated mean ln P(v) equal ⟨s⟩_{P(h|v), data} − ⟨s⟩_{P(v,h)} built from accumulateDbmMoments, for every weight and bias of every layer; h = 1e-2, tolerance 1e-4', (t) => {
  const dbm = randomDbm(3);
  const states = jointStates();
  const { logZ, perVisible, logWeight } = exactLogs(dbm, states);
  const counts = new Array<number>(1 << SIZES[0]).fill(0);
  for (let r = 0; r < data.rows; r++) counts[visibleIndex(data, r)] += 1 / data.rows;
  // Data term: each data row's exact posterior P(h | v); model term: the exact joint P(v, h).
  const positive = expectedMoments(dbm, states, (s) => counts[states[s].visible] * Math.exp(logWeight[s] - perVisible[states[s].visible]));
  const negative = expectedMoments(dbm, states, (s) => Math.exp(logWeight[s] - logZ));
  const params = parameters(dbm);
  let worst = 0;
  params.forEach(({ name, array, k }, p) => {
    const numeric = centralDifference(array, k, () => exactLogLikelihood(dbm, data, states), 1e-2);
    const analytic = positive[p] - negative[p];
    worst = Math.max(worst, Math.abs(numeric - analytic));
    t.true(Math.abs(numeric - analytic) < 1e-4, `${name}: finite differences ${numeric}, statistics ${analytic}`);
  });
  // Teeth: every layer's biases and weights have gradient entries far above the tolerance.
  for (const prefix of ['W1', 'W2', 'b0', 'b1', 'b2'])
    t.true(
      params.some((q, p) => q.name.startsWith(prefix) && Math.abs(positive[p] - negative[p]) > 0.02),
      `${prefix} has an entry with |gradient| > 0.02`,
    );
  t.log(`${params.length} parameters, worst |finite differences − statistics| ${worst.toExponential(2)}`);
});

test('clampVisible → collectStats (DBM, negative states all zero): the positive statistics are exactly ∂/∂θ of E_q[−E] + H(q) at the mean-field fixed point, for every weight and bias; h = 1e-2, tolerance 2e-4', async (t) => {
  const dbm = randomDbm(4);
  const zeros = SIZES.map((n) => Matrix.zeros(1, n));
  const stats = await lastValueFrom(
    from([data]).pipe(
      clampVisible(dbm, MF),
      map((pos): DbmNegativePhase => ({ ...pos, negativeStates: zeros })),
      collectStats(),
      map((s) => flat(s.gradient)),
    ),
  );
  const params = parameters(dbm);
  let worst = 0;
  params.forEach(({ name, array, k }, p) => {
    const numeric = centralDifference(array, k, () => meanFieldObjective(dbm, data), 1e-2);
    worst = Math.max(worst, Math.abs(numeric - stats[p]));
    t.true(Math.abs(numeric - stats[p]) < 2e-4, `${name}: finite differences ${numeric}, collectStats ${stats[p]}`);
  });
  t.log(`worst |finite differences − collectStats| ${worst.toExponential(2)}`);
  for (const prefix of ['b1', 'b2'])
    t.true(
      params.some((q, p) => q.name.startsWith(prefix) && Math.abs(stats[p]) > 0.05),
      `${prefix}: some |statistic| > 0.05`,
    );
});

test('PCD through the operators (DBM, parameters fixed): collectStats averaged over 1,500 minibatches converges to the exact gradient of the mean-field bound, ⟨s⟩_q − ⟨s⟩_{P(v,h)}; |error| < 0.01 for every weight and bias', async (t) => {
  const dbm = randomDbm(5, 0.8);
  const states = jointStates();
  const { logZ, logWeight } = exactLogs(dbm, states);
  const params = parameters(dbm);
  // The bound's gradient: the positive statistics (the test above) less the exact model expectations.
  const negative = expectedMoments(dbm, states, (s) => Math.exp(logWeight[s] - logZ));
  const exact = params.map(({ array, k }, p) => centralDifference(array, k, () => meanFieldObjective(dbm, data), 1e-2) - negative[p]);
  const steps = 1500,
    burnIn = 100;
  const sum = new Array<number>(params.length).fill(0);
  await lastValueFrom(
    from(Array.from({ length: steps + burnIn }, () => data)).pipe(
      clampVisible(dbm, MF),
      gibbsStep({ k: 1, chains: 'persistent', nChains: 200 }),
      collectStats(),
      map((s: DbmStatistics, i) => i >= burnIn && flat(s.gradient).forEach((g, k) => (sum[k] += g / steps))),
      toArray(),
    ),
  );
  let worst = 0;
  params.forEach(({ name }, p) => {
    worst = Math.max(worst, Math.abs(sum[p] - exact[p]));
    t.true(Math.abs(sum[p] - exact[p]) < 0.01, `${name}: PCD average ${sum[p]}, exact ${exact[p]}`);
  });
  for (const prefix of ['b1', 'b2'])
    t.true(
      params.some((q, p) => q.name.startsWith(prefix) && Math.abs(exact[p]) > 0.05),
      `${prefix}: some |exact gradient| > 0.05`,
    );
  t.log(`worst |PCD average − exact| ${worst.toFixed(4)}`);
});

test("applyUpdate (DBM): every layer's weights and biases move by velocity ← m·velocity + lr·(gradient − decay·W), biases undecayed; tolerance 1e-6", async (t) => {
  const dbm = randomDbm(6, 0.5);
  const before = parameters(dbm).map(({ array, k }) => array[k]);
  const gradient = zeroDbmMoments(dbm);
  const rng = Rng.fromSeed(9);
  for (const a of [...gradient.weights.map((w) => w.data), ...gradient.biases]) for (let k = 0; k < a.length; k++) a[k] = rng.normal();
  const g = flat(gradient);
  const batch = { data: Matrix.zeros(1, 3), epoch: 0, index: 0, batchesPerEpoch: 2, step: 0 };
  const state = trainingState(dbm);
  const stats: DbmStatistics = { model: state.model, state, batch, gradient, metrics: { meanFieldIterations: 1 } };
  const lr = 0.1,
    m = 0.5,
    decay = 0.01;
  const seen = await lastValueFrom(
    from([stats, { ...stats, batch: { ...batch, index: 1, step: 1 } }]).pipe(
      applyUpdate({ learningRate: lr, momentum: m, weightDecay: decay }),
      map((e) => parameters(e.model).map(({ array, k }) => array[k])),
      toArray(),
    ),
  );
  const nWeights = dbm.params.weights.reduce((n, w) => n + w.data.length, 0);
  parameters(dbm).forEach(({ name }, p) => {
    const d = p < nWeights ? decay : 0;
    const v1 = lr * (g[p] - d * before[p]),
      w1 = before[p] + v1;
    const v2 = m * v1 + lr * (g[p] - d * w1),
      w2 = w1 + v2;
    t.true(Math.abs(seen[0][p] - w1) < 1e-6 && Math.abs(seen[1][p] - w2) < 1e-6, `${name}: ${seen[0][p]}, ${seen[1][p]} vs ${w1}, ${w2}`);
  });
});

test("collectStats (DBM): reconstructionError is the minibatch mean of Σᵢ (vᵢ − σ(b⁰ᵢ + Σⱼ W¹ᵢⱼ q¹ⱼ))², q¹ the first layer's mean field; tolerance 1e-5", async (t) => {
  const dbm = randomDbm(6);
  const zeros = SIZES.map((n) => Matrix.zeros(1, n));
  let q1: Matrix | null = null;
  const { metrics } = await lastValueFrom(
    from([data]).pipe(
      clampVisible(dbm, MF),
      map((pos): DbmNegativePhase => {
        q1 = pos.meanField[1].clone(); // the phase's buffer is reused at the next minibatch
        return { ...pos, negativeStates: zeros };
      }),
      collectStats(),
    ),
  );
  const [w] = dbm.params.weights,
    [b] = dbm.params.biases;
  let expected = 0;
  for (let r = 0; r < data.rows; r++)
    for (let i = 0; i < SIZES[0]; i++) {
      let x = b[i];
      for (let j = 0; j < SIZES[1]; j++) x += w.get(i, j) * q1!.get(r, j);
      expected += (data.get(r, i) - 1 / (1 + Math.exp(-x))) ** 2;
    }
  expected /= data.rows;
  t.true(expected > 0.1, `a non-trivial reconstruction (${expected})`);
  t.true(Math.abs(metrics.reconstructionError - expected) < 1e-5, `collectStats ${metrics.reconstructionError}, direct ${expected}`);
});
