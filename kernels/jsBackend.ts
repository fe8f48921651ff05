import { glauberState } from './glauberState.js';
import { SUM_BLOCK, type Backend } from './Backend.js';
import { BoltzflowError } from './BoltzflowError.js';
import { checkLength, checkRows, checkSameShape } from './checks.js';
import { gemmShape } from './gemmShape.js';
import type { GlauberNet, GlauberScratch } from './glauber.js';
import { Matrix } from './Matrix.js';

/** One backend's scratch buffers, each grown to the largest size asked for and then reused: no allocation per call. */
class Scratch {
  private f64 = new Float64Array(0);
  private i32 = new Int32Array(0);
  private f32 = new Float32Array(0);

  f64s(n: number): Float64Array {
    if (this.f64.length < n) this.f64 = new Float64Array(n);
    return this.f64.subarray(0, n);
  }

  i32s(n: number): Int32Array {
    if (this.i32.length < n) this.i32 = new Int32Array(n);
    return this.i32.subarray(0, n);
  }

  /** Bᵀ in the float32 buffer (grown once per shape, never per call). */
  transposed(b: Matrix): Matrix {
    const r = b.rows,
      c = b.cols,
      bd = b.data;
    if (this.f32.length < r * c) this.f32 = new Float32Array(r * c);
    const t = this.f32.subarray(0, r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = bd[i * c + j];
    return new Matrix(c, r, t);
  }
}

/**
 * A pure-TypeScript reference backend of its own: its scratch buffers (the GEMM's nonzero lists
 * and transposes, the column sums' float64 accumulators) belong to it, grown to the largest size
 * asked for and then reused (no allocation per call), and freed with it. {@link jsBackend} is one;
 * two backends from here never share a buffer.
 *
 * The GEMM skips zero entries of the left operand (binary data and binary hidden samples are
 * mostly zeros) and works four rows of B at a time; it accumulates in float64 per group and
 * stores to float32.
 *
 * @example
 * ```ts
 * import { createJsBackend, jsBackend, Matrix } from 'boltzflow';
 * const mine = createJsBackend();
 * const c = Matrix.zeros(1, 1);
 * mine.gemm(false, false, 1, Matrix.from([[1, 2]]), Matrix.from([[3], [4]]), 0, c);
 * console.log(mine.name, mine !== jsBackend, c.get(0, 0)); // js true 11
 * ```
 */
export function createJsBackend(): Backend {
  const scratch = new Scratch();
  return {
    name: 'js',

    gemm(transA, transB, alpha, a, b, beta, c) {
      const [m, k, n] = gemmShape(transA, transB, a, b, c);
      scale(c.data, beta);
      if (alpha === 0 || k === 0) return;
      if (!transB) gemmRowsOfB(scratch, transA, alpha, a, b, c, m, k, n);
      else if (!transA && density(a.data) < 0.5) gemmRowsOfB(scratch, false, alpha, a, scratch.transposed(b), c, m, k, n);
      else if (!transA) gemmDots(alpha, a.data, b.data, c.data, m, k, n);
      else gemmNaive(transA, transB, alpha, a, b, c, m, k, n);
    },

    sigmoid(x, bias, beta, out) {
      checkSameShape(x, out, 'sigmoid output');
      checkLength(bias, x.cols, 'bias');
      const xd = x.data,
        od = out.data,
        cols = x.cols;
      for (let i = 0; i < x.rows; i++) {
        const o = i * cols;
        for (let j = 0; j < cols; j++) od[o + j] = 1 / (1 + Math.exp(-beta * (xd[o + j] + bias[j])));
      }
    },

    bernoulli(p, rng, out) {
      checkLength(out, p.length, 'bernoulli output');
      for (let i = 0; i < p.length; i++) out[i] = rng.uniform() < p[i] ? 1 : 0;
    },

    columnSums(a, alpha, beta, out) {
      checkLength(out, a.cols, 'columnSums output');
      const cols = a.cols,
        d = a.data;
      const acc = scratch.f64s(cols).fill(0);
      for (let i = 0; i < a.rows; i++) {
        const o = i * cols;
        for (let j = 0; j < cols; j++) acc[j] += d[o + j];
      }
      for (let j = 0; j < cols; j++) out[j] = alpha * acc[j] + (beta === 0 ? 0 : beta * out[j]);
    },

    rowDots(a, v, out) {
      checkLength(v, a.cols, 'rowDots vector');
      checkLength(out, a.rows, 'rowDots output');
      const cols = a.cols,
        d = a.data;
      for (let i = 0; i < a.rows; i++) {
        const o = i * cols;
        let s = 0;
        for (let j = 0; j < cols; j++) s += d[o + j] * v[j];
        out[i] = s;
      }
    },

    softplusRowSums(x, bias, beta, out) {
      checkLength(bias, x.cols, 'bias');
      checkLength(out, x.rows, 'softplusRowSums output');
      const cols = x.cols,
        d = x.data;
      for (let i = 0; i < x.rows; i++) {
        const o = i * cols;
        let s = 0;
        for (let j = 0; j < cols; j++) {
          const z = beta * (d[o + j] + bias[j]);
          s += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
        }
        out[i] = s;
      }
    },

    momentumStep(g, v, w, learningRate, momentum, decay) {
      checkLength(v, g.length, 'velocity');
      checkLength(w, g.length, 'parameters');
      // Σ w² per block of SUM_BLOCK floats in four running sums, over i ≡ 0, 1, 2, 3 (mod 4), added
      // pairwise, and the blocks' sums added in order: the order that SIMD backends can follow without
      // a serial chain of additions, and two threads each over their own blocks.
      let total = 0;
      for (let b = 0; b < g.length; b += SUM_BLOCK) {
        const sums = [0, 0, 0, 0];
        for (let i = b, end = Math.min(g.length, b + SUM_BLOCK); i < end; i++) {
          const step = momentum * v[i] + learningRate * (g[i] - decay * w[i]);
          v[i] = step;
          const next = w[i] + step;
          w[i] = next;
          sums[i & 3] += next * next;
        }
        total += sums[0] + sums[1] + (sums[2] + sums[3]);
      }
      return total;
    },

    axpby(alpha, x, beta, y) {
      checkLength(y, x.length, 'axpby output');
      if (beta === 1) for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
      else for (let i = 0; i < x.length; i++) y[i] = alpha * x[i] + beta * y[i];
    },

    firstOutside(a, lo, hi) {
      for (let i = 0; i < a.length; i++) {
        const x = a[i];
        if (!(x >= lo && x <= hi)) return i;
      }
      return -1;
    },

    dot(a, b) {
      checkLength(b, a.length, 'dot operand');
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i] * b[i];
      return s;
    },

    squaredDistance(a, b) {
      checkLength(b, a.length, 'squaredDistance operand');
      let s = 0;
      for (let i = 0; i < a.length; i++) {
        const d = a[i] - b[i];
        s += d * d;
      }
      return s;
    },

    signStep(g, threshold, size, v) {
      checkLength(v, g.length, 'signStep v');
      for (let i = 0; i < g.length; i++) v[i] = g[i] > threshold ? size : g[i] < -threshold ? -size : 0;
    },

    maskedDifference(a, b, mask, out) {
      checkLength(b, a.length, 'maskedDifference b');
      checkLength(out, a.length, 'maskedDifference out');
      if (mask) checkLength(mask, a.length, 'maskedDifference mask');
      let sum = 0,
        count = 0;
      for (let i = 0; i < a.length; i++) {
        if (mask && !mask[i]) {
          out[i] = 0;
          continue;
        }
        const d = a[i] - b[i];
        out[i] = d;
        sum += Math.abs(d);
        count++;
      }
      return { sum, count };
    },

    addBias(x, bias, out) {
      checkRows(x, bias.length, 'addBias x');
      checkLength(out, x.length, 'addBias out');
      const n = bias.length;
      for (let k = 0; k < x.length; k += n) for (let j = 0; j < n; j++) out[k + j] = x[k + j] + bias[j];
    },

    expScaleColumns(x, z, c, out) {
      checkRows(x, z.length, 'expScaleColumns x');
      checkLength(out, x.length, 'expScaleColumns out');
      const n = z.length,
        s = scratch.f64s(n);
      for (let j = 0; j < n; j++) s[j] = Math.exp(c * z[j]);
      for (let k = 0; k < x.length; k += n) for (let j = 0; j < n; j++) out[k + j] = x[k + j] * s[j];
    },

    expScaleRows(a, z, c) {
      checkRows(a, z.length, 'expScaleRows a');
      const m = a.length / z.length;
      for (let i = 0; i < z.length; i++) {
        const s = Math.exp(c * z[i]);
        for (let k = i * m; k < (i + 1) * m; k++) a[k] *= s;
      }
    },

    gaussianSample(means, logVariance, beta, rng, out) {
      checkRows(means, logVariance.length, 'gaussianSample means');
      checkLength(out, means.length, 'gaussianSample out');
      const n = logVariance.length,
        sd = scratch.f64s(n);
      for (let j = 0; j < n; j++) sd[j] = Math.exp(0.5 * logVariance[j]) / Math.sqrt(beta);
      for (let k = 0; k < means.length; k += n) for (let j = 0; j < n; j++) out[k + j] = means[k + j] + sd[j] * rng.normal();
    },

    varianceGradient(v, wh, bias, alpha, g) {
      checkRows(v, bias.length, 'varianceGradient v');
      checkLength(wh, v.length, 'varianceGradient wh');
      checkLength(g, bias.length, 'varianceGradient g');
      const n = bias.length;
      for (let k = 0; k < v.length; k += n)
        for (let i = 0; i < n; i++) g[i] += alpha * ((v[k + i] - bias[i]) ** 2 / 2 - v[k + i] * wh[k + i]);
    },

    glauberSweeps: glauberSweepsJs,

    softplusRowSumPair(x, bias, betaA, betaB, outA, outB) {
      checkLength(bias, x.cols, 'bias');
      checkLength(outA, x.rows, 'softplusRowSumPair outA');
      checkLength(outB, x.rows, 'softplusRowSumPair outB');
      const cols = x.cols,
        d = x.data;
      for (let i = 0, o = 0; i < x.rows; i++, o += cols) {
        let sA = 0,
          sB = 0,
          pA = 1,
          pB = 1;
        for (let j = 0; j < cols; j++) {
          const y = d[o + j] + bias[j],
            a = betaA * y,
            b = betaB * y;
          sA += a > 0 ? a : 0;
          sB += b > 0 ? b : 0;
          pA *= 1 + Math.exp(-Math.abs(a));
          pB *= 1 + Math.exp(-Math.abs(b));
          if ((j & 511) === 511) {
            sA += Math.log(pA);
            sB += Math.log(pB);
            pA = pB = 1;
          }
        }
        outA[i] = sA + Math.log(pA);
        outB[i] = sB + Math.log(pB);
      }
    },
  };
}

