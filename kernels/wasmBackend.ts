import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SUM_BLOCK, type Backend, type Vec } from './Backend.js';
import { BoltzflowError } from './BoltzflowError.js';
import { checkLength, checkRows, checkSameShape } from './checks.js';
import { gemmShape } from './gemmShape.js';
import { checkGlauber, createJsBackend } from './jsBackend.js';
import { seedLanes } from './seedLanes.js';
import { wasmHeap } from './wasmHeap.js';
import { CONTROL_BYTES, controlBlock, KERNELS, SPIN_MS, spinWhile, type KernelName, type Kernels } from './wasmKernels.js';

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
  scale(x: number, n: number, beta: number): void;
  bernoulli(p: number, out: number, n: number, state: number): void;
  columnSums(a: number, rows: number, cols: number, alpha: number, beta: number, out: number, sums: number): void;
  squaredDistance(a: number, b: number, n: number): number;
  firstOutside(a: number, n: number, lo: number, hi: number): number;
  addBias(x: number, bias: number, out: number, rows: number, n: number): void;
  expScaleColumns(x: number, z: number, out: number, rows: number, n: number, s: number, c: number): void;
  expScaleRows(a: number, z: number, n: number, m: number, c: number): void;
  gaussianSample(means: number, z: number, out: number, len: number, n: number, state: number, s: number, beta: number): void;
  varianceGradient(v: number, wh: number, b: number, g: number, rows: number, n: number, alpha: number): void;
  glauber(
    w: number,
    bias: number,
    states: number,
    rows: number,
    n: number,
    sweeps: number,
    spin: number,
    draws: number,
    clamped: number,
    samples: number,
    fields: number,
    order: number,
    temperature: number,
  ): number;
}

/** Below this share of nonzeros in op(A), the GEMM sums rows of B instead of running dense tiles. */
const SPARSE_BELOW = 0.5;
/** The module's memory grows to at most this many bytes by default (1 GiB). */
const MAX_MEMORY = 1 << 30;
/** Floats of slack after every operand: the kernels' last column group may read 3 past a row's end. */
const SLACK = 16;

