import test from 'ava';
import { Matrix } from '../kernels/Matrix.js';
import { freeEnergy } from '../models/freeEnergy.js';
import { rbmEnergy, hiddenProbs, visibleProbs } from '../models/rbm.js';
import { allStates, logSumExp, randomRbm } from './helpers.js';

// A 5-visible, 3-hidden RBM with N(0,1) parameters; every quantity is held against sums over
// all 2^5 · 2^3 joint states computed from the energy alone. Tolerance 2e-6 (float32 storage).
const rbm = randomRbm(5, 3, 1);
const V = allStates(5),
  H = allStates(3);

test('P(h_j = 1 | v) equals the exact conditional Σ_{h: h_j=1} e^{−E(v,h)} / Σ_h e^{−E(v,h)}', (t) => {
  const probs = hiddenProbs(rbm, V, Matrix.zeros(V.rows, 3));
  for (let s = 0; s < V.rows; s++) {
    const logw = Array.from({ length: H.rows }, (_, h) => -rbmEnergy(rbm.params, V.row(s), H.row(h)));
    const z = logSumExp(logw);
    for (let j = 0; j < 3; j++) {
      const on = logw.filter((_, h) => H.get(h, j) === 1);
      t.true(Math.abs(probs.get(s, j) - Math.exp(logSumExp(on) - z)) < 2e-6);
    }
  }
});

test('P(v_i = 1 | h) equals the exact conditional', (t) => {
  const probs = visibleProbs(rbm, H, Matrix.zeros(H.rows, 5));
  for (let h = 0; h < H.rows; h++) {
    const logw = Array.from({ length: V.rows }, (_, s) => -rbmEnergy(rbm.params, V.row(s), H.row(h)));
    const z = logSumExp(logw);
    for (let i = 0; i < 5; i++) {
      const on = logw.filter((_, s) => V.get(s, i) === 1);
      t.true(Math.abs(probs.get(h, i) - Math.exp(logSumExp(on) - z)) < 2e-6);
    }
  }
});

test('free energy F(v) equals −ln Σ_h e^{−E(v,h)}', (t) => {
  const f = freeEnergy(rbm, V);
  for (let s = 0; s < V.rows; s++) {
    const exact = -logSumExp(Array.from({ length: H.rows }, (_, h) => -rbmEnergy(rbm.params, V.row(s), H.row(h))));
    t.true(Math.abs(f[s] - exact) < 2e-5 * (1 + Math.abs(exact)), `state ${s}: ${f[s]} vs ${exact}`);
  }
});

test('temperature: P(h | v) at β = 1/T equals σ(β·(c + vW))', (t) => {
  const cold = hiddenProbs(rbm, V, Matrix.zeros(V.rows, 3), 0.25);
  const warm = hiddenProbs(rbm, V, Matrix.zeros(V.rows, 3), 1);
  for (let i = 0; i < cold.data.length; i++) {
    const x = Math.log(warm.data[i] / (1 - warm.data[i])); // the input at β = 1
    t.true(Math.abs(cold.data[i] - 1 / (1 + Math.exp(-0.25 * x))) < 1e-5);
  }
});
