import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Backend } from './Backend.js';
import { BoltzflowError } from './BoltzflowError.js';
import { checkLength, checkSameShape } from './checks.js';
import { gemmShape } from './gemmShape.js';
import { jsBackend } from './jsBackend.js';
import { seedLanes } from './seedLanes.js';

// The few WebAssembly APIs used here (the DOM lib, which declares them, is not in this project's lib).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBuffer; grow(pages: number): number };
};

interface GemmExports {
  heapBase: { value: number | bigint };
  gemmRowsOfB(a: number, b: number, c: number, m: number, k: number, n: number, lda: number, transA: number, alpha: number, idx: number, val: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  scale(x: number, n: number, beta: number): void;
  sigmoid(x: number, bias: number, beta: number, out: number, rows: number, cols: number): void;
  bernoulli(p: number, out: number, n: number, state: number): void;
}

/**
 * Loads the WebAssembly SIMD backend (`dist/kernels/kernels.wasm`, compiled from
 * `kernels/assembly/` by the project's build), or returns null where it is missing or WebAssembly
 * SIMD is unavailable. In wasm with f32x4 SIMD: the GEMM, which skips the zeros of its left
 * operand (op(B) = Bᵀ is transposed once in wasm memory first); the sigmoid, with a float32 exp
 * accurate to about one ulp; and Bernoulli sampling, whose uniforms come from four interleaved
 * xoshiro128+ streams seeded at each call from the run's generator (so the run's generator stays
 * the only random state: same seed, same samples, and snapshots resume exactly). Operands are
 * copied into the module's memory and results copied back. The other kernels are the reference's.
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
export function loadWasmBackend(path: URL = new URL('./kernels.wasm', import.meta.url), options: { threads?: number } = {}): Backend | null {
  let x: GemmExports;
  let module: object;
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 16384, shared: true });
  try {
    module = new WebAssembly.Module(readFileSync(path));
    const instance = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('wasm abort'); } } });
    x = instance.exports as unknown as GemmExports;
  } catch {
    return null;
  }
  const base = (Number(x.heapBase.value) + 63) & ~63;
  let heap = new Float32Array(memory.buffer);
  const helper = (options.threads ?? Math.min(2, availableParallelism())) > 1 ? startHelper(module, memory) : null;
  /** Byte offsets of consecutive 64-byte-aligned regions of the given float counts, growing memory once if needed. */
  const layout = (...sizes: number[]): number[] => {
    const offsets: number[] = [];
    let at = base;
    for (const s of sizes) {
      offsets.push(at);
      at += (s * 4 + 63) & ~63;
    }
    if (at > memory.buffer.byteLength) {
      memory.grow(Math.ceil((at - memory.buffer.byteLength) / 65536));
      heap = new Float32Array(memory.buffer);
    }
    return offsets;
  };
  return {
    ...jsBackend,
    name: 'wasm',
    threads: helper ? 2 : 1,
    gemm(transA, transB, alpha, a, b, beta, c) {
      const [m, k, n] = gemmShape(transA, transB, a, b, c);
      const [pa, pb, pt, pc, pidx, pval, pidx2, pval2] = layout(a.data.length, b.data.length, transB ? b.data.length : 0, c.data.length, k, k, k, k);
      heap.set(a.data, pa >> 2);
      heap.set(b.data, pb >> 2);
      if (beta !== 0) heap.set(c.data, pc >> 2);
      x.scale(pc, c.data.length, beta);
      if (transB) x.transpose(pb, pt, b.rows, b.cols); // Bᵀ (k×n) from B (n×k)
      const pB = transB ? pt : pb, lda = a.cols, ta = transA ? 1 : 0;
      if (alpha !== 0 && k > 0) {
        if (helper && m >= 8 && m * k * n >= 500_000) {
          // The helper thread takes the second half of C's rows; each row is computed as it would be alone.
          const half = m >> 1;
          const aRest = pa + 4 * (transA ? half : half * lda);
          helper.post([aRest, pB, pc + 4 * half * n, m - half, k, n, lda, ta, pidx2, pval2], alpha);
          x.gemmRowsOfB(pa, pB, pc, half, k, n, lda, ta, alpha, pidx, pval);
          helper.wait();
        } else x.gemmRowsOfB(pa, pB, pc, m, k, n, lda, ta, alpha, pidx, pval);
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
  };
}

/** The second thread: posts a GEMM share through a shared control block and waits for it synchronously. */
function startHelper(module: object, memory: object): { post(args: number[], alpha: number): void; wait(): void } | null {
  const control = new SharedArrayBuffer(64);
  const state = new Int32Array(control, 0, 1);
  const args = new Int32Array(control, 4, 10);
  const alphaCell = new Float32Array(control, 44, 1);
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
    post(values, alpha) {
      args.set(values);
      alphaCell[0] = alpha;
      Atomics.store(state, 0, 1);
      Atomics.notify(state, 0);
    },
    wait() {
      while (Atomics.load(state, 0) !== 2) {
        if (failure) throw new BoltzflowError('wasm helper thread', failure.message, 'a running worker thread');
        Atomics.wait(state, 0, 1, 1000);
      }
      Atomics.store(state, 0, 0);
      Atomics.notify(state, 0);
    },
  };
}