/**
 * The pure-TypeScript reference backend. Every faster backend is tested against it.
 * (A backend of {@link createJsBackend}'s: `createJsBackend()` gives another, with scratch buffers of its own.)
 *
 * @example
 * ```ts
 * import { jsBackend, Matrix } from 'boltzflow';
 * const c = Matrix.zeros(1, 1);
 * jsBackend.gemm(false, false, 1, Matrix.from([[1, 2]]), Matrix.from([[3], [4]]), 0, c);
 * console.log(c.get(0, 0)); // 11
 * ```
 */
export const jsBackend: Backend = createJsBackend();

function scale(c: Float32Array, beta: number): void {
  if (beta === 0) c.fill(0);
  else if (beta !== 1) for (let i = 0; i < c.length; i++) c[i] *= beta;
}

/** op(B) = B: each row of C is a combination of rows of B, weighted by the nonzeros of row i of op(A). */
function gemmRowsOfB(
  scratch: Scratch,
  transA: boolean,
  alpha: number,
  a: Matrix,
  b: Matrix,
  c: Matrix,
  m: number,
  k: number,
  n: number,
): void {
  const ad = a.data,
    bd = b.data,
    cd = c.data;
  const idx = scratch.i32s(k);
  const val = scratch.f64s(k);
  const lda = a.cols;
  for (let i = 0; i < m; i++) {
    let nnz = 0;
    for (let p = 0; p < k; p++) {
      const v = transA ? ad[p * lda + i] : ad[i * lda + p];
      if (v !== 0) {
        idx[nnz] = p * n;
        val[nnz++] = alpha * v;
      }
    }
    const co = i * n;
    let t = 0;
    for (; t + 3 < nnz; t += 4) {
      const a0 = val[t],
        a1 = val[t + 1],
        a2 = val[t + 2],
        a3 = val[t + 3];
      const b0 = idx[t],
        b1 = idx[t + 1],
        b2 = idx[t + 2],
        b3 = idx[t + 3];
      for (let j = 0; j < n; j++) cd[co + j] += a0 * bd[b0 + j] + a1 * bd[b1 + j] + a2 * bd[b2 + j] + a3 * bd[b3 + j];
    }
    for (; t < nnz; t++) {
      const a0 = val[t],
        b0 = idx[t];
      for (let j = 0; j < n; j++) cd[co + j] += a0 * bd[b0 + j];
    }
  }
}