/**
 * Loads the WebAssembly SIMD backend, compiled from `kernels/assembly/` by the project's build, or
 * returns null where it is missing or WebAssembly SIMD is unavailable. It loads
 * `dist/kernels/kernels-fma.wasm` (relaxed SIMD: fused multiply-adds) where the engine runs it, else
 * `dist/kernels/kernels.wasm` (`fma: false` asks for the latter, whose results are the same on every
 * x86 and ARM machine; fused or not, a machine always gives the same results for the same seed).
 * It changes no process-wide state: Node 22 runs relaxed SIMD by default, Node 20 only after
 * {@link enableRelaxedSimd} (which the CLI calls; a program calls it before loading this backend).
 *
 * In wasm with f32x4 SIMD: the GEMM, split by columns between two threads: register tiles of 4×8
 * for dense operands, and sums of the rows of op(B) that op(A)'s nonzeros pick where op(A) is mostly
 * zeros, as MNIST and binary samples are; the sigmoid, with a float32 exp accurate to about one ulp;
 * and Bernoulli sampling, whose uniforms come from four interleaved xoshiro128+ streams seeded at
 * each call from the run's generator (so the run's generator stays the only random state: same seed,
 * same samples, and snapshots resume exactly); column sums and the momentum step, in float64 like the
 * reference (the values they store are its own to the bit); the squared distance, in float64 as four
 * running sums (the reconstruction error's); a general BM's Glauber sweeps, the reference's
 * arithmetic in the same order from the same uniforms (its chains are the reference's); Gaussian
 * visible units' bias, scalings and variance statistic in float64 in the reference's order, and their
 * sampler, Box–Muller in float64 on four xoshiro128+ lanes seeded from the run's generator. The other
 * kernels are the reference's.
 *
 * Arrays from its `allocate` live in the module's memory and are used in place; other operands are
 * copied in and results copied back (a 784×500 weight matrix: about 0.1 ms each way). The memory
 * grows to at most `maxMemory` bytes (default 1 GiB); where it is full, `allocate` returns an
 * ordinary array, and an operation whose scratch space does not fit is refused with an error.
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
export function loadWasmBackend(path?: URL, options: { threads?: number; fma?: boolean; maxMemory?: number } = {}): Backend | null {
  const { maxMemory = MAX_MEMORY } = options;
  if (!(Number.isInteger(maxMemory) && maxMemory >= 1 << 22 && maxMemory <= MAX_MEMORY))
    throw new BoltzflowError('maxMemory', maxMemory, 'an integer number of bytes in [4 MiB, 1 GiB]');
  const maxPages = Math.floor(maxMemory / 65536);
  const memory = new WebAssembly.Memory({ initial: 64, maximum: maxPages, shared: true });
  const candidates = path
    ? [path]
    : [...(options.fma === false ? [] : [new URL('./kernels-fma.wasm', import.meta.url)]), new URL('./kernels.wasm', import.meta.url)];
  let loaded: { module: object; x: GemmExports } | null = null;
  let file: URL | undefined;
  for (file of candidates) if ((loaded = instantiate(file, memory))) break;
  if (!loaded || !file) return null;
  const { module, x } = loaded;
  const strip = x.sparseStripColumns.value;
  let heap = new Float32Array(memory.buffer),
    ints = new Int32Array(memory.buffer),
    doubles = new Float64Array(memory.buffer);
  let uints = new Uint32Array(memory.buffer),
    bytes = new Uint8Array(memory.buffer);
  /** Every buffer object this memory has had (a new one after each growth): arrays on any of them are resident. */
  const buffers = new WeakSet<ArrayBufferLike>([memory.buffer]);
  const blocks = wasmHeap(Number(x.heapBase.value), (end) => {
    if (end <= memory.buffer.byteLength) return;
    try {
      memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    } catch {
      throw new BoltzflowError(
        'wasm backend memory (bytes)',
        end,
        `at most ${maxPages * 65536} bytes (the wasm backend's maxMemory: use the native or js backend for larger models or batches)`,
      );
    }
    heap = new Float32Array(memory.buffer);
    ints = new Int32Array(memory.buffer);
    doubles = new Float64Array(memory.buffer);
    uints = new Uint32Array(memory.buffer);
    bytes = new Uint8Array(memory.buffer);
    buffers.add(memory.buffer);
  });
  const freed = new FinalizationRegistry<number>((offset) => blocks.release(offset));
  /** The byte offset of `a` in this memory where it lives there (from `allocate`), else −1. */
  const at = (a: Vec | Float32Array | Uint32Array): number => (buffers.has(a.buffer) ? a.byteOffset : -1);
  let scratch = -1,
    scratchBytes = 0;
  const helper = (options.threads ?? Math.min(2, availableParallelism())) > 1 ? startHelper(module, memory) : null;
  /**
   * Byte offsets of consecutive 64-byte-aligned regions of the given float counts (each with SLACK
   * after it) in the scratch block, which is reallocated larger where they do not fit.
   */
  const layout = (...sizes: number[]): number[] => {
    const offsets: number[] = [];
    let bytes = 0;
    for (const s of sizes) {
      offsets.push(bytes);
      bytes += ((s + SLACK) * 4 + 63) & ~63;
    }
    if (bytes > scratchBytes) {
      if (scratch >= 0) blocks.release(scratch);
      scratch = blocks.allocate(bytes);
      scratchBytes = bytes;
    }
    for (let i = 0; i < offsets.length; i++) offsets[i] += scratch;
    return offsets;
  };
  /** `a`'s byte offset in this memory: its own where it is resident, else `scratchAt`, where it is copied. */
  const place = (a: Vec | Float32Array, scratchAt: number): number => {
    const p = at(a);
    if (p >= 0) return p;
    heap.set(a, scratchAt >> 2);
    return scratchAt;
  };
  /** Where a kernel writes `out`: at its own offset where it is resident, else at `scratchAt` (then {@link back}). */
  const into = (out: Float32Array, scratchAt: number): number => {
    const p = at(out);
    return p >= 0 ? p : scratchAt;
  };
  /** Copies the result at byte offset `p` back into `out` unless `out` is resident there. */
  const back = (out: Float32Array, p: number): void => {
    if (at(out) !== p) out.set(heap.subarray(p >> 2, (p >> 2) + out.length));
  };
  /**
   * Runs kernel `name` over [0, n) of what it splits (columns of C, rows of the sigmoid's or the
   * transpose's source): on two threads, the helper taking [split, n), where the call is `big`
   * enough to gain from it; `args(start, count)` gives a share's integer arguments, `floats` are
   * the kernel's float arguments. The callers give the helper the smaller share: it starts later
   * (it has to see the post), and the main thread otherwise waits for it.
   */
  const run = (
    name: KernelName,
    args: (start: number, count: number) => number[],
    floats: number[],
    n: number,
    split: number,
    big: boolean,
  ): void => {
    if (helper && big && split > 0 && split < n) {
      helper.post(name, args(split, n - split), floats);
      x[name](...args(0, split), ...floats);
      helper.wait();
    } else x[name](...args(0, n), ...floats);
  };
  /** dst ← srcᵀ for src rows×cols, on both threads for big ones (split on a multiple of 4 rows). */
  const transpose = (src: number, dst: number, rows: number, cols: number): void =>
    run(
      'transpose',
      (i0, count) => [src + 4 * i0 * cols, dst + 4 * i0, count, cols, rows],
      [],
      rows,
      ((rows >> 1) + 3) & ~3,
      rows * cols >= 1 << 16,
    );
  return {
    ...createJsBackend(), // the reference's other kernels, with scratch buffers of this backend's own
    name: 'wasm',
    detail: file.pathname.endsWith('-fma.wasm') ? 'relaxed SIMD (fused multiply-add)' : 'SIMD (f32x4)',
    threads: helper ? 2 : 1,
    allocate(length) {
      if (!Number.isInteger(length) || length < 0) throw new BoltzflowError('length', length, 'an integer ≥ 0');
      let offset: number;
      try {
        offset = blocks.allocate((length + SLACK) * 4);
      } catch {
        // The memory is full (of arrays that may be garbage not yet collected): an ordinary array
        // works the same, copied in and out at each call.
        return new Float32Array(length);
      }
      heap.fill(0, offset >> 2, (offset >> 2) + length);
      const array = new Float32Array(memory.buffer, offset, length);
      freed.register(array, offset);
      return array;
    },
    gemm(transA, transB, alpha, a, b, beta, c) {
      const [m, k, n] = gemmShape(transA, transB, a, b, c);
      const mk = m * k;
      const size = (d: Float32Array) => (at(d) >= 0 ? 0 : d.length);
      const [sa, sb, sc, pat, pbt, rowStart, offset, value] = layout(
        size(a.data),
        size(b.data),
        size(c.data),
        transA ? mk : 0,
        transB ? b.data.length : 0,
        m + 2,
        mk,
        mk,
      );
      const pa = place(a.data, sa),
        pb = place(b.data, sb);
      const pc = into(c.data, sc);
      if (pc === sc && beta !== 0) heap.set(c.data, sc >> 2);
      if (beta !== 1) x.scale(pc, c.data.length, beta); // (β = 1 leaves C as it is)
      if (alpha !== 0 && k > 0) {
        // op(A) and op(B) row-major: Aᵀ is formed in pat, Bᵀ in pbt.
        if (transA) transpose(pa, pat, a.rows, a.cols);
        if (transB) transpose(pb, pbt, b.rows, b.cols);
        const pA = transA ? pat : pa,
          pB = transB ? pbt : pb,
          cs = 4 * n;
        const nnz = x.gatherNonzeros(pA, m, k, cs, rowStart, offset, value);
        const ones = ints[(rowStart >> 2) + m + 1]; // every nonzero is 1
        // Splits fall on whole strips of the kernel: 24 columns sparse, 8 dense.
        const big = m * k * n >= 500_000;
        if (nnz < SPARSE_BELOW * mk)
          run(
            'gemmSparse',
            (j0, w) => [rowStart, offset, value, ones, pB + 4 * j0, pc + 4 * j0, cs, m, w],
            [alpha],
            n,
            Math.ceil(n / 2 / strip) * strip,
            big,
          );
        else run('gemmDense', (j0, w) => [pA, 4 * k, pB + 4 * j0, cs, pc + 4 * j0, cs, m, k, w], [alpha], n, ((n >> 1) + 7) & ~7, big);
      }
      back(c.data, pc);
    },
    sigmoid(xm, bias, beta, out) {
      checkSameShape(xm, out, 'sigmoid output');
      checkLength(bias, xm.cols, 'bias');
      const [sx, sb] = layout(xm.data.length, bias.length);
      const px = place(xm.data, sx),
        pb = place(bias, sb);
      const po = into(out.data, sx); // in place in the scratch where neither is resident
      const cols = xm.cols;
      run(
        'sigmoid',
        (i0, rows) => [px + 4 * i0 * cols, pb, po + 4 * i0 * cols, rows, cols],
        [beta],
        xm.rows,
        (xm.rows + 1) >> 1,
        xm.data.length >= 1 << 14,
      );
      back(out.data, po);
    },
    bernoulli(p, rng, out) {
      checkLength(out, p.length, 'bernoulli output');
      const [sp, ps] = layout(p.length, 20);
      const pp = place(p, sp);
      const po = into(out, sp);
      seedLanes(rng, new Uint32Array(heap.buffer, ps, 16));
      x.bernoulli(pp, po, p.length, ps);
      back(out, po);
    },
    columnSums(a, alpha, beta, out) {
      checkLength(out, a.cols, 'columnSums output');
      const [sa, so, ps] = layout(a.data.length, a.cols, 2 * a.cols);
      const pa = place(a.data, sa);
      const po = beta !== 0 ? place(out, so) : into(out, so);
      x.columnSums(pa, a.rows, a.cols, alpha, beta, po, ps);
      back(out, po);
    },
    momentumStep(g, v, w, learningRate, momentum, decay) {
      checkLength(v, g.length, 'velocity');
      checkLength(w, g.length, 'parameters');
      const n = g.length,
        blocks = Math.ceil(n / SUM_BLOCK);
      const [sg, sv, sw, ps] = layout(n, n, n, 2 * blocks);
      const pg = place(g, sg),
        pv = place(v, sv),
        pw = place(w, sw);
      // Each thread takes whole blocks and leaves each block's Σ w² at ps; they are added here, in order.
      run(
        'momentumStep',
        (b0, count) => [
          pg + 4 * b0 * SUM_BLOCK,
          pv + 4 * b0 * SUM_BLOCK,
          pw + 4 * b0 * SUM_BLOCK,
          Math.min(n - b0 * SUM_BLOCK, count * SUM_BLOCK),
          ps + 8 * b0,
        ],
        [learningRate, momentum, decay],
        blocks,
        (blocks + 1) >> 1,
        blocks > 1,
      );
      let sum = 0;
      for (let b = 0; b < blocks; b++) sum += doubles[(ps >> 3) + b];
      back(v, pv);
      back(w, pw);
      return sum;
    },
    firstOutside(a, lo, hi) {
      // The kernel compares float32s: the smallest float32 ≥ lo and the largest ≤ hi bound the same floats.
      const [sa] = layout(a.length);
      return x.firstOutside(place(a, sa), a.length, float32Toward(lo, 1), float32Toward(hi, -1));
    },
    glauberSweeps(net, states, rows, sweeps, temperature, draws, clamped, samples, scratch) {
      const need = checkGlauber(net, states, rows, sweeps, draws, clamped, samples, scratch);
      const n = net.n,
        len = rows * n,
        out = samples ? rows * sweeps * n : 0;
      const [sw, sb, ss, sd, sc, so, sf, sr] = layout(
        at(net.weights) >= 0 ? 0 : n * n,
        n,
        len,
        at(draws) >= 0 ? 0 : need,
        n,
        samples && at(samples) < 0 ? out : 0,
        2 * n,
        n,
      );
      const pw = place(net.weights, sw),
        pb = place(net.bias, sb);
      const ps = at(states) >= 0 ? states.byteOffset : (heap.set(len === states.length ? states : states.subarray(0, len), ss >> 2), ss);
      const pd = at(draws) >= 0 ? draws.byteOffset : (uints.set(need === draws.length ? draws : draws.subarray(0, need), sd >> 2), sd);
      if (clamped) bytes.set(clamped, sc);
      const po = samples ? into(samples, so) : 0;
      const changed = x.glauber(pw, pb, ps, rows, n, sweeps, net.spin ? 1 : 0, pd, clamped ? sc : 0, po, sf, sr, temperature);
      if (ps === ss) states.set(heap.subarray(ss >> 2, (ss >> 2) + len));
      if (samples && po === so) samples.set(heap.subarray(so >> 2, (so >> 2) + out));
      return changed;
    },
    addBias(xs, bias, out) {
      checkRows(xs, bias.length, 'addBias x');
      checkLength(out, xs.length, 'addBias out');
      if (xs.length === 0) return;
      const [sx, sb] = layout(xs.length, bias.length);
      const px = place(xs, sx),
        pb = place(bias, sb),
        po = into(out, sx);
      x.addBias(px, pb, po, xs.length / bias.length, bias.length);
      back(out, po);
    },
    expScaleColumns(xs, z, c, out) {
      checkRows(xs, z.length, 'expScaleColumns x');
      checkLength(out, xs.length, 'expScaleColumns out');
      if (xs.length === 0) return;
      const [sx, sz, ss] = layout(xs.length, z.length, 2 * z.length);
      const px = place(xs, sx),
        pz = place(z, sz),
        po = into(out, sx);
      x.expScaleColumns(px, pz, po, xs.length / z.length, z.length, ss, c);
      back(out, po);
    },
    expScaleRows(a, z, c) {
      checkRows(a, z.length, 'expScaleRows a');
      if (a.length === 0) return;
      const [sa, sz] = layout(a.length, z.length);
      const pa = place(a, sa);
      x.expScaleRows(pa, place(z, sz), z.length, a.length / z.length, c);
      back(a, pa);
    },
    gaussianSample(means, logVariance, beta, rng, out) {
      const n = logVariance.length;
      checkRows(means, n, 'gaussianSample means');
      checkLength(out, means.length, 'gaussianSample out');
      if (means.length === 0) return;
      const [sm, sz, ps, ss] = layout(means.length, n, 16, 2 * n);
      const pm = place(means, sm),
        pz = place(logVariance, sz),
        po = into(out, sm);
      seedLanes(rng, new Uint32Array(heap.buffer, ps, 16));
      x.gaussianSample(pm, pz, po, means.length, n, ps, ss, beta);
      back(out, po);
    },
    varianceGradient(v, wh, bias, alpha, g) {
      const n = bias.length;
      checkRows(v, n, 'varianceGradient v');
      checkLength(wh, v.length, 'varianceGradient wh');
      checkLength(g, n, 'varianceGradient g');
      if (v.length === 0) return;
      const [sv, sw, sb, sg] = layout(v.length, v.length, n, n);
      const pg = place(g, sg);
      x.varianceGradient(place(v, sv), place(wh, sw), place(bias, sb), pg, v.length / n, n, alpha);
      back(g, pg);
    },
    squaredDistance(a, b) {
      checkLength(b, a.length, 'squaredDistance operand');
      const [sa, sb] = layout(a.length, b.length);
      return x.squaredDistance(place(a, sa), place(b, sb), a.length);
    },
  };
}

