import test from 'ava';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { createBm } from '../models/bm.js';
import { classifyByFreeEnergy } from '../models/classifyByFreeEnergy.js';
import { addDiscriminativeGradient } from '../models/discriminativeGradient.js';
import { createRbm, zeroRbmParams, type Rbm } from '../models/rbm.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import type { ParamBuffers } from '../operators/phases.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { centralDifference } from './helpers.js';

// The classification RBM's discriminative gradient (Larochelle & Bengio 2008), held against finite
// differences of the exact mean ln p(y | x), which classifyByFreeEnergy computes from free energies.

const INPUTS = 3,
  K = 3,
  H = 2;
const visibleUnits = { type: 'bernoulli', softmaxGroups: [{ start: INPUTS, size: K }] } as const;

/** A classification RBM with N(0, 1) weights and biases. */
function randomClassifier(seed: number): Rbm {
  const rbm = createRbm({ nVisible: INPUTS + K, nHidden: H, seed, visibleUnits, backend: jsBackend });
  const rng = Rng.fromSeed(seed + 1000);
  for (const a of [rbm.params.weights.data, rbm.params.visibleBias, rbm.params.hiddenBias])
    for (let k = 0; k < a.length; k++) a[k] = rng.normal();
  return rbm;
}

/** Rows of binary inputs and a one-hot label (or the soft label `soft` in the last row). */
function labelled(rows: number, seed: number, soft?: number[]): Matrix {
  const rng = Rng.fromSeed(seed);
  const m = Matrix.zeros(rows, INPUTS + K);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < INPUTS; i++) m.set(r, i, rng.uniform() < 0.5 ? 1 : 0);
    m.set(r, INPUTS + Math.floor(rng.uniform() * K), 1);
  }
  if (soft) soft.forEach((t, k) => m.set(rows - 1, INPUTS + k, t));
  return m;
}

/** Mean over the rows of Σₖ tₖ ln p(k | x), exactly. */
function objective(rbm: Rbm, data: Matrix): number {
  const { logProbs } = classifyByFreeEnergy(rbm, data);
  let sum = 0;
  for (let r = 0; r < data.rows; r++) for (let k = 0; k < K; k++) sum += data.get(r, INPUTS + k) * logProbs[r * K + k];
  return sum / data.rows;
}

const parameters = (p: ParamBuffers) => [
  ...Array.from(p.weights.data, (_, k) => ({ name: `W[${Math.floor(k / H)},${k % H}]`, array: p.weights.data, k })),
  ...Array.from(p.visibleBias, (_, k) => ({ name: `b[${k}]`, array: p.visibleBias, k })),
  ...Array.from(p.hiddenBias, (_, k) => ({ name: `c[${k}]`, array: p.hiddenBias, k })),
];

test('addDiscriminativeGradient equals finite differences of the exact mean ln p(y | x) for every weight and bias (one-hot and soft labels); h = 1e-2, tolerance 1e-4', (t) => {
  for (const soft of [undefined, [0.2, 0.5, 0.3]]) {
    const rbm = randomClassifier(3);
    const data = labelled(6, 5, soft);
    const gradient = zeroRbmParams(INPUTS + K, H, visibleUnits);
    const metrics = addDiscriminativeGradient(rbm, data, gradient);
    t.true(Math.abs(metrics.labelLogLikelihood - objective(rbm, data)) < 1e-6, `labelLogLikelihood ${metrics.labelLogLikelihood}`);
    const analytic = parameters(gradient);
    let worst = 0;
    parameters(rbm.params).forEach(({ name, array, k }, p) => {
      const numeric = centralDifference(array, k, () => objective(rbm, data), 1e-2);
      const got = analytic[p].array[analytic[p].k];
      worst = Math.max(worst, Math.abs(numeric - got));
      t.true(Math.abs(numeric - got) < 1e-4, `${name}: finite differences ${numeric}, gradient ${got}`);
    });
    t.log(`${soft ? 'soft' : 'one-hot'} labels: worst |finite differences − gradient| ${worst.toExponential(2)}`);
    // Every group of parameters moves (a term left out would show as zeros here).
    for (const [name, values] of [
      ['input rows of W', gradient.weights.data.slice(0, INPUTS * H)],
      ['label rows of W', gradient.weights.data.slice(INPUTS * H)],
      ['label biases', gradient.visibleBias.slice(INPUTS)],
      ['hidden biases', gradient.hiddenBias],
    ] as const)
      t.true(
        values.some((v) => Math.abs(v) > 1e-3),
        `${name}: ${Array.from(values).join(', ')}`,
      );
    t.deepEqual(Array.from(gradient.visibleBias.slice(0, INPUTS)), [0, 0, 0], 'the inputs’ biases do not enter p(y | x)');
  }
});

