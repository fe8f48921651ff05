import test from 'ava';
import { lastValueFrom, toArray } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { hiddenProbs, logOdds, visibleProbs, type Rbm } from '../models/rbm.js';
import { pretrainDbm, type PretrainDbmEvent } from '../pipelines/pretrainDbm.js';

// The modified RBMs of a DBM's pretraining (Salakhutdinov & Hinton 2009), held to their defining
// conditionals: the bottom RBM's P(h | v) = σ(c + 2Wᵀv) and P(v | h) = σ(b + Wh), the top RBM's
// P(v | h) = σ(b + 2Wh) and P(h | v) = σ(c + Wᵀv), with W, b, c the layer's own (`rbms()`).

const rng = Rng.fromSeed(4);
const data = Matrix.zeros(40, 6);
for (let k = 0; k < data.data.length; k++) data.data[k] = rng.uniform() < (k % 6) / 7 + 0.1 ? 1 : 0;
const layer = { batchSize: 10, epochs: 3, learningRate: 0.5, method: 'pcd', backend: 'js', centering: false } as const;

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** σ(bias + scale·(x·W)) of every row, W `V×H` read as `transpose` = false (x is B×V) or as Wᵀ (x is B×H). */
function byHand(x: Matrix, r: Rbm, scale: number, transpose: boolean): number[][] {
  const { weights: w, visibleBias, hiddenBias, nVisible: V, nHidden: H } = r.params;
  const [n, m, bias] = transpose ? [H, V, visibleBias] : [V, H, hiddenBias];
  return Array.from({ length: x.rows }, (_, row) =>
    Array.from({ length: m }, (_, j) => {
      let z = 0;
      for (let i = 0; i < n; i++) z += x.get(row, i) * (transpose ? w.get(j, i) : w.get(i, j));
      return sigmoid(bias[j] + scale * z);
    }),
  );
}

const side = (m: Matrix, from: number, to: number) => m.toArrays().map((row) => row.slice(from, to));
const close = (a: number[][], b: number[][]) => a.every((row, i) => row.every((x, j) => Math.abs(x - b[i][j]) < 1e-6));

async function run(hidden: number[], topRate: number = layer.learningRate): Promise<PretrainDbmEvent[]> {
  const layers = hidden.map((nHidden, l) => ({
    ...layer,
    nHidden,
    seed: l + 1,
    ...(l === hidden.length - 1 ? { learningRate: topRate } : {}),
  }));
  return lastValueFrom(pretrainDbm({ data, layers }).pipe(toArray()));
}

test('pretrainDbm (6-4-3): the bottom RBM is P(h | v) = σ(c + 2Wᵀv), P(v | h) = σ(b + Wh); the top RBM P(v | h) = σ(b + 2Wh), P(h | v) = σ(c + Wᵀv); tolerance 1e-6', async (t) => {
  // The top layer learns slowly (lr 1e-6): its first step shows where it started.
  const events = await run([4, 3], 1e-6);
  const bottom = events.filter((e) => e.layer === 0).at(-1)!;
  const top = events.at(-1)!;
  t.deepEqual(
    [bottom.copies, top.copies],
    [
      { visible: true, hidden: false },
      { visible: false, hidden: true },
    ],
  );
  const [w1, w2] = top.rbms();
  t.deepEqual([w1.params.nVisible, w1.params.nHidden, w2.params.nVisible, w2.params.nHidden], [6, 4, 4, 3]);

  // Bottom: the data enters as [v, v], so its hidden units hear 2Wᵀv; each visible copy is σ(b + Wh).
  const m1 = bottom.model;
  t.deepEqual([m1.params.nVisible, m1.params.nHidden], [12, 4]);
  const vv = Matrix.zeros(data.rows, 12);
  for (let r = 0; r < data.rows; r++) for (let i = 0; i < 12; i++) vv.set(r, i, data.get(r, i % 6));
  t.true(close(hiddenProbs(m1, vv, Matrix.zeros(data.rows, 4)).toArrays(), byHand(data, w1, 2, false)));
  const h = Matrix.from([
    [1, 0, 1, 0],
    [0, 1, 1, 1],
  ]);
  const pv = visibleProbs(m1, h, Matrix.zeros(2, 12));
  t.true(close(side(pv, 0, 6), byHand(h, w1, 1, true)));
  t.true(close(side(pv, 6, 12), byHand(h, w1, 1, true)));

  // Top: two copies of h², so the layer below hears 2W²h²; each copy of h² hears W²ᵀh¹.
  const m2 = top.model;
  t.deepEqual([m2.params.nVisible, m2.params.nHidden], [4, 6]);
  const h2 = Matrix.from([
    [1, 0, 1],
    [0, 1, 1],
  ]);
  const hh = Matrix.from(h2.toArrays().map((row) => [...row, ...row]));
  t.true(close(visibleProbs(m2, hh, Matrix.zeros(2, 4)).toArrays(), byHand(h2, w2, 2, true)));
  const ph = hiddenProbs(m2, h, Matrix.zeros(2, 6));
  t.true(close(side(ph, 0, 3), byHand(h, w2, 1, false)));
  t.true(close(side(ph, 3, 6), byHand(h, w2, 1, false)));

  // The top RBM learnt from the bottom one's doubled-input P(h¹ | v): its visible biases started at their log-odds.
  const firstTop = events.find((e) => e.layer === 1)!;
  t.is(firstTop.step, 1);
  const upward = byHand(data, w1, 2, false);
  const means = upward[0].map((_, j) => upward.reduce((s, row) => s + row[j], 0) / upward.length);
  const started = logOdds(means);
  firstTop.model.params.visibleBias.forEach((b, j) => t.true(Math.abs(b - started[j]) < 1e-4, `${b} vs ${started[j]}`));
});

