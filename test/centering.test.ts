import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { last, lastValueFrom, take, tap } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { availableBackends } from '../kernels/selectBackend.js';
import { centerGradient, initialOffsets, type CenteringOffsets } from '../models/centering.js';
import { exactRbmGradient, exactRbmVisibleLogProbs } from '../models/exactRbm.js';
import { createRbm, hiddenProbs, type Rbm } from '../models/rbm.js';
import { rbmKind, type ParamBuffers, type RbmChains } from '../models/rbmKind.js';
import { startState } from '../models/trainingState.js';
import type { StepEvent } from '../operators/phases.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { parseWith } from '../schemas/parseWith.js';
import { decodeSnapshot, encodeSnapshot, type Snapshot } from '../schemas/snapshot.js';
import { storedTrainConfigSchema, trainConfigSchema } from '../schemas/trainConfig.js';
import { toSnapshot } from '../sinks/stateSnapshot.js';
import { readSnapshot, snapshotState } from '../sources/readSnapshot.js';
import { bin } from './cliRun.js';
import { allStates, binaryData, bytesOf, randomRbm } from './helpers.js';

// A centered RBM, E(v,h) = −(v−μ)ᵀW(h−λ) − b̃ᵀ(v−μ) − c̃ᵀ(h−λ), is stored as the ordinary RBM
// (W, b = b̃ − Wλ, c = c̃ − Wᵀμ): the oracle here is the centered energy itself, enumerated in float64.

const V = 5,
  H = 3;
const data = binaryData(12, V, 3);
const rng = Rng.fromSeed(5);
const offsets: CenteringOffsets = {
  visible: Float32Array.from({ length: V }, () => 0.2 + 0.6 * rng.uniform()),
  hidden: Float32Array.from({ length: H }, () => 0.2 + 0.6 * rng.uniform()),
  sliding: 0.01,
};
const centered = { W: Float64Array.from({ length: V * H }, () => 0.8 * rng.normal()) };
const bTilde = Float64Array.from({ length: V }, () => 0.5 * rng.normal()),
  cTilde = Float64Array.from({ length: H }, () => 0.5 * rng.normal());

/** The exact mean log-likelihood of `rows` under the centered energy, by enumerating all 2^V × 2^H states in float64. */
function centeredLogLikelihood(W: Float64Array, b: Float64Array, c: Float64Array, o: CenteringOffsets, rows = data): number {
  const lse = (xs: number[]) => {
    const m = Math.max(...xs);
    return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
  };
  const logMarginal = (v: ArrayLike<number>) => {
    const terms: number[] = [];
    for (let s = 0; s < 1 << H; s++) {
      let e = 0;
      for (let i = 0; i < V; i++) e += b[i] * (v[i] - o.visible[i]);
      for (let j = 0; j < H; j++) {
        const hj = ((s >>> j) & 1) - o.hidden[j];
        e += c[j] * hj;
        for (let i = 0; i < V; i++) e += (v[i] - o.visible[i]) * W[i * H + j] * hj;
      }
      terms.push(e);
    }
    return lse(terms);
  };
  const all = allStates(V);
  const logZ = lse(Array.from({ length: all.rows }, (_, r) => logMarginal(all.row(r))));
  let ll = 0;
  for (let r = 0; r < rows.rows; r++) ll += logMarginal(rows.row(r)) - logZ;
  return ll / rows.rows;
}

/** The ordinary RBM of a centered one (float32, as the model stores it). */
function ordinary(W: Float64Array, b: Float64Array, c: Float64Array, o: CenteringOffsets) {
  const rbm = randomRbm(V, H, 1);
  const p = rbm.params;
  p.weights.data.set(W);
  for (let i = 0; i < V; i++)
    p.visibleBias[i] = b[i] - Array.from({ length: H }, (_, j) => W[i * H + j] * o.hidden[j]).reduce((s, x) => s + x);
  for (let j = 0; j < H; j++)
    p.hiddenBias[j] = c[j] - Array.from({ length: V }, (_, i) => W[i * H + j] * o.visible[i]).reduce((s, x) => s + x);
  return rbm;
}