test("collectStats({ objective }): 'discriminative' is addDiscriminativeGradient's, 'hybrid' is it plus α times the generative statistics of the same phases; tolerance 1e-6", async (t) => {
  const data = labelled(8, 7);
  const alpha = 0.3;
  const run = (objective: 'generative' | 'discriminative' | 'hybrid') =>
    lastValueFrom(
      from([data]).pipe(
        clampVisible(randomClassifier(9)),
        gibbsStep({ k: 1 }),
        collectStats({ objective, generativeWeight: alpha }),
        map((s) => ({ values: parameters(s.gradient).map(({ array, k }) => array[k]), metrics: s.metrics })),
      ),
    );
  const [gen, disc, hybrid] = [await run('generative'), await run('discriminative'), await run('hybrid')];
  const direct = zeroRbmParams(INPUTS + K, H, visibleUnits);
  addDiscriminativeGradient(randomClassifier(9), data, direct);
  const expected = parameters(direct).map(({ array, k }) => array[k]);
  disc.values.forEach((v, p) => t.true(Math.abs(v - expected[p]) < 1e-6, `discriminative parameter ${p}: ${v} vs ${expected[p]}`));
  hybrid.values.forEach((v, p) =>
    t.true(
      Math.abs(v - (expected[p] + alpha * gen.values[p])) < 1e-6,
      `hybrid parameter ${p}: ${v} vs ${expected[p] + alpha * gen.values[p]}`,
    ),
  );
  t.true(
    gen.values.some((v, p) => Math.abs(v - disc.values[p]) > 1e-3),
    'the objectives differ',
  );
  t.true(disc.metrics.labelLogLikelihood < 0 && disc.metrics.labelError >= 0 && disc.metrics.labelError <= 1);
  t.false('labelLogLikelihood' in gen.metrics);
});

test('a discriminative or hybrid objective needs a label group, and a general BM refuses one, each naming the field', async (t) => {
  const plain = createRbm({ nVisible: 4, nHidden: 2, seed: 1 });
  await t.throwsAsync(
    lastValueFrom(from([Matrix.zeros(1, 4)]).pipe(clampVisible(plain), gibbsStep({ k: 1 }), collectStats({ objective: 'discriminative' }))),
    { message: /^collectStats objective discriminative: visible units: got "bernoulli", expected a model with a softmax \(label\) group/ },
  );
  const bm = createBm({ nVisible: 3, nHidden: 1, seed: 1 });
  await t.throwsAsync(
    lastValueFrom(from([Matrix.zeros(1, 3)]).pipe(clampVisible(bm), gibbsStep({ k: 1 }), collectStats({ objective: 'hybrid' }))),
    { message: /^collectStats objective: got "hybrid", expected generative for a general BM/ },
  );
  const labelledRbm = randomClassifier(1);
  await t.throwsAsync(
    lastValueFrom(
      from([labelled(2, 1)]).pipe(
        clampVisible(labelledRbm),
        gibbsStep({ k: 1 }),
        collectStats({ objective: 'hybrid', generativeWeight: -1 }),
      ),
    ),
    { message: /^collectStats generativeWeight: got -1, expected a finite number ≥ 0/ },
  );
});

test('trainRbm with objective discriminative raises ln p(y | x) of a toy problem and classifies it better than the generative objective at the same settings', async (t) => {
  // The label is the majority of the three inputs, with 10% of the labels flipped.
  const rng = Rng.fromSeed(11);
  const rows = 305; // a short last minibatch (5 rows) each epoch: the buffers' views shrink and grow again
  const data = Matrix.zeros(rows, INPUTS + K);
  for (let r = 0; r < rows; r++) {
    let on = 0;
    for (let i = 0; i < INPUTS; i++) {
      const x = rng.uniform() < 0.5 ? 1 : 0;
      data.set(r, i, x);
      on += x;
    }
    const label = rng.uniform() < 0.1 ? Math.floor(rng.uniform() * K) : on >= 2 ? 1 : 0;
    data.set(r, INPUTS + label, 1);
  }
  const config = { nHidden: 4, epochs: 30, batchSize: 10, learningRate: 0.1, backend: 'js', centering: false } as const;
  const final = async (objective: 'generative' | 'discriminative') => {
    const events = await lastValueFrom(trainRbm({ data, visibleUnits, config: { ...config, objective } }).pipe(toArray()));
    return { first: events[0], last: events.at(-1)! };
  };
  const disc = await final('discriminative');
  const gen = await final('generative');
  const after = objective(disc.last.model, data),
    before = disc.first.metrics.labelLogLikelihood;
  const error = (rbm: Rbm) => {
    const { labels } = classifyByFreeEnergy(rbm, data);
    let wrong = 0;
    for (let r = 0; r < rows; r++) if (data.get(r, INPUTS + labels[r]) !== 1) wrong++;
    return wrong / rows;
  };
  t.log(
    `discriminative: ln p(y|x) ${before.toFixed(3)} → ${after.toFixed(3)}, error ${error(disc.last.model)}; generative: ${objective(gen.last.model, data).toFixed(3)}, error ${error(gen.last.model)}`,
  );
  t.true(after - before > 0.3, `${before} → ${after}`);
  t.true(after > objective(gen.last.model, data), 'the discriminative objective fits p(y | x) better');
  t.true(error(disc.last.model) <= 0.12, `${error(disc.last.model)}`);
});
