import test from 'ava';
import { trainingState } from '../models/modelKinds.js';
import { from, lastValueFrom, of, toArray, map } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { exactRbmGradient } from '../models/exactRbm.js';
import { gibbsBuffers, gibbsChain, hiddenProbs, rbmFromParams, visibleProbs } from '../models/rbm.js';
import { applyUpdate, linearDecay } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import type { Statistics } from '../operators/phases.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { createBm } from '../models/bm.js';
import { createDbm } from '../models/dbm.js';
import { binaryData, randomRbm } from './helpers.js';

test('collectStats computes ⟨v P(h|v)⟩₊ − ⟨v P(h|v)⟩₋ and the mean differences from the phases it is given', async (t) => {
  const rbm = randomRbm(6, 4, 3, 0.5);
  const data = binaryData(8, 6, 1);
  await lastValueFrom(
    of(data).pipe(
      clampVisible(rbm),
      gibbsStep({ k: 2 }),
      map((neg) => ({
        neg,
        copy: {
          v0: neg.visible.clone(),
          h0: neg.hiddenProbs.clone(),
          vk: neg.negativeVisible.clone(),
          hk: neg.negativeHiddenProbs.clone(),
          recon: neg.reconstruction.clone(),
        },
      })),
      map(({ neg, copy }) => {
        let stats: Statistics | undefined;
        of(neg)
          .pipe(collectStats())
          .subscribe((s) => (stats = s));
        return { stats: stats as Statistics, copy };
      }),
      map(({ stats, copy }) => {
        const { v0, h0, vk, hk, recon } = copy;
        for (let i = 0; i < 6; i++)
          for (let j = 0; j < 4; j++) {
            let pos = 0,
              neg = 0;
            for (let r = 0; r < v0.rows; r++) pos += v0.get(r, i) * h0.get(r, j);
            for (let r = 0; r < vk.rows; r++) neg += vk.get(r, i) * hk.get(r, j);
            t.true(Math.abs(stats.gradient.weights.get(i, j) - (pos / v0.rows - neg / vk.rows)) < 1e-6);
          }
        for (let j = 0; j < 4; j++) {
          let pos = 0,
            neg = 0;
          for (let r = 0; r < 8; r++) {
            pos += h0.get(r, j);
            neg += hk.get(r, j);
          }
          t.true(Math.abs(stats.gradient.hiddenBias[j] - (pos - neg) / 8) < 1e-6);
        }
        for (let i = 0; i < 6; i++) {
          let pos = 0,
            neg = 0;
          for (let r = 0; r < 8; r++) {
            pos += v0.get(r, i);
            neg += vk.get(r, i);
          }
          t.true(Math.abs(stats.gradient.visibleBias[i] - (pos - neg) / 8) < 1e-6, `visibleBias[${i}]`);
        }
        let squared = 0;
        for (let k = 0; k < v0.data.length; k++) squared += (v0.data[k] - recon.data[k]) ** 2;
        t.true(
          squared > 0 && Math.abs(stats.metrics.reconstructionError - squared / 8) < 1e-5,
          `reconstructionError ${stats.metrics.reconstructionError} vs ${squared / 8}`,
        );
      }),
    ),
  );
});

test("PCD chains persist: each minibatch continues the chains exactly where the previous one left them; the reconstruction is the data's", async (t) => {
  const seed = 5;
  // Chains as many as the rows, k = 3; then 7 chains, k = 1, and a short last minibatch (the
  // chains' first half-step and the reconstruction share one product: rows of different counts).
  for (const { nChains, k, rows, keepHidden } of [
    { nChains: undefined, k: 3, rows: [10, 10, 10, 10], keepHidden: false },
    { nChains: 7, k: 1, rows: [10, 10, 4], keepHidden: false },
    { nChains: undefined, k: 3, rows: [10, 10, 10, 10], keepHidden: true },
    { nChains: 7, k: 1, rows: [10, 10, 4], keepHidden: true },
  ]) {
    const batches = rows.map((r, i) => binaryData(r, 6, i + 1));
    const rbm = randomRbm(6, 4, seed, 0.5);
    const seen = await lastValueFrom(
      from(batches).pipe(
        clampVisible(rbm),
        gibbsStep({ k, chains: 'persistent', nChains, keepHidden }),
        map((n) => ({
          chains: n.state.chains!.visible,
          hidden: n.state.chains!.hidden?.clone(),
          copy: n.negativeVisible.clone(),
          recon: n.reconstruction.clone(),
        })),
        toArray(),
      ),
    );
    t.true(
      seen.every((s) => s.chains === seen[0].chains),
      'one chain buffer for the whole subscription',
    );
    // Replay by hand with the same generator: the chains start from a sample of the first
    // minibatch and are never reset; only k Gibbs steps per minibatch move them, each after the
    // first starting from the chains' visible states (v → h under the current parameters) or, with
    // keepHidden, from the hidden states sampled at the end of the one before.
    const replay = rbmFromParams(randomRbm(6, 4, seed, 0.5).params, Rng.fromState(randomRbm(6, 4, seed, 0.5).rng.state()));
    const n = nChains ?? rows[0];
    const buffers = gibbsBuffers(replay.params, n);
    let chains: Matrix | null = null;
    for (let b = 0; b < batches.length; b++) {
      const hp = Matrix.zeros(rows[b], 4),
        hs = Matrix.zeros(rows[b], 4);
      hiddenProbs(replay, batches[b], hp);
      replay.backend.bernoulli(hp.data, replay.rng, hs.data); // clampVisible's h⁰ sample
      if (!chains) {
        chains = batches[0].topRows(n).clone();
        replay.backend.bernoulli(chains.data, replay.rng, chains.data);
      }
      t.deepEqual(seen[b].recon.data, visibleProbs(replay, hs, Matrix.zeros(rows[b], 6)).data, `reconstruction ${b}`);
      gibbsChain(replay, chains, k, buffers, 1, keepHidden && b > 0);
      if (keepHidden) replay.backend.bernoulli(buffers.hiddenProbs.data, replay.rng, buffers.hidden.data);
      t.deepEqual(seen[b].copy.data, chains.data, `${n} chains, k = ${k}, keepHidden ${keepHidden}, minibatch ${b}`);
      t.deepEqual(seen[b].hidden?.data.slice(), keepHidden ? buffers.hidden.data.slice() : undefined, `hidden states kept: ${keepHidden}`);
    }
  }
});

