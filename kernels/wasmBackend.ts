import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Backend } from './Backend.js';
import { BoltzflowError } from './BoltzflowError.js';
import { checkLength, checkSameShape } from './checks.js';
import { gemmShape } from './gemmShape.js';
import { jsBackend } from './jsBackend.js';
import { seedLanes } from './seedLanes.js';
import { CONTROL_BYTES, controlBlock, KERNELS, SPIN_MS, spinWhile, type KernelArgs, type KernelName, type Kernels } from './wasmKernels.js';

// The few WebAssembly APIs used here (the DOM lib, which declares them, is not in this project's lib).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  validate(bytes: Uint8Array): boolean;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBuffer; grow(pages: number): number };
};

interface GemmExports extends Kernels {
  heapBase: { value: number | bigint };
  sparseStripColumns: { value: number };
  gatherNonzeros(a: number, m: number, k: number, bs: number, rowStart: number, offset: number, value: number): number;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  scale(x: number, n: number, beta: number): void;
  sigmoid(x: number, bias: number, beta: number, out: number, rows: number, cols: number): void;
  bernoulli(p: number, out: number, n: number, state: number): void;
  columnSums(a: number, rows: number, cols: number, alpha: number, beta: number, out: number, sums: number): void;
  momentumStep(g: number, v: number, w: number, n: number, rate: number, momentum: number, decay: number): number;
}

/** Below this share of nonzeros in op(A), the GEMM sums rows of B instead of running dense tiles. */
const SPARSE_BELOW = 0.5;
/** Floats of slack after every operand: the kernels' last column group may read 3 past a row's end. */
const SLACK = 16;

/**
 * Loads the WebAssembly SIMD backend, compiled from `kernels/assembly/` by the project's build, or
 * returns null where it is missing or WebAssembly SIMD is unavailable. It loads
 * `dist/kernels/kernels-fma.wasm` (relaxed SIMD: fused multiply-adds) where the engine runs it, else
 * `dist/kernels/kernels.wasm` (`fma: false` asks for the latter, whose results are the same on every
 * x86 and ARM machine; fused or not, a machine always gives the same results for the same seed).
 * On Node 20 it turns on V8's relaxed-SIMD flag to do so (Node 22 has the feature by default).
 *
 * In wasm with f32x4 SIMD: the GEMM, split by columns between two threads: register tiles of 4×8
 * for dense operands, and sums of the rows of op(B) that op(A)'s nonzeros pick where op(A) is mostly
 * zeros, as MNIST and binary samples are; the sigmoid, with a float32 exp accurate to about one ulp;
 * and Bernoulli sampling, whose uniforms come from four interleaved xoshiro128+ streams seeded at
 * each call from the run's generator (so the run's generator stays the only random state: same seed,
 * same samples, and snapshots resume exactly); column sums and the momentum step, in float64 like the
 * reference (the values they store are its own to the bit). Operands are copied into the module's
 * memory and results copied back. The other kernels are the reference's.
 *
 * @example
 * ```ts
 * import { loadWasmBackend, Matrix } from 'boltzflow';
 * const wasm = loadWasmBackend();
 * const c = Matrix.zeros(1, 1);
 * wasm?.gemm(false, false, 1, Matrix.from([[1, 2]]), Matrix.from([[3], [4]]), 0, c);
 * console.log(wasm?.name, c.get(0, 0)); // wasm 11
 * ```
 */
