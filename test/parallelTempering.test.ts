import test from 'ava';
import { from, lastValueFrom, tap } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { exactRbmVisibleLogProbs } from '../models/exactRbm.js';
import { createRbm, rbmEnergy, type Rbm, type RbmParams } from '../models/rbm.js';
import type { RbmChains } from '../models/rbmKind.js';
import { swapBuffers, swapRound, temperedBetas } from '../models/temperedSampler.js';
import { clampVisible } from '../operators/clampVisible.js';
import { gibbsStep, type GibbsStepOptions } from '../operators/gibbsStep.js';
import { allStates, bytesOf, randomRbm } from './helpers.js';

/** p_β(v) ∝ Σ_h e^{−βE(v,h)} for every v (row s of `allStates`), by enumeration of the joint energy. */
function temperedProbs(params: RbmParams, beta: number): Float64Array {
  const vs = allStates(params.nVisible),
    hs = allStates(params.nHidden);
  const p = Float64Array.from({ length: vs.rows }, (_, s) => {
    let sum = 0;
    for (let k = 0; k < hs.rows; k++) sum += Math.exp(-beta * rbmEnergy(params, vs.row(s), hs.row(k)));
    return sum;
  });
  const z = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / z);
}

const stateOf = (row: Float32Array) => row.reduce((s, x, i) => s | (x ? 1 << i : 0), 0);

test('a swap round accepts each pair of neighbouring replicas with min(1, p_βa(v_b) p_βb(v_a) / (p_βa(v_a) p_βb(v_b))), the tempered marginals enumerated (1e-5), and swaps them so often', (t) => {
  const rbm = randomRbm(4, 3, 5, 1);
  const betas = temperedBetas(3, 0.2); // 1, 0.6, 0.2
  const copies = 200,
    n = 256 * copies;
  const exact = [0, 1, 2].map((a) => temperedProbs(rbm.params, betas[a]));
  for (const parity of [0, 1]) {
    // Chain r holds the hand-made pair (v_s, v_u), s = r mod 16, u = ⌊r/16⌋ mod 16, in the pair's replicas; the third replica all ones.
    const [a, b] = parity === 0 ? [0, 1] : [1, 2];
    const visible = Matrix.zeros(3 * n, 4);
    visible.data.fill(1);
    const vs = allStates(4);
    for (let r = 0; r < n; r++) {
      visible.row(a * n + r).set(vs.row(r % 16));
      visible.row(b * n + r).set(vs.row((r >> 4) % 16));
    }
    const before = visible.clone();
    const buffers = swapBuffers(rbm, 3 * n, visible);
    rbm.backend.gemm(false, false, 1, visible, rbm.params.weights, 0, buffers.x);
    const accept = new Float64Array(3 * n).fill(NaN);
    const swaps = swapRound(rbm, buffers, betas, n, parity, accept);
    let expected = 0,
      variance = 0,
      worst = 0;
    for (let r = 0; r < n; r++) {
      const s = r % 16,
        u = (r >> 4) % 16;
      const want = Math.min(1, (exact[a][u] * exact[b][s]) / (exact[a][s] * exact[b][u]));
      worst = Math.max(worst, Math.abs(accept[a * n + r] - want));
      expected += want;
      variance += want * (1 - want);
      const swapped = visible.row(a * n + r).join() === before.row(b * n + r).join();
      if (want === 1 && s !== u) t.true(swapped, `pair ${s}, ${u} always swaps`);
    }
    t.true(worst < 1e-5, `parity ${parity}: worst error ${worst}`);
    t.true(
      accept.every((p, i) => (Math.floor(i / n) === a ? p >= 0 && p <= 1 : Number.isNaN(p))),
      'only the pairs of this parity are tried',
    );
    const other = 3 - a - b;
    t.true(bytesOf(visible.rowRange(other * n, (other + 1) * n).data).equals(bytesOf(before.rowRange(other * n, (other + 1) * n).data)));
    // The count of exchanges is binomial-like around Σ p: within 5 standard deviations.
    t.true(
      Math.abs(swaps - expected) < 5 * Math.sqrt(variance),
      `${swaps} swaps, expected ${expected.toFixed(0)} ± ${Math.sqrt(variance).toFixed(0)}`,
    );
    // The x rows followed their states: still vW.
    const x = Matrix.zeros(3 * n, 3);
    rbm.backend.gemm(false, false, 1, visible, rbm.params.weights, 0, x);
    t.true(bytesOf(x.data).equals(bytesOf(buffers.x.data)));
  }
});

