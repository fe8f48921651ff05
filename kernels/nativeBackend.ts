import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Backend, Vec } from './Backend.js';
import { checkLength, checkRows, checkSameShape } from './checks.js';
import { gemmShape } from './gemmShape.js';
import { checkGlauber, createJsBackend } from './jsBackend.js';
import { seedLanes } from './seedLanes.js';

interface NativeAddon {
  sgemm(
    ta: number,
    tb: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
  sigmoid(x: Float32Array, bias: Float32Array, beta: number, out: Float32Array, rows: number, cols: number): void;
  bernoulli(p: Float32Array, out: Float32Array, state: Uint32Array): void;
  momentumStep(g: Float32Array, v: Float32Array, w: Float32Array, learningRate: number, momentum: number, decay: number): number;
  columnSums(a: Float32Array, rows: number, cols: number, alpha: number, beta: number, out: Float32Array, scratch: Float64Array): void;
  glauber(
    w: Float32Array,
    bias: Float32Array,
    states: Float32Array,
    rows: number,
    n: number,
    sweeps: number,
    spin: number,
    temperature: number,
    draws: Uint32Array,
    clamped: Uint8Array | null,
    samples: Float32Array | null,
    fields: Float64Array,
    order: Uint32Array,
  ): number;
  threads(): number;
  addBias(x: Vec, bias: Vec, out: Float32Array): void;
  expScaleColumns(x: Vec, z: Vec, c: number, out: Float32Array, scratch: Float64Array): void;
  expScaleRows(a: Float32Array, z: Vec, c: number): void;
  gaussianSample(means: Vec, z: Vec, beta: number, out: Float32Array, state: Uint32Array, scratch: Float64Array): void;
  varianceGradient(v: Vec, wh: Vec, bias: Vec, alpha: number, g: Float32Array): void;
  softplusRowSumPair(
    x: Float32Array,
    bias: Float32Array,
    betaA: number,
    betaB: number,
    outA: Float64Array,
    outB: Float64Array,
    rows: number,
    cols: number,
  ): void;
}

/**
 * Loads the optional native backend (`dist/kernels/native.node`), or returns null where it was not
 * built. It exists when Debian's `libopenblas-dev` was present at build time (`npm run setup:native`
 * installs it and builds the addon). Its GEMM is OpenBLAS's `cblas_sgemm`, called on the
 * matrices' own Float32Arrays (no copies) on OpenBLAS's threads (`OPENBLAS_NUM_THREADS` sets how
 * many). Its sigmoid and Bernoulli sampling are C loops (AVX2 where the CPU has it) that follow the wasm kernels: the uniforms
 * come from four xoshiro128+ streams seeded at each call from the run's generator, so a run's
 * generator stays its only random state and the same p and seed give the same samples as on wasm.
 * Column sums and the fused momentum step are C loops in double that give the reference's bits;
 * a general BM's Glauber sweeps are a C loop with the reference's arithmetic and uniforms;
 * Gaussian visible units' kernels are C loops in double (`gaussianSample`: Box–Muller on the
 * wasm kernel's lanes, the same normals as wasm); the other kernels are the reference's.
 *
 * @example
 * ```ts
 * import { loadNativeBackend, Matrix } from 'boltzflow';
 * const native = loadNativeBackend(); // null unless built against OpenBLAS
 * const c = Matrix.zeros(1, 1);
 * native?.gemm(false, false, 1, Matrix.from([[1, 2]]), Matrix.from([[3], [4]]), 0, c);
 * console.log(native ? c.get(0, 0) : 11); // 11
 * ```
 */
export function loadNativeBackend(path: string = fileURLToPath(new URL('./native.node', import.meta.url))): Backend | null {
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch {
    return null;
  }
  const state = new Uint32Array(16);
  let sums = new Float64Array(0);
  /** `sums`, at least n doubles long (grown once per size, never per call). */
  const doubles = (n: number): Float64Array => (sums.length >= n ? sums : (sums = new Float64Array(n)));
  return {
    ...createJsBackend(), // the reference's other kernels, with scratch buffers of this backend's own
    name: 'native',
    threads: addon.threads(),
    gemm(transA, transB, alpha, a, b, beta, c) {
      const [m, k, n] = gemmShape(transA, transB, a, b, c);
      addon.sgemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a.data, a.cols, b.data, b.cols, beta, c.data, n);
    },
    sigmoid(x, bias, beta, out) {
      checkSameShape(x, out, 'sigmoid output');
      checkLength(bias, x.cols, 'bias');
      addon.sigmoid(x.data, bias as Float32Array, beta, out.data, x.rows, x.cols);
    },
    bernoulli(p, rng, out) {
      checkLength(out, p.length, 'bernoulli output');
      seedLanes(rng, state);
      addon.bernoulli(p as Float32Array, out, state);
    },
    columnSums(a, alpha, beta, out) {
      checkLength(out, a.cols, 'columnSums output');
      if (sums.length < a.cols) sums = new Float64Array(a.cols);
      addon.columnSums(a.data, a.rows, a.cols, alpha, beta, out, sums);
    },
    glauberSweeps(net, states, rows, sweeps, temperature, draws, clamped, samples, scratch) {
      checkGlauber(net, states, rows, sweeps, draws, clamped, samples, scratch);
      if (rows === 0 || net.n === 0) return 0;
      return addon.glauber(
        net.weights,
        net.bias,
        states,
        rows,
        net.n,
        sweeps,
        net.spin ? 1 : 0,
        temperature,
        draws,
        clamped,
        samples,
        scratch.fields,
        scratch.order,
      );
    },
    momentumStep(g, v, w, learningRate, momentum, decay) {
      checkLength(v, g.length, 'velocity');
      checkLength(w, g.length, 'parameters');
      return addon.momentumStep(g as Float32Array, v, w, learningRate, momentum, decay);
    },
    addBias(x, bias, out) {
      checkRows(x, bias.length, 'addBias x');
      checkLength(out, x.length, 'addBias out');
      addon.addBias(x, bias, out);
    },
    expScaleColumns(x, z, c, out) {
      checkRows(x, z.length, 'expScaleColumns x');
      checkLength(out, x.length, 'expScaleColumns out');
      addon.expScaleColumns(x, z, c, out, doubles(z.length));
    },
    expScaleRows(a, z, c) {
      checkRows(a, z.length, 'expScaleRows a');
      addon.expScaleRows(a, z, c);
    },
    gaussianSample(means, logVariance, beta, rng, out) {
      checkRows(means, logVariance.length, 'gaussianSample means');
      checkLength(out, means.length, 'gaussianSample out');
      if (means.length === 0) return;
      seedLanes(rng, state);
      addon.gaussianSample(means, logVariance, beta, out, state, doubles(logVariance.length));
    },
    varianceGradient(v, wh, bias, alpha, g) {
      checkRows(v, bias.length, 'varianceGradient v');
      checkLength(wh, v.length, 'varianceGradient wh');
      checkLength(g, bias.length, 'varianceGradient g');
      addon.varianceGradient(v, wh, bias, alpha, g);
    },
    softplusRowSumPair(x, bias, betaA, betaB, outA, outB) {
      checkLength(bias, x.cols, 'bias');
      checkLength(outA, x.rows, 'softplusRowSumPair outA');
      checkLength(outB, x.rows, 'softplusRowSumPair outB');
      addon.softplusRowSumPair(x.data, bias as Float32Array, betaA, betaB, outA, outB, x.rows, x.cols);
    },
  };
}
