import test from 'ava';
import { trainingState } from '../models/modelKinds.js';
import { last, lastValueFrom, of } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { exactGaussianRbmLogPartition, gaussianHiddenLogWeights } from '../models/exactGaussianRbm.js';
import { freeEnergy } from '../models/freeEnergy.js';
import { createRbm, rbmEnergy, gibbsBuffers, gibbsChain, hiddenProbs, visibleProbs, type Rbm } from '../models/rbm.js';
import { fitStandardization, standardize, unstandardize } from '../models/standardize.js';
import { sampleVisible } from '../models/visibleUnits.js';
import { collectStats } from '../operators/collectStats.js';
import type { NegativePhase } from '../operators/phases.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { allStates, centralDifference, logSumExp } from './helpers.js';

// A 2-visible, 3-hidden Gaussian-Bernoulli RBM with N(0, ½²) weights, N(0, 1) biases and
// ln σᵢ² ∈ [−0.5, 0.5]: small enough to integrate over v numerically and to enumerate h.
function gaussianRbm(nVisible: number, nHidden: number, seed: number, learnVariance = true): Rbm {
  const rbm = createRbm({ nVisible, nHidden, seed, visibleUnits: { type: 'gaussian', learnVariance } });
  const rng = Rng.fromSeed(seed + 1000);
  const p = rbm.params;
  for (let k = 0; k < p.weights.data.length; k++) p.weights.data[k] = 0.5 * rng.normal();
  for (let i = 0; i < nVisible; i++) {
    p.visibleBias[i] = rng.normal();
    p.logVariance![i] = rng.uniform() - 0.5;
  }
  for (let j = 0; j < nHidden; j++) p.hiddenBias[j] = rng.normal();
  return rbm;
}

const rbm = gaussianRbm(2, 3, 1);
const H = allStates(3);
const sigma2 = (i: number) => Math.exp(rbm.params.logVariance![i]);

/** Midpoint-rule grid over [−L, L] in each of two dimensions. */
function grid2(L: number, step: number): Matrix {
  const n = Math.round((2 * L) / step);
  const m = Matrix.zeros(n * n, 2);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) m.data.set([-L + (a + 0.5) * step, -L + (b + 0.5) * step], 2 * (a * n + b));
  return m;
}

test('Gaussian free energy F(v) equals −ln Σ_h e^{−E(v,h)} (enumeration of h, energy in float64); tolerance 1e-5·(1 + |F|)', (t) => {
  const v = Matrix.from([
    [0, 0],
    [1.5, -2],
    [-3, 0.7],
    [4, 4],
  ]);
  const f = freeEnergy(rbm, v);
  for (let r = 0; r < v.rows; r++) {
    const exact = -logSumExp(Array.from({ length: H.rows }, (_, h) => -rbmEnergy(rbm.params, v.row(r), H.row(h))));
    t.true(Math.abs(f[r] - exact) < 1e-5 * (1 + Math.abs(exact)), `row ${r}: ${f[r]} vs ${exact}`);
  }
});

test('the closed-form ln Z equals ln ∫ e^{−F(v)} dv by numerical integration (midpoint rule, step 0.02 on [−14, 14]²); tolerance 1e-4', (t) => {
  const step = 0.02;
  const v = grid2(14, step);
  const f = freeEnergy(rbm, v);
  const numeric = logSumExp(Array.from(f, (x) => -x)) + 2 * Math.log(step);
  const exact = exactGaussianRbmLogPartition(rbm.params);
  t.true(Math.abs(numeric - exact) < 1e-4, `${numeric} vs ${exact}`);
});

test('P(h_j = 1 | v) for Gaussian units (vᵢ/σᵢ² in the input) equals the exact conditional from the joint energy; tolerance 2e-6', (t) => {
  const v = Matrix.from([
    [0.3, -1.2],
    [2, 2],
    [-4, 1],
  ]);
  const probs = hiddenProbs(rbm, v, Matrix.zeros(v.rows, 3));
  for (let r = 0; r < v.rows; r++) {
    const logw = Array.from({ length: H.rows }, (_, h) => -rbmEnergy(rbm.params, v.row(r), H.row(h)));
    const z = logSumExp(logw);
    for (let j = 0; j < 3; j++) {
      const exact = Math.exp(logSumExp(logw.filter((_, h) => H.get(h, j) === 1)) - z);
      t.true(Math.abs(probs.get(r, j) - exact) < 2e-6, `row ${r}, unit ${j}: ${probs.get(r, j)} vs ${exact}`);
    }
  }
});