/** Runs `steps` minibatches through clampVisible → gibbsStep on a fixed model and counts each replica's visible states after `burnIn`. */
async function replicaCounts(rbm: Rbm, options: GibbsStepOptions, steps: number, burnIn: number, start: Matrix): Promise<Float64Array[]> {
  const replicas = options.chains === 'tempered' ? (options.replicas ?? 10) : 1;
  const counts = Array.from({ length: replicas }, () => new Float64Array(1 << rbm.params.nVisible));
  let step = 0;
  await lastValueFrom(
    from(Array<Matrix>(steps).fill(start)).pipe(
      clampVisible(rbm),
      gibbsStep(options),
      tap((neg) => {
        if (step++ < burnIn) return;
        const chains = neg.state.chains as RbmChains;
        const n = chains.visible.rows;
        for (let r = 0; r < n; r++) counts[0][stateOf(chains.visible.row(r))]++;
        for (let a = 1; a < replicas; a++) for (let r = 0; r < n; r++) counts[a][stateOf(chains.tempered!.visible.row((a - 1) * n + r))]++;
      }),
    ),
  );
  return counts;
}

const tv = (counts: Float64Array, p: Float64Array) => {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((s, c, k) => s + Math.abs(c / total - p[k]), 0) / 2;
};

test("each replica's visible states follow its exact p_β(v) ∝ Σ_h e^{−βE(v,h)} (TV < 0.025 over 100 chains × 900 steps)", async (t) => {
  // Weights and biases ~ N(0, 1). 90,000 independent draws over 16 states would give an expected TV
  // of about 0.005; 0.025 leaves room for an autocorrelation time of ~25 steps.
  const rbm = randomRbm(4, 3, 9, 1);
  const betas = temperedBetas(4, 0);
  const counts = await replicaCounts(rbm, { chains: 'tempered', replicas: 4, nChains: 100 }, 1000, 100, Matrix.zeros(100, 4));
  betas.forEach((beta, a) => {
    const d = tv(counts[a], temperedProbs(rbm.params, beta));
    t.log(`β = ${beta.toFixed(3)}: TV ${d.toFixed(4)}`);
    t.true(d < 0.025, `replica ${a} (β = ${beta}): TV ${d}`);
  });
});

test('on a bimodal RBM (modes 0000 and 1111) the β = 1 replica of 10 mixes between the modes (TV < 0.05) where PCD stays in its mode (TV > 0.3), both 100 chains × 300 steps from 0000', async (t) => {
  // W = 4 everywhere, b = −4·H/2, c = −4·V/2: E is symmetric under v, h → 1 − v, 1 − h, so each mode holds half the mass.
  const rbm = createRbm({ nVisible: 4, nHidden: 3, seed: 1 });
  rbm.params.weights.data.fill(4);
  rbm.params.visibleBias.fill(-6);
  rbm.params.hiddenBias.fill(-8);
  const exact = exactRbmVisibleLogProbs(rbm.params).map(Math.exp);
  const start = Matrix.zeros(100, 4);
  const [tempered] = await replicaCounts(rbm, { chains: 'tempered', nChains: 100 }, 300, 50, start);
  const [plain] = await replicaCounts(rbm, { chains: 'persistent', nChains: 100 }, 300, 50, start);
  const [dt, dp] = [tv(tempered, exact), tv(plain, exact)];
  t.log(`TV: parallel tempering ${dt.toFixed(3)}, PCD ${dp.toFixed(3)}`);
  t.true(dt < 0.05, `tempered: ${dt}`);
  t.true(dp > 0.3, `plain: ${dp}`);
});
