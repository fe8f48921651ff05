import test from 'ava';
import { lastValueFrom, toArray } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { createDbm, dbmEnergy, dbmGibbsSweeps, dbmLayerBuffers, meanField, type Dbm } from '../models/dbm.js';
import { createRbm } from '../models/rbm.js';
import { dbmAsRbm, dbmBaseRates, meanFieldLowerBound } from '../models/dbmBound.js';
import { exactRbmLogPartition } from '../models/exactRbm.js';
import { aisBetas, baseRateBias, createAis } from '../models/ais.js';
import { trainDbm } from '../pipelines/trainDbm.js';
import { allStates, logSumExp } from './helpers.js';

/** A DBM with N(0, scale²) weights and biases. */
function randomDbm(sizes: number[], seed: number, scale = 1): Dbm {
  const dbm = createDbm({ sizes, seed });
  const rng = Rng.fromSeed(seed + 1000);
  for (const w of dbm.params.weights) for (let k = 0; k < w.data.length; k++) w.data[k] = scale * rng.normal();
  for (const b of dbm.params.biases) for (let k = 0; k < b.length; k++) b[k] = scale * rng.normal();
  return dbm;
}

/** Splits a joint hidden state s (bits over layers 1..L) into per-layer vectors. */
function split(sizes: number[], v: ArrayLike<number>, s: number): number[][] {
  const out = [Array.from(v)];
  let bit = 0;
  for (const n of sizes.slice(1)) out.push(Array.from({ length: n }, () => (s >>> bit++) & 1));
  return out;
}

/**
 * KL(q ‖ P(h | v)) by enumerating every hidden state, for factorised q (all layers' q concatenated),
 * and its gradient with respect to q's logits.
 */
function exactKl(dbm: Dbm, v: ArrayLike<number>, q: ArrayLike<number>): { kl: number; grad: number[] } {
  const sizes = [...dbm.params.sizes];
  const n = q.length;
  const logp = Array.from({ length: 1 << n }, (_, s) => -dbmEnergy(dbm.params, split(sizes, v, s)));
  const lz = logSumExp(logp);
  let kl = 0;
  const grad = new Array(n).fill(0);
  for (let s = 0; s < 1 << n; s++) {
    let logq = 0;
    for (let k = 0; k < n; k++) logq += Math.log((s >>> k) & 1 ? q[k] : 1 - q[k]);
    const qs = Math.exp(logq),
      term = logq - (logp[s] - lz);
    kl += qs * term;
    // ∂q(s)/∂aₖ = q(s)(sₖ − qₖ) for logit aₖ; Σₛ ∂q(s) = 0 removes the +1 from ∂(q log q).
    for (let k = 0; k < n; k++) grad[k] += qs * (((s >>> k) & 1) - q[k]) * term;
  }
  return { kl, grad };
}

test('mean field of a tiny DBM (3-3-2) reaches the factorised optimum of KL(q ‖ P(h | v)) found by direct minimisation over exact enumeration: |Δq| < 1e-3, KL within 1e-6', (t) => {
  const sizes = [3, 3, 2];
  const dbm = randomDbm(sizes, 1);
  const V = allStates(3);
  for (let s = 0; s < V.rows; s++) {
    const q = dbmLayerBuffers(dbm.params, 1);
    q[0].data.set(V.row(s));
    const { iterations, change } = meanField(dbm, q, { tolerance: 1e-7, maxIterations: 500 });
    t.true(change <= 1e-7, `v ${s}: converged (${iterations} passes)`);
    const mf = [...q[1].data, ...q[2].data];
    // Direct minimisation: gradient descent on the logits of the enumerated KL, from 5 random starts.
    const rng = Rng.fromSeed(100 + s);
    let best = { kl: Infinity, q: [] as number[] };
    for (let start = 0; start < 5; start++) {
      const logits = Array.from({ length: 5 }, () => 4 * rng.normal());
      const qOf = (x: number[]) => x.map((a) => 1 / (1 + Math.exp(-a)));
      for (let it = 0; it < 3000; it++) {
        const { grad } = exactKl(dbm, V.row(s), qOf(logits));
        for (let k = 0; k < 5; k++) logits[k] -= 2 * grad[k];
      }
      const { kl } = exactKl(dbm, V.row(s), qOf(logits));
      if (kl < best.kl) best = { kl, q: qOf(logits) };
    }
    const klMf = exactKl(dbm, V.row(s), mf).kl;
    t.true(klMf <= best.kl + 1e-6, `v ${s}: KL(mean field) ${klMf} vs best ${best.kl}`);
    for (let k = 0; k < 5; k++) t.true(Math.abs(mf[k] - best.q[k]) < 1e-3, `v ${s}, unit ${k}: ${mf[k]} vs ${best.q[k]}`);
  }
});

