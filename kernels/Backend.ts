import type { Matrix, ReadonlyFloat32Array } from './Matrix.js';
import type { GlauberNet, GlauberScratch } from './glauber.js';
import type { Rng } from './Rng.js';

/** Floats per block of `momentumStep`'s Σ w² (see there): the blocks' sums can be taken on separate threads. */
export const SUM_BLOCK = 16384;

/** Either a plain Float32Array or a read-only view of one. */
export type Vec = Float32Array | ReadonlyFloat32Array;

/**
 * The compute interface that everything above `kernels/` talks to. Hot loops live behind it;
 * a faster backend (WASM SIMD, native BLAS) implements the same methods and is tested against
 * the pure-TS reference, {@link jsBackend}.
 *
 * Shapes are checked by {@link gemmShapes}-style guards in the reference; outputs never alias
 * inputs unless a method says so.
 *
 * @example
 * ```ts
 * import { jsBackend, Matrix } from 'boltzflow';
 * const c = Matrix.zeros(2, 2);
 * jsBackend.gemm(false, true, 1, Matrix.from([[1, 2], [3, 4]]), Matrix.from([[1, 0], [0, 1]]), 0, c);
 * console.log(c.toArrays()); // [[1, 2], [3, 4]]
 * ```
 */
export interface Backend {
  /** The name printed at the start of a run (`js`, `wasm`, `native`). */
  readonly name: string;
  /** What else identifies the build that runs (the wasm backend: which SIMD module it loaded). */
  readonly detail?: string;
  /** Threads its GEMM runs on (1 when absent). */
  readonly threads?: number;
  /**
   * A zero-filled array of `length` floats in the backend's own memory, where its kernels read and
   * write it in place instead of copying it in and out at every call: for the buffers every step
   * uses (weights, their gradient and velocity). Absent where the backend works on any array as it
   * is (js, native). Its memory is reused once the array is garbage; views of it made by
   * {@link Matrix}'s `row`, `topRows` and `rowRange` keep it alive, a view made with `subarray` does
   * not (keep the array while such a view is in use). Where the backend's memory is full, an
   * ordinary array. Use {@link allocateMatrix}.
   */
  allocate?(length: number): Float32Array;
  /** C ← alpha·op(A)·op(B) + beta·C, where op(X) is X or Xᵀ. op(A) is M×K, op(B) is K×N, C is M×N. */
  gemm(transA: boolean, transB: boolean, alpha: number, a: Matrix, b: Matrix, beta: number, c: Matrix): void;
  /** out[i,j] ← σ(beta·(x[i,j] + bias[j])). `out` may be `x`. */
  sigmoid(x: Matrix, bias: Vec, beta: number, out: Matrix): void;
  /** out[i] ← 1 with probability p[i], else 0, drawing from `rng`. `out` may be `p`. */
  bernoulli(p: Vec, rng: Rng, out: Float32Array): void;
  /** out[j] ← alpha·Σᵢ a[i,j] + beta·out[j]. */
  columnSums(a: Matrix, alpha: number, beta: number, out: Float32Array): void;
  /** out[i] ← Σⱼ a[i,j]·v[j]. */
  rowDots(a: Matrix, v: Vec, out: Float32Array | Float64Array): void;
  /** out[i] ← Σⱼ softplus(beta·(x[i,j] + bias[j])), softplus(z) = ln(1 + eᶻ), computed without overflow. */
  softplusRowSums(x: Matrix, bias: Vec, beta: number, out: Float32Array | Float64Array): void;
  /**
   * One SGD-with-momentum step, fused in a single pass: v ← momentum·v + learningRate·(g − decay·w),
   * then w ← w + v, each in float64 before it is stored. Returns Σ w² after the step (the weight
   * norm's square, for free), summed in float64: per block of {@link SUM_BLOCK} floats as four
   * running sums over i mod 4, then (s₀ + s₁) + (s₂ + s₃), and the blocks' sums added in order.
   * Every backend returns the same bits.
   */
  momentumStep(g: Vec, v: Float32Array, w: Float32Array, learningRate: number, momentum: number, decay: number): number;
  /** y ← alpha·x + beta·y. */
  axpby(alpha: number, x: Vec, beta: number, y: Float32Array): void;
  /** The first i where a[i] is not in [lo, hi] (NaN never is), or −1: the check of every minibatch. */
  firstOutside(a: Vec, lo: number, hi: number): number;
  /** Σᵢ a[i]·b[i]. */
  dot(a: Vec, b: Vec): number;
  /** Σᵢ (a[i] − b[i])², in float64 (the order of the additions is the backend's: the last bits may differ). */
  squaredDistance(a: Vec, b: Vec): number;
  /** The sign rule's step: v[i] ← +size where g[i] > threshold, −size where g[i] < −threshold, else 0. */
  signStep(g: Vec, threshold: number, size: number, v: Float32Array): void;
  /**
   * out[i] ← a[i] − b[i] where mask[i] (all i without a mask), else 0, rounded to float32; returns
   * Σ |a[i] − b[i]| over the masked i (in float64, in order) and their count.
   */
  maskedDifference(a: Float64Array, b: Float64Array, mask: Uint8Array | null, out: Float32Array): { sum: number; count: number };
  /** out[k] ← x[k] + bias[k mod n], n = bias.length (x row-major with n columns): the bias added to every row. `out` may be `x`. */
  addBias(x: Vec, bias: Vec, out: Float32Array): void;
  /**
   * out[k] ← x[k]·e^{c·z[k mod n]}, n = z.length (x row-major with n columns: column j scaled by
   * e^{c·zⱼ}), the product in float64 rounded once to float32. `out` may be `x`. The js backend's e^x
   * is the platform's `Math.exp`, the others' their own float64 exp: the results may differ in the last bit.
   */
  expScaleColumns(x: Vec, z: Vec, c: number, out: Float32Array): void;
  /** a[k] ← a[k]·e^{c·z[⌊k/m⌋]}, m = a.length / z.length (a row-major with z.length rows: row i scaled by e^{c·zᵢ}), in place, as {@link expScaleColumns}. */
  expScaleRows(a: Float32Array, z: Vec, c: number): void;
  /**
   * Gaussian sampling: out[k] ← means[k] + (e^{zⱼ/2}/√β)·N(0, 1) with j = k mod z.length (means
   * row-major with z.length columns), the draws from `rng`. `out` may be `means`. The js backend
   * draws `rng.normal()` in order; the SIMD backends (wasm, native) use Box–Muller in float64 on
   * uniforms from four xoshiro128+ lanes seeded at each call from `rng` (as their `bernoulli`): other
   * draws with the same distribution, the same for the same seed (wasm and native agree within the
   * last float32 bit, their sin, cos and ln being their own).
   */
  gaussianSample(means: Vec, logVariance: Vec, beta: number, rng: Rng, out: Float32Array): void;
  /**
   * The learned variance's statistic: for each row r of v and wh (row-major, bias.length columns), in
   * order, g[i] ← g[i] + alpha·((v[r,i] − bias[i])²/2 − v[r,i]·wh[r,i]), computed in float64 and
   * rounded to float32 at each row. Every backend gives the same bits.
   */
  varianceGradient(v: Vec, wh: Vec, bias: Vec, alpha: number, g: Float32Array): void;
  /**
   * Sequential (Glauber) sweeps of a general Boltzmann machine on each of `rows` chains (the rows
   * of `states`, rows×n, updated in place), from uniforms given as 32-bit integers x (u = x·2⁻³²)
   * and read in order: chain by chain, sweep by sweep, first n − 1 of them for the sweep's order
   * (Fisher–Yates on 0..n−1, as `Rng.shuffle`: i from n − 1 down to 1 swaps with ⌊u·(i + 1)⌋), then
   * one per free unit (`clamped[i]` 0) in that order: the unit turns on (1) where u < σ(g·Fᵢ/T),
   * else off (0, or −1 for spin units), with Fᵢ = θᵢ + Σⱼ wᵢⱼ sⱼ kept in float64 per chain and
   * updated by row i of W when unit i changes, g = 2 for spin units, else 1. At T = 0, on where
   * Fᵢ > 0, off where < 0, unchanged at 0 (the uniform is still read). With `samples`, chain r's
   * state after sweep t is written to row r·sweeps + t of it (rows·sweeps × n). `scratch` holds at
   * least n fields and n order slots. Returns the number of unit changes. The fields are summed
   * in float64 in the same order on every backend (the same bits); the decisions differ between backends only where their
   * e^x differ in the last bit and a uniform falls between the two values.
   */
  glauberSweeps(
    net: GlauberNet,
    states: Float32Array,
    rows: number,
    sweeps: number,
    temperature: number,
    draws: Uint32Array,
    clamped: Uint8Array | null,
    samples: Float32Array | null,
    scratch: GlauberScratch,
  ): number;
  /**
   * {@link softplusRowSums} at two inverse temperatures in one pass (AIS's and RAISE's weights):
   * outA[i] ← Σⱼ softplus(betaA·(x[i,j] + bias[j])), outB[i] likewise at betaB, in float64. Each
   * softplus(z) is max(z, 0) + ln(1 + e^{−|z|}), and the logarithms of up to 512 factors of a row
   * are taken as one, of their product (each factor in (1, 2]): one e^x per value and per β. Agrees
   * with softplusRowSums to about 1e-13 per row, not bit for bit.
   */
  softplusRowSumPair(x: Matrix, bias: Vec, betaA: number, betaB: number, outA: Float64Array, outB: Float64Array): void;
}
