import test from 'ava';
import { Rng } from '../kernels/Rng.js';
import { createDbm, dbmEnergy, dbmGibbsSweeps, dbmLayerBuffers, meanField, type Dbm } from '../models/dbm.js';
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
    const qs = Math.exp(logq), term = logq - (logp[s] - lz);
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
  const states = dbmLayerBuffers(dbm.params, n), probs = dbmLayerBuffers(dbm.params, n);
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