test('block Gibbs over alternate layers of a 3-2-2 DBM samples the exact visible marginal: total variation < 0.02 over 20,000 chains', (t) => {
  const sizes = [3, 2, 2];
  const dbm = randomDbm(sizes, 2);
  const n = 20_000;
  const states = dbmLayerBuffers(dbm.params, n),
    probs = dbmLayerBuffers(dbm.params, n);
  dbmGibbsSweeps(dbm, states, probs, 100);
  const counts = new Array(8).fill(0);
  for (let r = 0; r < n; r++) counts[states[0].get(r, 0) + 2 * states[0].get(r, 1) + 4 * states[0].get(r, 2)]++;
  const joint = Array.from({ length: 8 * 16 }, (_, s) => -dbmEnergy(dbm.params, split([0, 3, 2, 2], [], s).slice(1)));
  const lz = logSumExp(joint);
  let tv = 0;
  for (let v = 0; v < 8; v++) {
    const p = Math.exp(logSumExp(joint.filter((_, s) => (s & 7) === v)) - lz);
    tv += Math.abs(counts[v] / n - p) / 2;
  }
  t.log(`total variation ${tv.toFixed(4)}`);
  t.true(tv < 0.02, `total variation ${tv}`);
});

/** Mean exact ln P(v) over the rows of `data` for a DBM small enough to enumerate every joint state. */
function exactDbmLogLikelihood(dbm: Dbm, data: Matrix): number {
  const sizes = [...dbm.params.sizes];
  const nv = sizes[0],
    nh = sizes.slice(1).reduce((a, b) => a + b, 0);
  const hiddenLayers = (s: number) => split([0, ...sizes.slice(1)], [], s).slice(1);
  const perVisible = new Float64Array(1 << nv);
  for (let v = 0; v < 1 << nv; v++) {
    const vis = Array.from({ length: nv }, (_, i) => (v >>> i) & 1);
    perVisible[v] = logSumExp(Array.from({ length: 1 << nh }, (_, s) => -dbmEnergy(dbm.params, [vis, ...hiddenLayers(s)])));
  }
  const lz = logSumExp(perVisible);
  let sum = 0;
  for (let r = 0; r < data.rows; r++) {
    let v = 0;
    for (let i = 0; i < nv; i++) v |= data.get(r, i) << i;
    sum += perVisible[v] - lz;
  }
  return sum / data.rows;
}

test('trainDbm (mean field + persistent block Gibbs through the four operators) raises the exact log-likelihood of 3×3 bars and stripes by more than 1.5 nats', async (t) => {
  const rng = Rng.fromSeed(7);
  const data = Matrix.zeros(300, 9);
  for (let r = 0; r < data.rows; r++) {
    const vertical = rng.uniform() < 0.5;
    const on = [0, 1, 2].map(() => rng.uniform() < 0.5);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) data.data[r * 9 + i * 3 + j] = on[vertical ? j : i] ? 1 : 0;
  }
  const config = { epochs: 40, batchSize: 10, learningRate: 0.5, nChains: 50, backend: 'js' } as const;
  const before = exactDbmLogLikelihood(createDbm({ sizes: [9, 4, 3], seed: 1 }), data);
  const events = await lastValueFrom(trainDbm({ data, hidden: [4, 3], config }).pipe(toArray()));
  const after = exactDbmLogLikelihood(events.at(-1)!.model, data);
  t.log(
    `exact mean ln P(v): ${before.toFixed(3)} → ${after.toFixed(3)}; mean-field passes at the last step: ${events.at(-1)!.metrics.meanFieldIterations}`,
  );
  t.true(after - before > 1.5, `${before} → ${after}`);
  t.is(events.length, 40 * 30);
  t.true(events.every((e) => e.metrics.meanFieldIterations >= 1 && e.metrics.meanFieldIterations <= 30));
});

