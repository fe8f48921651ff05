import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import type { RbmParams } from './rbm.js';

/**
 * A centered RBM's offsets (Montavon & Müller 2012; Melchior, Fischer & Wiskott 2016): the energy
 * is written E(v, h) = −(v − μ)ᵀW(h − λ) − b̃ᵀ(v − μ) − c̃ᵀ(h − λ). The model itself stays in the
 * ordinary parametrisation (W, b = b̃ − Wλ, c = c̃ − Wᵀμ, up to a constant), so moving an offset
 * never changes its distribution: the offsets only shape the gradient (see {@link centerGradient}),
 * and they are the run's state (saved in snapshots, restored on resume).
 */
export interface CenteringOffsets {
  /** μ, one per visible unit. */
  readonly visible: Float32Array;
  /** λ, one per hidden unit. */
  readonly hidden: Float32Array;
  /** ν: at each step the offsets move this fraction of the way to the minibatch's positive-phase means. */
  readonly sliding: number;
}

/** Melchior et al.'s sliding factor (PyDeep's default too). */
export const DEFAULT_OFFSET_SLIDING = 0.01;

/**
 * The offsets a run starts with: μ at the model's base rates σ(bᵢ) (for a model made by
 * `createRbm` from data, the data's means, as PyDeep starts them; 0.5 for biases at 0), λ = 0.5 (as
 * Melchior et al. and PyDeep). Bernoulli visible units only: Gaussian ones see standardised data,
 * centred already.
 *
 * @example
 * ```ts
 * import { initialOffsets } from '#internal/models/centering.js';
 * import { zeroRbmParams } from 'boltzflow';
 * const o = initialOffsets(zeroRbmParams(2, 3), 0.01);
 * console.log(Array.from(o.visible), Array.from(o.hidden)); // [0.5, 0.5] [0.5, 0.5, 0.5]
 * ```
 */
export function initialOffsets(params: RbmParams, sliding = DEFAULT_OFFSET_SLIDING): CenteringOffsets {
  if (params.visibleUnits?.type === 'gaussian')
    throw new BoltzflowError('centering', true, 'false with Gaussian visible units (standardised data are centred already)');
  if (!(sliding > 0 && sliding <= 1)) throw new BoltzflowError('offsetSliding', sliding, 'a number in (0, 1]');
  const visible = Float32Array.from(params.visibleBias, (b) => 1 / (1 + Math.exp(-b)));
  return { visible, hidden: new Float32Array(params.nHidden).fill(0.5), sliding };
}

/** A deep copy of offsets (a snapshot's, another run's). */
export const copyOffsets = (o: CenteringOffsets): CenteringOffsets => ({
  visible: o.visible.slice(),
  hidden: o.hidden.slice(),
  sliding: o.sliding,
});

/**
 * Melchior et al.'s "dd" offsets: μ ← (1 − ν)μ + ν⟨v⟩₊ and λ ← (1 − ν)λ + ν⟨P(h | v)⟩₊, the means
 * over the minibatch's data and hidden probabilities, on the backend (`columnSums`).
 */
export function slideOffsets(backend: Backend, o: CenteringOffsets, visible: Matrix, hiddenProbs: Matrix): void {
  backend.columnSums(visible, o.sliding / visible.rows, 1 - o.sliding, o.visible);
  backend.columnSums(hiddenProbs, o.sliding / hiddenProbs.rows, 1 - o.sliding, o.hidden);
}

/** Parameter-shaped statistics (ΔW V×H, Δb, Δc), as `rbmKind.statistics` fills them. */
export interface RbmStatistics {
  readonly weights: Matrix;
  readonly visibleBias: Float32Array;
  readonly hiddenBias: Float32Array;
}

/**
 * The ordinary statistics ΔW = ⟨v hᵀ⟩₊ − ⟨v hᵀ⟩₋, Δb, Δc turned, in place, into the centered step
 * in ordinary coordinates. First the centered gradient, ∂/∂W at fixed b̃ and c̃:
 * G = ΔW − μΔcᵀ − Δbλᵀ (Δb and Δc are already ∂/∂b̃ and ∂/∂c̃); `gradientOnly` stops there. Then an
 * SGD step on (W, b̃, c̃) mapped back to (W, b, c): W += ηG, b += η(Δb − Gλ), c += η(Δc − Gᵀμ), so
 * the biases become Δb − Gλ and Δc − Gᵀμ. With μ = λ = 0 nothing changes. Two rank-1 products
 * and two matrix–vector products on the backend's `gemm` (O(V·H), beside the step's O(B·V·H));
 * Gᵀμ as the row μᵀG, which every backend streams faster than a transposed product.
 * Returns the function that does it for these buffers (the views are made once).
 *
 * @example
 * ```ts
 * import { centerGradient } from '#internal/models/centering.js';
 * import { jsBackend, Matrix } from 'boltzflow';
 * const g = { weights: Matrix.from([[1]]), visibleBias: Float32Array.of(1), hiddenBias: Float32Array.of(1) };
 * centerGradient(jsBackend, g, { visible: Float32Array.of(0.25), hidden: Float32Array.of(0.25), sliding: 0.01 })();
 * console.log(g.weights.data[0], g.visibleBias[0], g.hiddenBias[0]); // 0.5 0.875 0.875
 * ```
 */
export function centerGradient(backend: Backend, g: RbmStatistics, o: CenteringOffsets, gradientOnly = false): () => void {
  const V = g.weights.rows,
    H = g.weights.cols;
  const mu = new Matrix(V, 1, o.visible),
    muRow = new Matrix(1, V, o.visible),
    lambdaRow = new Matrix(1, H, o.hidden),
    lambdaCol = new Matrix(H, 1, o.hidden);
  const db = new Matrix(V, 1, g.visibleBias),
    dc = new Matrix(1, H, g.hiddenBias);
  return () => {
    backend.gemm(false, false, -1, mu, dc, 1, g.weights);
    backend.gemm(false, false, -1, db, lambdaRow, 1, g.weights);
    if (gradientOnly) return;
    backend.gemm(false, false, -1, g.weights, lambdaCol, 1, db);
    backend.gemm(false, false, -1, muRow, g.weights, 1, dc);
  };
}