const bits = new Float32Array(1),
  bitsInt = new Int32Array(bits.buffer);
/** The float32 nearest `x` on the side `dir` (+1: the smallest float32 ≥ x; −1: the largest ≤ x). */
function float32Toward(x: number, dir: 1 | -1): number {
  const f = Math.fround(x);
  if (Number.isNaN(x) || (dir > 0 ? f >= x : f <= x)) return f;
  // f rounded past x, by less than one step: take the next float32 toward x.
  if (f === 0)
    bitsInt[0] = dir > 0 ? 1 : 0x80000001 | 0; // the smallest subnormal of that sign
  else {
    bits[0] = f;
    bitsInt[0] += f > 0 === dir > 0 ? 1 : -1;
  }
  return bits[0];
}

/** Compiles and instantiates one module on `memory`, or null where it is missing or this engine cannot run it. */
function instantiate(file: URL, memory: object): { module: object; x: GemmExports } | null {
  try {
    const bytes = readFileSync(file);
    // An engine without relaxed SIMD (Node 20 unless enableRelaxedSimd was called) refuses the fused build.
    if (!WebAssembly.validate(bytes)) return null;
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory,
        abort: () => {
          throw new Error('wasm abort');
        },
      },
    });
    return { module, x: instance.exports as unknown as GemmExports };
  } catch {
    return null;
  }
}

/** The second thread: posts a kernel's share through a shared control block and waits for it synchronously. */
function startHelper(
  module: object,
  memory: object,
): { post(name: KernelName, args: number[], floats: number[]): void; wait(): void } | null {
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const { state, kernel, args, floats: floatCells } = controlBlock(control);
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
    post(name, values, floats) {
      kernel[0] = KERNELS.indexOf(name);
      kernel[1] = values.length;
      kernel[2] = floats.length;
      args.set(values);
      floatCells.set(floats);
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