/** The exact ordinary statistics ΔW, Δb, Δc (data less model, enumerated) as float32 buffers. */
function exactStatistics(W: Float64Array, o: CenteringOffsets): ParamBuffers {
  const g = exactRbmGradient(ordinary(W, bTilde, cTilde, o).params, data);
  return {
    weights: new Matrix(V, H, Float32Array.from(g.weights)),
    visibleBias: Float32Array.from(g.visibleBias),
    hiddenBias: Float32Array.from(g.hiddenBias),
  };
}

const central = (x: Float64Array, k: number, f: () => number, eps = 1e-5) => {
  const keep = x[k];
  x[k] = keep + eps;
  const up = f();
  x[k] = keep - eps;
  const down = f();
  x[k] = keep;
  return (up - down) / (2 * eps);
};

test('the centered gradient G = ΔW − μΔcᵀ − Δbλᵀ is ∂LL/∂W at fixed b̃, c̃, and Δb, Δc are ∂LL/∂b̃, ∂LL/∂c̃ (finite differences of the exact log-likelihood, 1e-5)', (t) => {
  const g = exactStatistics(centered.W, offsets);
  centerGradient(jsBackend, g, offsets, true)();
  const ll = () => centeredLogLikelihood(centered.W, bTilde, cTilde, offsets);
  let worst = 0;
  for (let k = 0; k < V * H; k++) worst = Math.max(worst, Math.abs(g.weights.data[k] - central(centered.W, k, ll)));
  for (let i = 0; i < V; i++) worst = Math.max(worst, Math.abs(g.visibleBias[i] - central(bTilde, i, ll)));
  for (let j = 0; j < H; j++) worst = Math.max(worst, Math.abs(g.hiddenBias[j] - central(cTilde, j, ll)));
  t.true(worst < 1e-5, `worst |G − ∂LL| ${worst}`);
  // The ordinary gradient is not it: the test can tell the two apart.
  const plain = exactStatistics(centered.W, offsets);
  t.true(Math.max(...plain.weights.data.map((x, k) => Math.abs(x - g.weights.data[k]))) > 1e-2);
});

test('the step in ordinary coordinates, W += ηG, b += η(Δb − Gλ), c += η(Δc − Gᵀμ), is the centered SGD step on (W, b̃, c̃) mapped back (1e-6); with μ = λ = 0 it is the ordinary step, bit for bit', (t) => {
  const eta = 0.3;
  const g = exactStatistics(centered.W, offsets);
  const G = exactStatistics(centered.W, offsets);
  centerGradient(jsBackend, G, offsets, true)();
  centerGradient(jsBackend, g, offsets)();
  const before = ordinary(centered.W, bTilde, cTilde, offsets).params;
  // The centered step: W' = W + ηG, b̃' = b̃ + ηΔb, c̃' = c̃ + ηΔc, mapped back with the same offsets.
  const W1 = centered.W.map((w, k) => w + eta * G.weights.data[k]);
  const after = ordinary(
    W1,
    bTilde.map((b, i) => b + eta * G.visibleBias[i]),
    cTilde.map((c, j) => c + eta * G.hiddenBias[j]),
    offsets,
  ).params;
  let worst = 0;
  for (let k = 0; k < V * H; k++)
    worst = Math.max(worst, Math.abs(before.weights.data[k] + eta * g.weights.data[k] - after.weights.data[k]));
  for (let i = 0; i < V; i++) worst = Math.max(worst, Math.abs(before.visibleBias[i] + eta * g.visibleBias[i] - after.visibleBias[i]));
  for (let j = 0; j < H; j++) worst = Math.max(worst, Math.abs(before.hiddenBias[j] + eta * g.hiddenBias[j] - after.hiddenBias[j]));
  t.true(worst < 1e-6, `worst difference ${worst}`);

  const zero = { visible: new Float32Array(V), hidden: new Float32Array(H), sliding: 0.01 };
  const plain = exactStatistics(centered.W, offsets),
    same = exactStatistics(centered.W, offsets);
  centerGradient(jsBackend, same, zero)();
  t.true(bytesOf(same.weights.data).equals(bytesOf(plain.weights.data)));
  t.true(bytesOf(same.visibleBias).equals(bytesOf(plain.visibleBias)));
  t.true(bytesOf(same.hiddenBias).equals(bytesOf(plain.hiddenBias)));
});