test('a DBM starts from a pretrained stack: the same weights, visible biases, and averaged hidden biases', (t) => {
  const a = createRbm({ nVisible: 4, nHidden: 3, seed: 1 }),
    b = createRbm({ nVisible: 3, nHidden: 2, seed: 2 });
  a.params.hiddenBias.set([1, 2, 3]);
  b.params.visibleBias.set([3, 2, 1]);
  const dbm = createDbm({ rbms: [a, b], seed: 1 });
  t.deepEqual(dbm.params.sizes, [4, 3, 2]);
  t.deepEqual(dbm.params.weights[1].data, b.params.weights.data);
  t.deepEqual(Array.from(dbm.params.biases[1]), [2, 2, 2]);
  t.throws(() => trainDbm({ data: Matrix.zeros(10, 4), hidden: [3] }), { message: /hidden.*at least 2/ });
  t.throws(() => trainDbm({ data: Matrix.zeros(10, 4), hidden: [3, 2], config: { tolerance: -1 } }), { message: /config\.tolerance/ });
});

test("the DBM regrouped as an RBM has the DBM's ln Z, and the mean-field bound sits below the exact ln P(v) by exactly KL(q ‖ P(h | v)); tolerance 1e-4", (t) => {
  const sizes = [3, 3, 2];
  const dbm = randomDbm(sizes, 1);
  const joint = Array.from({ length: 1 << 8 }, (_, s) => -dbmEnergy(dbm.params, split([0, 3, 3, 2], [], s).slice(1)));
  const logZ = logSumExp(joint);
  t.true(Math.abs(exactRbmLogPartition(dbmAsRbm(dbm).params) - logZ) < 1e-4);
  const V = allStates(3);
  const bound = meanFieldLowerBound(dbm, V, logZ, { tolerance: 1e-7, maxIterations: 500 });
  for (let s = 0; s < V.rows; s++) {
    const exact = logSumExp(joint.filter((_, k) => (k & 7) === s)) - logZ;
    const q = dbmLayerBuffers(dbm.params, 1);
    q[0].data.set(V.row(s));
    meanField(dbm, q, { tolerance: 1e-7, maxIterations: 500 });
    const { kl } = exactKl(dbm, V.row(s), [...q[1].data, ...q[2].data]);
    t.true(bound[s] <= exact + 1e-6, `v ${s}: bound ${bound[s]} vs exact ${exact}`);
    t.true(Math.abs(exact - bound[s] - kl) < 1e-4, `v ${s}: gap ${exact - bound[s]} vs KL ${kl}`);
  }
});

test("AIS on the regrouped RBM estimates a small DBM's ln Z: 100 runs × 2,000 temperatures land within 0.1 nats of the exact value", (t) => {
  const dbm = randomDbm([6, 4, 3], 5);
  const exact = exactRbmLogPartition(dbmAsRbm(dbm).params);
  const ais = createAis(dbmAsRbm(dbm), { baseVisibleBias: new Float32Array(9), betas: aisBetas(2000), runs: 100, seed: 3 });
  ais.advance(Infinity);
  const { logZ } = ais.result();
  t.log(`AIS ${logZ.toFixed(4)}, exact ${exact.toFixed(4)}`);
  t.true(Math.abs(logZ - exact) < 0.1, `AIS ${logZ} vs exact ${exact}`);
});

test("dbmBaseRates: the data's log-odds for v, the mean-field posterior's for h²", (t) => {
  const dbm = randomDbm([4, 3, 2], 6);
  const data = Matrix.from([
    [1, 0, 1, 0],
    [1, 1, 0, 0],
    [0, 0, 1, 1],
    [1, 0, 0, 0],
  ]);
  const base = dbmBaseRates(dbm, data);
  t.is(base.length, 6);
  t.deepEqual(Array.from(base.subarray(0, 4)), Array.from(baseRateBias(data)));
  const q = dbmLayerBuffers(dbm.params, 4);
  q[0] = data;
  meanField(dbm, q);
  for (let k = 0; k < 2; k++) {
    const m = (q[2].get(0, k) + q[2].get(1, k) + q[2].get(2, k) + q[2].get(3, k)) / 4;
    t.true(Math.abs(base[4 + k] - Math.log(m / (1 - m))) < 1e-4);
  }
});