test('with persistent chains, later minibatches do not touch the chains; with CD they restart at the data', async (t) => {
  const first = binaryData(10, 6, 1);
  const run = async (chains: 'data' | 'persistent', later: number) => {
    const rbm = randomRbm(6, 4, 8, 2);
    const batches = [first, binaryData(10, 6, later), binaryData(10, 6, later + 1)];
    return lastValueFrom(
      from(batches).pipe(
        clampVisible(rbm),
        gibbsStep({ k: 1, chains }),
        map((n) => n.negativeVisible.clone()),
        toArray(),
      ),
    );
  };
  const [pA, pB] = [await run('persistent', 20), await run('persistent', 40)];
  t.deepEqual(pA[2].data, pB[2].data);
  const [cA, cB] = [await run('data', 20), await run('data', 40)];
  t.notDeepEqual(cA[2].data, cB[2].data);
});

test("general BM and DBM: with persistent chains, later minibatches do not touch the chains (they continue from the first minibatch's); with CD they restart at the data", async (t) => {
  const first = binaryData(10, 6, 1);
  const batches = (later: number) => [first, binaryData(10, 6, later), binaryData(10, 6, later + 1)];
  const bmChains = async (chains: 'data' | 'persistent', later: number) => {
    const model = createBm({ nVisible: 6, nHidden: 2, seed: 4, weightStd: 1 });
    return lastValueFrom(
      from(batches(later)).pipe(
        clampVisible(model, { k: 2 }),
        gibbsStep({ k: 2, chains }),
        map((n) => Array.from(n.negative.cooccurrence)),
        toArray(),
      ),
    );
  };
  const dbm = async (chains: 'data' | 'persistent', later: number) => {
    const model = createDbm({ sizes: [6, 3, 2], seed: 4, weightStd: 1 });
    return lastValueFrom(
      from(batches(later)).pipe(
        clampVisible(model),
        gibbsStep({ k: 1, chains }),
        map((n) => n.negativeStates.map((m) => Array.from(m.data))),
        toArray(),
      ),
    );
  };
  for (const [name, run] of [
    ['BM', bmChains],
    ['DBM', dbm],
  ] as const) {
    const [pA, pB] = [await run('persistent', 20), await run('persistent', 40)];
    t.deepEqual(pA[2], pB[2], `${name}: persistent chains`);
    const [cA, cB] = [await run('data', 20), await run('data', 40)];
    t.notDeepEqual(cA[2], cB[2], `${name}: CD chains`);
  }
});

test('averaged over many minibatches at fixed parameters, the PCD statistics converge to the exact gradient (|error| < 0.02)', async (t) => {
  const rbm = randomRbm(5, 3, 13, 0.6);
  const data = binaryData(16, 5, 4);
  const exact = exactRbmGradient(rbm.params, data);
  const steps = 1500;
  const sum = new Float64Array(exact.weights.length);
  await lastValueFrom(
    from(Array.from({ length: steps }, () => data)).pipe(
      clampVisible(rbm),
      gibbsStep({ k: 1, chains: 'persistent', nChains: 200 }),
      collectStats(),
      map((s) => s.gradient.weights.data.forEach((g, i) => (sum[i] += g / steps))),
      toArray(),
    ),
  );
  for (let i = 0; i < sum.length; i++) t.true(Math.abs(sum[i] - exact.weights[i]) < 0.02, `w[${i}]: ${sum[i]} vs ${exact.weights[i]}`);
});