test('p(vᵢ | h): the mean from visibleProbs and the variance e^{zᵢ} equal numerical integrals of e^{−E(v,h)} over vᵢ; tolerance 1e-4', (t) => {
  const means = visibleProbs(rbm, H, Matrix.zeros(H.rows, 2));
  const step = 0.005;
  for (let h = 0; h < H.rows; h++)
    for (let i = 0; i < 2; i++) {
      // The energy is separable in v given h: vary vᵢ, hold the other unit at 0.
      let w0 = 0,
        w1 = 0,
        w2 = 0;
      for (let x = -15 + step / 2; x < 15; x += step) {
        const v = [0, 0];
        v[i] = x;
        const w = Math.exp(-rbmEnergy(rbm.params, v, H.row(h)) + rbmEnergy(rbm.params, [0, 0], H.row(h)));
        w0 += w;
        w1 += w * x;
        w2 += w * x * x;
      }
      const mean = w1 / w0,
        variance = w2 / w0 - mean * mean;
      t.true(Math.abs(means.get(h, i) - mean) < 1e-4, `h ${h}, unit ${i}: mean ${means.get(h, i)} vs ${mean}`);
      t.true(Math.abs(sigma2(i) - variance) < 1e-4, `h ${h}, unit ${i}: variance ${sigma2(i)} vs ${variance}`);
    }
});

test('sampleVisible draws N(mean, σᵢ²): 40,000 draws per unit have mean and variance within 4 standard errors', (t) => {
  const n = 40_000;
  const means = Matrix.zeros(n, 2);
  for (let r = 0; r < n; r++) means.data.set([1.5, -0.5], 2 * r);
  const out = Matrix.zeros(n, 2);
  sampleVisible(rbm, means, out);
  for (let i = 0; i < 2; i++) {
    let s = 0,
      s2 = 0;
    for (let r = 0; r < n; r++) {
      s += out.get(r, i);
      s2 += out.get(r, i) ** 2;
    }
    const m = s / n,
      variance = s2 / n - m * m;
    t.true(Math.abs(m - means.get(0, i)) < 4 * Math.sqrt(sigma2(i) / n), `unit ${i}: mean ${m}`);
    t.true(Math.abs(variance - sigma2(i)) < 4 * sigma2(i) * Math.sqrt(2 / n), `unit ${i}: variance ${variance} vs ${sigma2(i)}`);
  }
});

/** Exact model moments E[vᵢ], E[vᵢ²] from the hidden marginal and the Gaussian conditionals. */
function exactVisibleMoments(model: Rbm): { mean: number[]; second: number[] } {
  const logw = gaussianHiddenLogWeights(model.params);
  const z = logSumExp(logw);
  const hs = allStates(model.params.nHidden);
  const cond = visibleProbs(model, hs, Matrix.zeros(hs.rows, model.params.nVisible));
  const mean = Array(model.params.nVisible).fill(0),
    second = Array(model.params.nVisible).fill(0);
  for (let h = 0; h < hs.rows; h++) {
    const p = Math.exp(logw[h] - z);
    for (let i = 0; i < mean.length; i++) {
      mean[i] += p * cond.get(h, i);
      second[i] += p * (cond.get(h, i) ** 2 + Math.exp(model.params.logVariance![i]));
    }
  }
  return { mean, second };
}

test('block Gibbs v → h → v keeps the exact distribution: 20,000 chains after 100 steps match E[vᵢ] and E[vᵢ²] within 4 standard errors', (t) => {
  const model = gaussianRbm(2, 3, 1);
  const n = 20_000;
  const v = Matrix.zeros(n, 2);
  gibbsChain(model, v, 100, gibbsBuffers(model.params, n));
  const exact = exactVisibleMoments(model);
  for (let i = 0; i < 2; i++) {
    let s = 0,
      s2 = 0,
      s4 = 0;
    for (let r = 0; r < n; r++) {
      const x = v.get(r, i);
      s += x;
      s2 += x * x;
      s4 += x ** 4;
    }
    const sdMean = Math.sqrt((s2 / n - (s / n) ** 2) / n),
      sdSecond = Math.sqrt((s4 / n - (s2 / n) ** 2) / n);
    t.true(Math.abs(s / n - exact.mean[i]) < 4 * sdMean, `unit ${i}: E[v] ${s / n} vs ${exact.mean[i]} (se ${sdMean})`);
    t.true(Math.abs(s2 / n - exact.second[i]) < 4 * sdSecond, `unit ${i}: E[v²] ${s2 / n} vs ${exact.second[i]} (se ${sdSecond})`);
  }
});

/** Mean exact log-likelihood (−F(v) − ln Z, everything in float64) over the rows of `data`. */
function exactLogLikelihood(model: Rbm, data: Matrix): number {
  const hs = allStates(model.params.nHidden);
  let s = 0;
  for (let r = 0; r < data.rows; r++)
    s += logSumExp(Array.from({ length: hs.rows }, (_, h) => -rbmEnergy(model.params, data.row(r), hs.row(h))));
  return s / data.rows - exactGaussianRbmLogPartition(model.params);
}