/** C = alpha·A·Bᵀ: dot products of rows, four rows of A against each row of B. */
function gemmDots(alpha: number, ad: Float32Array, bd: Float32Array, cd: Float32Array, m: number, k: number, n: number): void {
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = i * k,
      a1 = a0 + k,
      a2 = a1 + k,
      a3 = a2 + k;
    for (let j = 0; j < n; j++) {
      const bo = j * k;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let p = 0; p < k; p++) {
        const bv = bd[bo + p];
        s0 += ad[a0 + p] * bv;
        s1 += ad[a1 + p] * bv;
        s2 += ad[a2 + p] * bv;
        s3 += ad[a3 + p] * bv;
      }
      cd[i * n + j] += alpha * s0;
      cd[(i + 1) * n + j] += alpha * s1;
      cd[(i + 2) * n + j] += alpha * s2;
      cd[(i + 3) * n + j] += alpha * s3;
    }
  }
  for (; i < m; i++) {
    const a0 = i * k;
    for (let j = 0; j < n; j++) {
      const bo = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += ad[a0 + p] * bd[bo + p];
      cd[i * n + j] += alpha * s;
    }
  }
}

function gemmNaive(
  transA: boolean,
  transB: boolean,
  alpha: number,
  a: Matrix,
  b: Matrix,
  c: Matrix,
  m: number,
  k: number,
  n: number,
): void {
  const ad = a.data,
    bd = b.data,
    cd = c.data,
    lda = a.cols,
    ldb = b.cols;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? ad[p * lda + i] : ad[i * lda + p]) * (transB ? bd[j * ldb + p] : bd[p * ldb + j]);
      cd[i * n + j] += alpha * s;
    }
}