export function loadWasmBackend(path?: URL, options: { threads?: number; fma?: boolean } = {}): Backend | null {
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 16384, shared: true });
  const candidates = path ? [path] : [...(options.fma === false ? [] : [new URL('./kernels-fma.wasm', import.meta.url)]), new URL('./kernels.wasm', import.meta.url)];
  let loaded: { module: object; x: GemmExports } | null = null;
  let file: URL | undefined;
  for (file of candidates) if ((loaded = instantiate(file, memory))) break;
  if (!loaded || !file) return null;
  const { module, x } = loaded;
  const base = (Number(x.heapBase.value) + 63) & ~63;
  const strip = x.sparseStripColumns.value;
  let heap = new Float32Array(memory.buffer), ints = new Int32Array(memory.buffer);
  const helper = (options.threads ?? Math.min(2, availableParallelism())) > 1 ? startHelper(module, memory) : null;
  /** Byte offsets of consecutive 64-byte-aligned regions of the given float counts (each with SLACK after it), growing memory once if needed. */
  const layout = (...sizes: number[]): number[] => {
    const offsets: number[] = [];
    let at = base;
    for (const s of sizes) {
      offsets.push(at);
      at += ((s + SLACK) * 4 + 63) & ~63;
    }
    if (at > memory.buffer.byteLength) {
      memory.grow(Math.ceil((at - memory.buffer.byteLength) / 65536));
      heap = new Float32Array(memory.buffer);
      ints = new Int32Array(memory.buffer);
    }
    return offsets;
  };
  /**
   * Runs kernel `name` over C's columns [0, n): on two threads, split at `split` (columns), when the
   * product is big enough. Splits fall on whole strips of the kernel: 8 columns dense, 24 sparse.
   */
  const run = (name: KernelName, args: (j0: number, width: number) => number[], alpha: number, n: number, work: number, split: number): void => {
    if (helper && work >= 500_000 && split > 0 && split < n) {
      helper.post(name, args(split, n - split), alpha);
      x[name](...(args(0, split) as KernelArgs), alpha);
      helper.wait();
    } else x[name](...(args(0, n) as KernelArgs), alpha);
  };
  return {
    ...jsBackend,
    name: 'wasm',
    detail: file.pathname.endsWith('-fma.wasm') ? 'relaxed SIMD (fused multiply-add)' : 'SIMD (f32x4)',
    threads: helper ? 2 : 1,
    gemm(transA, transB, alpha, a, b, beta, c) {
      const [m, k, n] = gemmShape(transA, transB, a, b, c);
      const mk = m * k;
      const [pa, pb, pc, pat, pbt, rowStart, offset, value] = layout(a.data.length, b.data.length, c.data.length, transA ? mk : 0, transB ? b.data.length : 0, m + 2, mk, mk);
      heap.set(a.data, pa >> 2);
      heap.set(b.data, pb >> 2);
      if (beta !== 0) heap.set(c.data, pc >> 2);
      x.scale(pc, c.data.length, beta);
      if (alpha !== 0 && k > 0) {
        // op(A) and op(B) row-major: Aᵀ is formed in pat, Bᵀ in pbt.
        if (transA) x.transpose(pa, pat, a.rows, a.cols);
        if (transB) x.transpose(pb, pbt, b.rows, b.cols);
        const pA = transA ? pat : pa, pB = transB ? pbt : pb, cs = 4 * n;
        const nnz = x.gatherNonzeros(pA, m, k, cs, rowStart, offset, value);
        const ones = ints[(rowStart >> 2) + m + 1]; // every nonzero is 1
        if (nnz < SPARSE_BELOW * mk) run('gemmSparse', (j0, w) => [rowStart, offset, value, ones, pB + 4 * j0, pc + 4 * j0, cs, m, w], alpha, n, m * k * n, Math.round(n / 2 / strip) * strip);
        else run('gemmDense', (j0, w) => [pA, 4 * k, pB + 4 * j0, cs, pc + 4 * j0, cs, m, k, w], alpha, n, m * k * n, (n >> 1) & ~7);
      }
      c.data.set(heap.subarray(pc >> 2, (pc >> 2) + c.data.length));
    },
    sigmoid(xm, bias, beta, out) {
      checkSameShape(xm, out, 'sigmoid output');
      checkLength(bias, xm.cols, 'bias');
      const [px, pb] = layout(xm.data.length, bias.length);
      heap.set(xm.data, px >> 2);
      heap.set(bias as ArrayLike<number>, pb >> 2);
      x.sigmoid(px, pb, beta, px, xm.rows, xm.cols);
      out.data.set(heap.subarray(px >> 2, (px >> 2) + xm.data.length));
    },
    bernoulli(p, rng, out) {
      checkLength(out, p.length, 'bernoulli output');
      const [pp, ps] = layout(p.length, 20);
      heap.set(p as ArrayLike<number>, pp >> 2);
      seedLanes(rng, new Uint32Array(heap.buffer, ps, 16));
      x.bernoulli(pp, pp, p.length, ps);
      out.set(heap.subarray(pp >> 2, (pp >> 2) + p.length));
    },
    columnSums(a, alpha, beta, out) {
      checkLength(out, a.cols, 'columnSums output');
      const [pa, po, ps] = layout(a.data.length, a.cols, 2 * a.cols);
      heap.set(a.data, pa >> 2);
      if (beta !== 0) heap.set(out, po >> 2);
      x.columnSums(pa, a.rows, a.cols, alpha, beta, po, ps);
      out.set(heap.subarray(po >> 2, (po >> 2) + a.cols));
    },
    momentumStep(g, v, w, learningRate, momentum, decay) {
      checkLength(v, g.length, 'velocity');
      checkLength(w, g.length, 'parameters');
      const [pg, pv, pw] = layout(g.length, g.length, g.length);
      heap.set(g as ArrayLike<number>, pg >> 2);
      heap.set(v, pv >> 2);
      heap.set(w, pw >> 2);
      const sum = x.momentumStep(pg, pv, pw, g.length, learningRate, momentum, decay);
      v.set(heap.subarray(pv >> 2, (pv >> 2) + g.length));
      w.set(heap.subarray(pw >> 2, (pw >> 2) + g.length));
      return sum;
    },
  };
}

/** Compiles and instantiates one module on `memory`, or null where it is missing or this engine cannot run it. */
function instantiate(file: URL, memory: object): { module: object; x: GemmExports } | null {
  try {
    const bytes = readFileSync(file);
    // Relaxed SIMD ships in V8 11.4 (Node 22); Node 20 has it behind this flag, which only adds the feature.
    if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('wasm abort'); } } });
    return { module, x: instance.exports as unknown as GemmExports };
  } catch {
    return null;
  }
}

/** The second thread: posts a kernel's share through a shared control block and waits for it synchronously. */
function startHelper(module: object, memory: object): { post(name: KernelName, args: number[], alpha: number): void; wait(): void } | null {
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const { state, kernel, args, alpha: alphaCell } = controlBlock(control);
  let failure: Error | null = null;
  let worker: Worker;
  try {
    worker = new Worker(new URL('./wasmWorker.js', import.meta.url), { workerData: { module, memory, control } });
  } catch {
    return null;
  }
  worker.on('error', (e) => (failure = e));
  worker.unref();
  return {
    post(name, values, alpha) {
      kernel[0] = KERNELS.indexOf(name);
      kernel[1] = values.length;
      args.set(values);
      alphaCell[0] = alpha;
      Atomics.store(state, 0, 1);
      Atomics.notify(state, 0);
    },
    wait() {
      spinWhile(() => Atomics.load(state, 0) !== 2, SPIN_MS);
      while (Atomics.load(state, 0) !== 2) {
        if (failure) throw new BoltzflowError('wasm helper thread', failure.message, 'a running worker thread');
        Atomics.wait(state, 0, 1, 1000);
      }
      Atomics.store(state, 0, 0);
      Atomics.notify(state, 0);
    },
  };
}