test("a centered run's first step through the four operators moves (W, b, c) by η times the centered step of the plain run's statistics, the offsets slid first (1e-5)", async (t) => {
  const d = binaryData(20, 6, 9);
  const base = { nHidden: 4, method: 'cd', batchSize: 20, learningRate: 0.5, momentum: 0, weightDecay: 0, seed: 3, backend: 'js' } as const;
  const first = (config: object) => lastValueFrom(trainRbm({ data: d, config: { ...base, ...config } }).pipe(take(1)));
  const start = rbmKind.copy((await first({ learningRate: 1e-30 })).model); // the initial parameters (a step of ~0)
  const [plain, cent] = [await first({ centering: false }), await first({ offsetSliding: 0.5 })];
  const o = cent.state.offsets!;
  const initial = initialOffsets(start.params);
  const means = (m: Matrix) =>
    Array.from({ length: m.cols }, (_, j) => Array.from({ length: m.rows }, (_, r) => m.get(r, j)).reduce((s, x) => s + x) / m.rows);
  const hp = means(hiddenProbs(start, d, Matrix.zeros(20, 4)));
  o.visible.forEach((x, i) => t.true(Math.abs(x - (0.5 * initial.visible[i] + 0.5 * means(d)[i])) < 1e-6, `μ ${i}`));
  o.hidden.forEach((x, j) => t.true(Math.abs(x - (0.5 * 0.5 + 0.5 * hp[j])) < 1e-6, `λ ${j}`));
  const diff = (a: Float32Array, b: Float32Array) => Float32Array.from(a, (x, k) => (x - b[k]) / 0.5);
  const g = {
    weights: new Matrix(6, 4, diff(plain.params.weights.data, start.params.weights.data)),
    visibleBias: diff(plain.params.visibleBias, start.params.visibleBias),
    hiddenBias: diff(plain.params.hiddenBias, start.params.hiddenBias),
  };
  centerGradient(jsBackend, g, o)();
  const worst = (a: Float32Array, b: Float32Array, s: Float32Array) =>
    Math.max(...Array.from(a, (x, k) => Math.abs(x - b[k] - 0.5 * s[k])));
  t.true(worst(cent.params.weights.data, start.params.weights.data, g.weights.data) < 1e-5);
  t.true(worst(cent.params.visibleBias, start.params.visibleBias, g.visibleBias) < 1e-5);
  t.true(worst(cent.params.hiddenBias, start.params.hiddenBias, g.hiddenBias) < 1e-5);
  t.true(
    Math.max(...Array.from(cent.params.weights.data, (x, k) => Math.abs(x - plain.params.weights.data[k]))) > 1e-3,
    'centering changed the step',
  );
});

test('moving the offsets leaves the distribution unchanged: the statistics slide them to the positive means and never touch the parameters (exact ln P(v) of all 32 states the same bits), and the centered energy for two offset pairs gives the same ln P(v) (1e-9)', (t) => {
  const rbm = ordinary(centered.W, bTilde, cTilde, offsets);
  const state = {
    ...startState<Rbm, ParamBuffers, RbmChains>(rbmKind, rbm),
    offsets: { ...offsets, visible: offsets.visible.slice(), hidden: offsets.hidden.slice(), sliding: 0.25 },
  };
  const logProbs = exactRbmVisibleLogProbs(state.model.params);
  const params = rbmKind.tensors(state.model, state.model.params).map((a) => bytesOf(a.slice()));
  const hp = hiddenProbs(state.model, data, Matrix.zeros(data.rows, H));
  const neg = data.topRows(4);
  const phase = {
    visible: data,
    hiddenProbs: hp,
    hidden: hp,
    negativeVisible: neg,
    negativeHiddenProbs: hp.topRows(4),
    reconstruction: data,
  };
  rbmKind.statistics(state.model)(state, phase, rbmKind.zeros(state.model));
  rbmKind.tensors(state.model, state.model.params).forEach((a, k) => t.true(bytesOf(a).equals(params[k]), `parameter array ${k} changed`));
  t.deepEqual(exactRbmVisibleLogProbs(state.model.params), logProbs);
  for (let i = 0; i < V; i++) {
    const mean = Array.from({ length: data.rows }, (_, r) => data.get(r, i)).reduce((s, x) => s + x) / data.rows;
    t.true(Math.abs(state.offsets.visible[i] - (0.75 * offsets.visible[i] + 0.25 * mean)) < 1e-6, `μ ${i}`);
  }
  t.true(Math.abs(state.offsets.hidden[0] - offsets.hidden[0]) > 1e-3, 'λ moved');
  // The same ordinary RBM seen around two pairs of offsets: b̃ = b + Wλ, c̃ = c + Wᵀμ.
  for (const o of [offsets, state.offsets]) {
    const p = rbm.params,
      W = Float64Array.from(p.weights.data);
    const b = Float64Array.from(
      p.visibleBias,
      (x, i) => x + Array.from({ length: H }, (_, j) => W[i * H + j] * o.hidden[j]).reduce((s, y) => s + y),
    );
    const c = Float64Array.from(
      p.hiddenBias,
      (x, j) => x + Array.from({ length: V }, (_, i) => W[i * H + j] * o.visible[i]).reduce((s, y) => s + y),
    );
    const all = allStates(V);
    for (let s = 0; s < all.rows; s++) {
      const lp = centeredLogLikelihood(W, b, c, o, all.rowRange(s, s + 1));
      t.true(Math.abs(lp - logProbs[s]) < 1e-9, `state ${s}: ${lp} vs ${logProbs[s]}`);
    }
  }
});