/** Fraction of nonzeros in a strided sample of at most ~1000 entries. */
function density(d: Float32Array): number {
  if (d.length === 0) return 1;
  const stride = Math.max(1, Math.floor(d.length / 1000));
  let nz = 0,
    seen = 0;
  for (let i = 0; i < d.length; i += stride, seen++) if (d[i] !== 0) nz++;
  return nz / seen;
}
// ── The general Boltzmann machine's sequential sweeps (Backend.glauberSweeps), the reference ──

/** Throws unless the sweeps' arrays are long enough; shared by every backend's glauberSweeps. */
export function checkGlauber(
  net: GlauberNet,
  states: Float32Array,
  rows: number,
  sweeps: number,
  draws: Uint32Array,
  clamped: Uint8Array | null,
  samples: Float32Array | null,
  scratch: GlauberScratch,
): number {
  const n = net.n;
  checkLength(net.weights, n * n, 'weights');
  checkLength(net.bias, n, 'bias');
  if (!Number.isInteger(rows) || rows < 0 || states.length < rows * n)
    throw new BoltzflowError('states', `length ${states.length}`, `at least ${rows}×${n}`);
  if (!Number.isInteger(sweeps) || sweeps < 0) throw new BoltzflowError('sweeps', sweeps, 'an integer ≥ 0');
  if (clamped) checkLength(clamped, n, 'clamped');
  let free = n;
  if (clamped) for (let i = 0; i < n; i++) if (clamped[i]) free--;
  const need = rows * sweeps * (n - 1 + free);
  if (draws.length < need) throw new BoltzflowError('draws', `length ${draws.length}`, `at least ${need} uniforms`);
  if (samples && samples.length < rows * sweeps * n)
    throw new BoltzflowError('samples', `length ${samples.length}`, `at least ${rows * sweeps}×${n}`);
  if (scratch.fields.length < n || scratch.order.length < n)
    throw new BoltzflowError('scratch', `length ${Math.min(scratch.fields.length, scratch.order.length)}`, `at least ${n}`);
  return need;
}

function glauberSweepsJs(
  net: GlauberNet,
  states: Float32Array,
  rows: number,
  sweeps: number,
  temperature: number,
  draws: Uint32Array,
  clamped: Uint8Array | null,
  samples: Float32Array | null,
  scratch: GlauberScratch,
): number {
  checkGlauber(net, states, rows, sweeps, draws, clamped, samples, scratch);
  const { n, weights: w, bias, spin } = net;
  const { fields, order } = scratch;
  const off = spin ? -1 : 0,
    gain = spin ? 2 : 1,
    U = 2.3283064365386963e-10;
  let changed = 0,
    d = 0;
  for (let r = 0; r < rows; r++) {
    const so = r * n;
    for (let i = 0; i < n; i++) {
      let f = bias[i];
      const row = i * n;
      for (let j = 0; j < n; j++) f += w[row + j] * states[so + j];
      fields[i] = f;
    }
    for (let sweep = 0; sweep < sweeps; sweep++) {
      for (let i = 0; i < n; i++) order[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(draws[d++] * U * (i + 1));
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (let k = 0; k < n; k++) {
        const i = order[k];
        if (clamped && clamped[i]) continue;
        const gap = gain * fields[i],
          u = draws[d++] * U,
          current = states[so + i];
        const next = glauberState(gap, temperature, u, current, off);
        const delta = next - current;
        if (delta !== 0) {
          states[so + i] = next;
          changed++;
          const row = i * n;
          for (let j = 0; j < n; j++) fields[j] += w[row + j] * delta;
        }
      }
      if (samples) for (let j = 0, o = (r * sweeps + sweep) * n; j < n; j++) samples[o + j] = states[so + j];
    }
  }
  return changed;
}