test('applyUpdate: velocity ← m·velocity + lr·(gradient − decay·W), W ← W + velocity; biases undecayed', async (t) => {
  const rbm = randomRbm(3, 2, 1, 0.5);
  const w0 = rbm.params.weights.clone();
  const b0 = rbm.params.visibleBias.slice();
  const c0 = rbm.params.hiddenBias.slice();
  const gradient = {
    weights: Matrix.from([
      [1, 2],
      [3, 4],
      [5, 6],
    ]),
    visibleBias: Float32Array.of(1, 1, 1),
    hiddenBias: Float32Array.of(2, -1),
  };
  const batch = { data: Matrix.zeros(1, 3), epoch: 0, index: 0, batchesPerEpoch: 2, step: 0 };
  const state = trainingState(rbm);
  const stats = { model: state.model, state, batch, gradient, metrics: { reconstructionError: 1 } };
  const events = await lastValueFrom(
    from([stats, { ...stats, batch: { ...batch, index: 1, step: 1 } }]).pipe(
      applyUpdate({ learningRate: 0.1, momentum: 0.5, weightDecay: 0.01 }),
      map((e) => ({ step: e.step, w: e.params.weights.data[0] })),
      toArray(),
    ),
  );
  const v1 = 0.1 * (1 - 0.01 * w0.data[0]);
  const w1 = w0.data[0] + v1;
  const v2 = 0.5 * v1 + 0.1 * (1 - 0.01 * w1);
  t.deepEqual(
    events.map((e) => e.step),
    [1, 2],
  );
  t.true(Math.abs(events[0].w - w1) < 1e-6);
  t.true(Math.abs(events[1].w - (w1 + v2)) < 1e-6);
  const vb1 = 0.1,
    vb2 = 0.5 * 0.1 + 0.1;
  t.true(Math.abs(state.model.params.visibleBias[0] - (b0[0] + vb1 + vb2)) < 1e-6);
  // Hidden biases: 0.1·g then 0.5·0.1·g + 0.1·g, undecayed.
  [2, -1].forEach((g, j) => t.true(Math.abs(state.model.params.hiddenBias[j] - (c0[j] + 0.25 * g)) < 1e-6, `hiddenBias[${j}]`));
});

test('applyUpdate with a schedule scales the learning rate by schedule(step) and reports it', async (t) => {
  const rbm = randomRbm(2, 1, 1, 0);
  const gradient = { weights: Matrix.from([[1], [1]]), visibleBias: Float32Array.of(0, 0), hiddenBias: Float32Array.of(0) };
  const state = trainingState(rbm);
  const stats = (step: number) => ({
    model: state.model,
    state,
    batch: { data: Matrix.zeros(1, 2), epoch: 0, index: step, batchesPerEpoch: 4, step },
    gradient,
    metrics: { reconstructionError: 0 },
  });
  const events = await lastValueFrom(
    from([0, 1, 2, 3].map(stats)).pipe(
      applyUpdate({ learningRate: 0.2, schedule: linearDecay(4) }),
      map((e) => ({ lr: e.metrics.learningRate, w: e.params.weights.data[0] })),
      toArray(),
    ),
  );
  t.deepEqual(
    events.map((e) => Math.round(e.lr * 1e6) / 1e6),
    [0.2, 0.15, 0.1, 0.05],
  );
  t.true(Math.abs(events[3].w - 0.5) < 1e-6); // 0.2 + 0.15 + 0.1 + 0.05 with no momentum
  t.is(linearDecay(10)(20), 0);
});

test('bad operator options and bad minibatches are BoltzflowErrors naming the field', async (t) => {
  t.throws(() => gibbsStep({ k: 0 }), { instanceOf: BoltzflowError, message: /^k: got 0, expected a number ≥ 1/ });
  t.throws(() => applyUpdate({ learningRate: -1 }), {
    instanceOf: BoltzflowError,
    message: /^learningRate: got -1, expected a number > 0/,
  });
  t.throws(() => gibbsStep({ chains: 'forever' as 'data' }), { message: /chains: got "forever", expected one of "data", "persistent"/ });
  const rbm = randomRbm(3, 2, 1);
  await t.throwsAsync(lastValueFrom(of(Matrix.from([[0, 2, 0]])).pipe(clampVisible(rbm))), {
    instanceOf: BoltzflowError,
    message: /minibatch 0, row 0, column 1: got 2, expected a value in \[0, 1\]/,
  });
  await t.throwsAsync(lastValueFrom(of(Matrix.zeros(1, 4)).pipe(clampVisible(rbm))), { message: /minibatch 0: got "1×4"/ });
});
