import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { allocateMatrix } from '../kernels/allocateMatrix.js';
import type { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import type { SamplerOptions } from './ModelKind.js';
import { visibleProbs, type Rbm } from './rbm.js';
import type { RbmChains, RbmNegative, RbmPositive, RbmState, RbmTempering } from './rbmKind.js';
import { startFrom } from './rbmSampler.js';
import { sampleVisible, visibleMeans, visibleUnitsOf } from './visibleUnits.js';

/** Replicas of each chain by default, as in Desjardins et al. (2010). */
export const DEFAULT_REPLICAS = 10;

/**
 * The replicas' inverse temperatures: M values spaced linearly from 1 down to `minBeta` (float32),
 * as in Desjardins et al. (2010), whose hottest replica (β = 0) samples the uniform distribution
 * and so mixes at once. A geometric ladder cannot reach β = 0, and on the small models we can
 * enumerate the linear one already swaps often between every pair of neighbours.
 *
 * @example
 * ```ts
 * import { temperedBetas } from '#internal/models/temperedSampler.js';
 * console.log(Array.from(temperedBetas(5, 0))); // [1, 0.75, 0.5, 0.25, 0]
 * ```
 */
export function temperedBetas(replicas: number, minBeta: number): Float32Array {
  return Float32Array.from({ length: replicas }, (_, a) => 1 - (a * (1 - minBeta)) / (replicas - 1));
}

/** Buffers of one swap round: the replicas' visible states (M·N × V, replica by replica) and x = vW for each (M·N × H). */
export interface SwapBuffers {
  readonly visible: Matrix;
  readonly x: Matrix;
  /** bᵀv of each row (M·N). */
  readonly vb: Float64Array;
  /** Σⱼ softplus at the row's own β, and at its partner's (M·N each). */
  readonly own: Float64Array;
  readonly cross: Float64Array;
  /** One row of max(V, H) floats, for the exchanges. */
  readonly row: Float32Array;
}

export function swapBuffers(model: Rbm, rows: number, visible: Matrix): SwapBuffers {
  const { nVisible, nHidden } = model.params;
  return {
    visible,
    x: allocateMatrix(model.backend, rows, nHidden),
    vb: new Float64Array(rows),
    own: new Float64Array(rows),
    cross: new Float64Array(rows),
    row: new Float32Array(Math.max(nVisible, nHidden)),
  };
}

/**
 * One round of replica exchanges between neighbouring temperatures: the pairs (a, a + 1) with a
 * even (`parity` 0) or odd (1), for each of the n chains. `b.x` must hold vW of `b.visible` under
 * the current parameters. With the tempered marginals p_β(v) ∝ Σ_h e^{−βE(v,h)} = e^{−F_β(v)},
 * F_β(v) = −β bᵀv − Σⱼ softplus(β(cⱼ + (vW)ⱼ)), states vₐ and v_b of inverse temperatures βₐ > β_b
 * exchange with probability min(1, exp(F_βₐ(vₐ) + F_β_b(v_b) − F_βₐ(v_b) − F_β_b(vₐ))) (Metropolis,
 * one uniform per pair, always drawn): the same acceptance as min(1, p_βₐ(v_b) p_β_b(vₐ) /
 * (p_βₐ(vₐ) p_β_b(v_b))). (This is not βF(v): the tempered marginal of an RBM is not e^{−βF(v)}.
 * With the hidden states summed out, it accepts at least as often on average as the joint-energy rule
 * min(1, exp((βₐ − β_b)(E(v_b, h_b) − E(vₐ, hₐ)))), by Jensen's inequality: the marginal ratio is the
 * joint ratio's mean over the hidden states.) Accepted pairs exchange their rows of
 * `b.visible` and of `b.x`, which stays vW. With `accept` (M·N), each pair's probability is written
 * at its first row. Returns the number of exchanges.
 */
export function swapRound(model: Rbm, b: SwapBuffers, betas: Float32Array, n: number, parity: number, accept?: Float64Array): number {
  const { backend, rng, params } = model;
  const c = params.hiddenBias;
  backend.rowDots(b.visible, params.visibleBias, b.vb);
  let swaps = 0;
  for (let a = parity; a + 1 < betas.length; a += 2) {
    const lo = a * n,
      ba = betas[a],
      bb = betas[a + 1];
    const xa = b.x.rowRange(lo, lo + n),
      xb = b.x.rowRange(lo + n, lo + 2 * n);
    backend.softplusRowSums(xa, c, ba, b.own.subarray(lo, lo + n));
    backend.softplusRowSums(xa, c, bb, b.cross.subarray(lo, lo + n));
    backend.softplusRowSums(xb, c, bb, b.own.subarray(lo + n, lo + 2 * n));
    backend.softplusRowSums(xb, c, ba, b.cross.subarray(lo + n, lo + 2 * n));
    for (let r = 0; r < n; r++) {
      const i = lo + r,
        j = i + n;
      const faa = -ba * b.vb[i] - b.own[i],
        fbb = -bb * b.vb[j] - b.own[j];
      const fab = -ba * b.vb[j] - b.cross[j],
        fba = -bb * b.vb[i] - b.cross[i];
      const logRatio = faa + fbb - fab - fba;
      const p = logRatio >= 0 ? 1 : Math.exp(logRatio);
      if (accept) accept[i] = p;
      if (rng.uniform() < p) {
        exchange(b.visible, i, j, b.row);
        exchange(b.x, i, j, b.row);
        swaps++;
      }
    }
  }
  return swaps;
}

function exchange(m: Matrix, i: number, j: number, tmp: Float32Array): void {
  const a = m.row(i),
    b = m.row(j),
    t = tmp.subarray(0, m.cols);
  t.set(a);
  a.set(b);
  b.set(t);
}

/**
 * Parallel tempering for the RBM's persistent chains (Desjardins et al. 2010): each of the N chains
 * has M replicas at inverse temperatures 1 = β₁ > … > β_M ({@link temperedBetas}). Per minibatch,
 * k rounds of: one block-Gibbs step v → h → v of every replica at its own β (all M·N replicas in
 * one product with W each way), then a {@link swapRound}, the pairs alternating even and odd from
 * round to round. The β = 1 replicas are the negative phase; their P(h | v) comes from the product
 * the swaps needed (three products per round, as PCD-1). The replicas' states, their β and the
 * rounds done are the state's `chains` (`chains.visible` the β = 1 replica, `chains.tempered` the
 * others), so snapshots resume bit for bit; plain persistent chains found there start every replica.
 * All draws from the model's generator.
 */
export function temperedSampler(o: SamplerOptions): (state: RbmState, pos: RbmPositive) => RbmNegative {
  const betas = temperedBetas(o.replicas ?? DEFAULT_REPLICAS, o.minBeta ?? 0);
  const M = betas.length;
  let mine: (RbmChains & { readonly tempered: RbmTempering }) | null = null;
  let buffers: (SwapBuffers & { hiddenProbs: Matrix; hidden: Matrix; visibleProbs: Matrix }) | null = null;
  let recon: ((rows: number) => Matrix) | null = null;
  return (state, pos) => {
    const { model } = state;
    const { nVisible, nHidden } = model.params;
    if (visibleUnitsOf(model.params).type === 'gaussian')
      throw new BoltzflowError(
        'gibbsStep chains',
        "'tempered' with Gaussian visible units",
        'Bernoulli visible units (or chains: "persistent")',
      );
    recon ??= reusableMatrix(nVisible, model.backend);
    if (!mine || state.chains !== mine) {
      const given = state.chains;
      const n = given ? given.visible.rows : (o.nChains ?? pos.visible.rows);
      if (given) checkGiven(given, nVisible, betas);
      const visible = allocateMatrix(model.backend, M * n, nVisible);
      if (!given) visible.copyFrom(startFrom(pos.visible, M * n, model));
      else if (given.tempered) {
        visible.topRows(n).copyFrom(given.visible);
        visible.rowRange(n, M * n).copyFrom(given.tempered.visible);
      } else for (let a = 0; a < M; a++) visible.rowRange(a * n, (a + 1) * n).copyFrom(given.visible);
      buffers = {
        ...swapBuffers(model, M * n, visible),
        hiddenProbs: allocateMatrix(model.backend, M * n, nHidden),
        hidden: allocateMatrix(model.backend, M * n, nHidden),
        visibleProbs: allocateMatrix(model.backend, M * n, nVisible),
      };
      const tempered = { visible: visible.rowRange(n, M * n), betas, rounds: given?.tempered?.rounds ?? 0 };
      state.chains = mine = { visible: visible.topRows(n), hidden: null, tempered };
    }
    const b = buffers!,
      n = mine.visible.rows,
      { backend } = model;
    const w = model.params.weights,
      c = model.params.hiddenBias;
    const block = (m: Matrix, a: number) => m.rowRange(a * n, (a + 1) * n);
    for (let step = 0; step < o.k; step++) {
      if (step === 0) backend.gemm(false, false, 1, b.visible, w, 0, b.x);
      for (let a = 0; a < M; a++) backend.sigmoid(block(b.x, a), c, betas[a], block(b.hiddenProbs, a));
      backend.bernoulli(b.hiddenProbs.data, model.rng, b.hidden.data);
      backend.gemm(false, true, 1, b.hidden, w, 0, b.visibleProbs);
      for (let a = 0; a < M; a++) visibleMeans(model, block(b.visibleProbs, a), betas[a]);
      sampleVisible(model, b.visibleProbs, b.visible);
      backend.gemm(false, false, 1, b.visible, w, 0, b.x);
      swapRound(model, b, betas, n, mine.tempered.rounds++ % 2);
    }
    const negativeHiddenProbs = b.hiddenProbs.topRows(n);
    backend.sigmoid(b.x.topRows(n), c, 1, negativeHiddenProbs);
    const reconstruction = visibleProbs(model, pos.hidden, recon(pos.visible.rows));
    return { negativeVisible: mine.visible, negativeHiddenProbs, reconstruction };
  };
}

/** Chains given to a tempered sampler: N×V visible states and, if tempered, the other replicas at the same β. */
function checkGiven(given: RbmChains, nVisible: number, betas: Float32Array): void {
  const n = given.visible.rows;
  if (given.visible.cols !== nVisible) throw new BoltzflowError('chains', `${n}×${given.visible.cols}`, `N×${nVisible} chain states`);
  const t = given.tempered;
  if (!t) return;
  if (t.betas.length !== betas.length || t.betas.some((x, a) => x !== betas[a]))
    throw new BoltzflowError(
      'chains.tempered.betas',
      `[${Array.from(t.betas).join(', ')}]`,
      `[${Array.from(betas).join(', ')}] (the sampler's replicas)`,
    );
  if (t.visible.rows !== (betas.length - 1) * n || t.visible.cols !== nVisible)
    throw new BoltzflowError(
      'chains.tempered.visible',
      `${t.visible.rows}×${t.visible.cols}`,
      `${(betas.length - 1) * n}×${nVisible} (${betas.length - 1} replicas of ${n} chains)`,
    );
}