test('a centered run resumed from its snapshot keeps its offsets bit for bit and ends with the same bytes as the run straight through', async (t) => {
  const d = binaryData(40, 6, 3);
  const config = parseWith(trainConfigSchema, {
    nHidden: 4,
    batchSize: 10,
    epochs: 3,
    momentum: 0.5,
    centering: true,
    offsetSliding: 0.1,
    seed: 4,
  });
  const info = { name: 'test', rows: 40, imageShape: null, binarize: 'none' } as const;
  let snap: Snapshot | null = null;
  let atSave: Buffer[] = [];
  const straight = await lastValueFrom(
    trainRbm({ data: d, config }).pipe(
      tap((e: StepEvent) => {
        if (e.step !== 5) return;
        atSave = [bytesOf(e.state.offsets!.visible.slice()), bytesOf(e.state.offsets!.hidden.slice())];
        snap = decodeSnapshot(encodeSnapshot(toSnapshot(e, config, info)), 'test');
      }),
      last(),
    ),
  );
  const s = snap as Snapshot | null;
  if (!s?.offsets) return t.fail('the snapshot holds no offsets');
  t.is(s.offsets.sliding, 0.1);
  const restored = snapshotState(s).offsets!;
  t.true(bytesOf(restored.visible).equals(atSave[0]) && bytesOf(restored.hidden).equals(atSave[1]), 'restored offsets are the saved bits');
  t.false(bytesOf(restored.visible).equals(bytesOf(straight.state.offsets!.visible)), 'the offsets moved after the snapshot');
  const resumed = await lastValueFrom(trainRbm({ data: d, resume: s }).pipe(last()));
  t.is(resumed.step, straight.step);
  t.true(bytesOf(resumed.state.offsets!.visible).equals(bytesOf(straight.state.offsets!.visible)));
  t.true(bytesOf(resumed.state.offsets!.hidden).equals(bytesOf(straight.state.offsets!.hidden)));
  t.true(bytesOf(resumed.params.weights.data).equals(bytesOf(straight.params.weights.data)));
  t.true(bytesOf(resumed.params.visibleBias).equals(bytesOf(straight.params.visibleBias)));
  // A centered run's snapshot without its offsets is refused, and a plain run's with offsets.
  const bytes = (x: object) => encodeSnapshot(x as Snapshot);
  const { offsets: _, ...without } = s;
  t.throws(() => decodeSnapshot(bytes(without), 'snap'), { message: /^snap offsets: .*present \(config.centering is true\)/ });
  t.throws(() => decodeSnapshot(bytes({ ...s, config: { ...s.config, centering: false } }), 'snap'), {
    message: /absent \(config.centering is false\)/,
  });
});