test('pretrainDbm keeps the copies of a doubled side equal, bit for bit, at every step (a middle layer doubles both sides: 6-4-4-3)', async (t) => {
  const events = await run([4, 4, 3]);
  t.deepEqual(
    [0, 1, 2].map((l) => events.find((e) => e.layer === l)!.copies),
    [
      { visible: true, hidden: false },
      { visible: true, hidden: true },
      { visible: false, hidden: true },
    ],
  );
  for (const e of events) {
    const { weights: w, visibleBias, hiddenBias, nVisible, nHidden } = e.model.params;
    if (e.copies.visible) {
      const half = (nVisible / 2) * nHidden;
      t.deepEqual(w.data.subarray(0, half), w.data.subarray(half), `weights, step ${e.totalStep}`);
      t.deepEqual(visibleBias.subarray(0, nVisible / 2), visibleBias.subarray(nVisible / 2));
    }
    if (e.copies.hidden) {
      for (let i = 0; i < nVisible; i++) {
        const row = w.data.subarray(i * nHidden, (i + 1) * nHidden);
        t.deepEqual(row.subarray(0, nHidden / 2), row.subarray(nHidden / 2), `weights row ${i}, step ${e.totalStep}`);
      }
      t.deepEqual(hiddenBias.subarray(0, nHidden / 2), hiddenBias.subarray(nHidden / 2));
    }
  }
  t.deepEqual(
    events
      .at(-1)!
      .rbms()
      .map((r) => [r.params.nVisible, r.params.nHidden]),
    [
      [6, 4],
      [4, 4],
      [4, 3],
    ],
  );
  t.is(events.at(-1)!.totalStep, 3 * 3 * 4);
});

test('pretrainDbm refuses one layer, labels and real-valued units, naming the field', (t) => {
  t.throws(() => pretrainDbm({ data, layers: [{ nHidden: 4 }] }), {
    message: /^layers: got "1 layer\(s\)", expected one training config per hidden layer, at least 2/,
  });
  t.throws(
    () =>
      pretrainDbm({
        data,
        layers: [
          { nHidden: 4, objective: 'hybrid', batchSize: 10 },
          { nHidden: 3, batchSize: 10 },
        ],
      }),
    {
      message: /^layers\[0\]\.objective: got "hybrid"/,
    },
  );
  t.throws(
    () =>
      pretrainDbm({
        data,
        layers: [
          { nHidden: 4, visibleUnits: 'gaussian', batchSize: 10 },
          { nHidden: 3, batchSize: 10 },
        ],
      }),
    {
      message: /^layers\[0\]\.visibleUnits: got "gaussian"/,
    },
  );
});