test('collectStats for Gaussian units, fed exact model samples, estimates the exact log-likelihood gradient (central differences) within 0.02 for W, b, c and ln σ²', async (t) => {
  const model = gaussianRbm(2, 3, 3);
  const rng = Rng.fromSeed(9);
  const data = Matrix.zeros(40, 2);
  for (let k = 0; k < data.data.length; k++) data.data[k] = 1.5 * rng.normal() + (k % 2 ? 1 : -1);
  // 200,000 exact draws from the model: h from its marginal, then v | h.
  const n = 200_000;
  const logw = gaussianHiddenLogWeights(model.params);
  const z = logSumExp(logw);
  const hs = allStates(3);
  const cond = visibleProbs(model, hs, Matrix.zeros(hs.rows, 2));
  const negH = Matrix.zeros(n, 3),
    negMeans = Matrix.zeros(n, 2);
  for (let r = 0; r < n; r++) {
    let u = rng.uniform(),
      h = 0;
    while (h < hs.rows - 1 && (u -= Math.exp(logw[h] - z)) > 0) h++;
    negH.row(r).set(hs.row(h));
    negMeans.row(r).set(cond.row(h));
  }
  const negV = Matrix.zeros(n, 2);
  sampleVisible(model, negMeans, negV);
  const posProbs = hiddenProbs(model, data, Matrix.zeros(data.rows, 3));
  const negProbs = hiddenProbs(model, negV, Matrix.zeros(n, 3));
  const state = trainingState(model);
  const phase: NegativePhase = {
    model: state.model,
    state,
    batch: { data, epoch: 0, index: 0, batchesPerEpoch: 1, step: 0 },
    visible: data,
    hiddenProbs: posProbs,
    hidden: posProbs,
    negativeVisible: negV,
    negativeHiddenProbs: negProbs,
    reconstruction: data,
  };
  const stats = await lastValueFrom(of(phase).pipe(collectStats()));
  const eps = 1e-3;
  const check = (name: string, param: Float32Array, estimate: Float32Array) => {
    for (let k = 0; k < param.length; k++) {
      const exact = centralDifference(param, k, () => exactLogLikelihood(model, data), eps);
      t.true(Math.abs(estimate[k] - exact) < 0.02, `${name}[${k}]: ${estimate[k]} vs exact ${exact}`);
    }
  };
  check('W', model.params.weights.data, stats.gradient.weights.data);
  check('b', model.params.visibleBias, stats.gradient.visibleBias);
  check('c', model.params.hiddenBias, stats.gradient.hiddenBias);
  check('ln σ²', model.params.logVariance!, stats.gradient.logVariance!);
});

test('trainRbm with Gaussian visible units and learned variances raises the exact log-likelihood of real-valued data by more than 0.5 nats', async (t) => {
  // Two clusters in 4 dimensions, standardised.
  const rng = Rng.fromSeed(5);
  const raw = Matrix.zeros(600, 4);
  for (let r = 0; r < raw.rows; r++) {
    const c = r % 2 ? 2 : -2;
    for (let i = 0; i < 4; i++) raw.data[r * 4 + i] = (i < 2 ? c : -c) + 0.5 * rng.normal();
  }
  const data = standardize(raw, fitStandardization(raw));
  const config = {
    nHidden: 4,
    visibleUnits: 'gaussian',
    learnVariance: true,
    batchSize: 20,
    epochs: 30,
    learningRate: 0.01,
    method: 'pcd',
    backend: 'js',
  } as const;
  const initial = createRbm({ nVisible: 4, nHidden: 4, seed: 1, visibleUnits: { type: 'gaussian', learnVariance: true } });
  const before = exactLogLikelihood(initial, data);
  const final = await lastValueFrom(trainRbm({ data, config }).pipe(last()));
  const after = exactLogLikelihood(final.model, data);
  t.log(`exact mean log-likelihood ${before.toFixed(3)} → ${after.toFixed(3)}`);
  t.true(after - before > 0.5, `exact log-likelihood ${before.toFixed(3)} → ${after.toFixed(3)}`);
  t.true(
    final.model.params.logVariance!.some((z) => z !== 0),
    'the variances were learned',
  );
});

test('the Gaussian default learning rate is 0.001 (0.1 for Bernoulli units) and learnVariance needs Gaussian units', (t) => {
  t.is(trainConfigSchema.parse({ visibleUnits: 'gaussian' }).learningRate, 0.001);
  t.is(trainConfigSchema.parse({}).learningRate, 0.1);
  t.is(trainConfigSchema.parse({ visibleUnits: 'gaussian', learningRate: 0.01 }).learningRate, 0.01);
  t.throws(() => trainConfigSchema.parse({ learnVariance: true }), { message: /learnVariance/ });
});

test('standardize and unstandardize round-trip; constant columns map to 0', (t) => {
  const data = Matrix.from([
    [0, 5, 1],
    [2, 5, 3],
    [4, 5, 8],
  ]);
  const s = fitStandardization(data);
  const z = standardize(data, s);
  for (let i = 0; i < 3; i++) t.is(z.get(i, 1), 0);
  const back = unstandardize(z, s);
  for (let k = 0; k < 9; k++) t.true(Math.abs(back.data[k] - data.data[k]) < 1e-5);
});