test('centering is the default for Bernoulli units and off for Gaussian ones, refused for Gaussian ones when asked; boltzflow train says so in its first line and saves the offsets; --no-centering turns it off; --offset-sliding needs centering', async (t) => {
  const resolve = (input: object) => parseWith(trainConfigSchema, input).centering;
  t.deepEqual([resolve({}), resolve({ visibleUnits: 'gaussian' }), resolve({ centering: false })], [true, false, false]);
  t.throws(
    () => parseWith(trainConfigSchema, { centering: true, visibleUnits: 'gaussian' }, { fieldName: (p) => `config.${p.join('.')}` }),
    {
      instanceOf: BoltzflowError,
      message: /^config.centering: got true, expected false with Gaussian visible units/,
    },
  );
  const dir = mkdtempSync(join(tmpdir(), 'boltzflow-centering-'));
  const csv = join(dir, 'data.csv');
  const d = binaryData(30, 8, 2);
  writeFileSync(csv, Array.from({ length: 30 }, (_, r) => Array.from({ length: 8 }, (_, i) => d.get(r, i)).join(',')).join('\n'));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, 'train', '--data', csv, '--hidden', '3', '--batch', '10', '--sample-steps', '0', ...args], {
      encoding: 'utf8',
    });
  const r = run('--offset-sliding', '0.05', '--epochs', '2', '--out', join(dir, 'c'));
  t.is(r.status, 0, r.stderr);
  t.regex(r.stderr, /RBM 8→3 · PCD-2 · centered \(offsets slide 0\.05\)/);
  const snap = await readSnapshot(join(dir, 'c', 'snapshot.msgpack'));
  t.true(snap.config.centering && snap.offsets?.sliding === 0.05 && snap.offsets.visible.length === 8);
  const plain = run('--no-centering', '--epochs', '1', '--out', join(dir, 'p'));
  t.is(plain.status, 0, plain.stderr);
  t.regex(plain.stderr, /RBM 8→3 · PCD-2\n/);
  t.false((await readSnapshot(join(dir, 'p', 'snapshot.msgpack'))).config.centering);
  const bad = run('--no-centering', '--offset-sliding', '0.05', '--out', join(dir, 'q'));
  t.is(bad.status, 2);
  t.regex(bad.stderr, /^boltzflow: --offset-sliding: got 0.05, expected to be used with centering/);
  const both = run('--centering', '--no-centering', '--out', join(dir, 'q'));
  t.regex(both.stderr, /^boltzflow: --no-centering: got true, expected not together with --centering/);
  rmSync(dir, { recursive: true, force: true });
});

test('a snapshot written before centering existed (no config.centering) reads as a run without it, whatever the default', (t) => {
  const { centering: _, ...old } = parseWith(trainConfigSchema, {});
  t.false(storedTrainConfigSchema.parse(old).centering);
  t.true(storedTrainConfigSchema.parse({ ...old, centering: true }).centering);
  t.true(trainConfigSchema.parse(old).centering, 'a new config without the field gets the default');
});

for (const [name, backend] of Object.entries(availableBackends()))
  test(`${name}: the centered step on buffers in the backend's own memory (784×50 gradient) matches the js reference (1e-5)`, (t) => {
    const r = Rng.fromSeed(8);
    const model = createRbm({ nVisible: 784, nHidden: 50, seed: 1, backend });
    const o = { ...initialOffsets(model.params), hidden: Float32Array.from({ length: 50 }, () => r.uniform()) };
    const fill = (g: ParamBuffers) => {
      const q = Rng.fromSeed(9);
      for (const a of [g.weights.data, g.visibleBias, g.hiddenBias]) for (let k = 0; k < a.length; k++) a[k] = q.normal() * 0.1;
      return g;
    };
    const g = fill(rbmKind.zeros(model)),
      ref = fill(rbmKind.zeros({ ...model, backend: jsBackend }));
    centerGradient(backend, g, o)();
    centerGradient(jsBackend, ref, o)();
    for (const [a, b] of [
      [g.weights.data, ref.weights.data],
      [g.visibleBias, ref.visibleBias],
      [g.hiddenBias, ref.hiddenBias],
    ] as const)
      t.true(
        Array.from(a).every((x, k) => Math.abs(x - b[k]) <= 1e-5 * (1 + Math.abs(b[k]))),
        `worst ${Math.max(...Array.from(a, (x, k) => Math.abs(x - b[k])))}`,
      );
  });
