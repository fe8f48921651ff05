import { readFileSync } from 'node:fs';
import type { Backend } from './Backend.js';
import { gemmShape } from './gemmShape.js';
import { jsBackend } from './jsBackend.js';

// The few WebAssembly APIs used here (the DOM lib, which declares them, is not in this project's lib).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
};

interface GemmExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase: { value: number | bigint };
  gemmRowsOfB(a: number, b: number, c: number, m: number, k: number, n: number, lda: number, transA: number, alpha: number, idx: number, val: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  scale(x: number, n: number, beta: number): void;
}

/**
 * Loads the WebAssembly SIMD backend (`dist/kernels/gemm.wasm`, compiled from
 * `kernels/assembly/gemm.ts` by the project's build), or returns null where it is missing or
 * WebAssembly SIMD is unavailable. Its GEMM runs in wasm with f32x4 SIMD and skips the zeros of
 * its left operand; op(B) = Bᵀ is transposed once in wasm memory first. Operands are copied into
 * the module's memory and the result copied back. The other kernels are the reference's, so
 * sampling draws exactly what the `js` backend draws from the same generator.
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
export function loadWasmBackend(path: URL = new URL('./gemm.wasm', import.meta.url)): Backend | null {
  let x: GemmExports;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {
      env: {
        abort: () => {
          throw new Error('wasm abort');
        },
      },
    });
    x = instance.exports as unknown as GemmExports;
  } catch {
    return null;
  }
  const base = (Number(x.heapBase.value) + 63) & ~63;
  let heap = new Float32Array(x.memory.buffer);
  /** Byte offsets of consecutive 64-byte-aligned regions of the given float counts, growing memory once if needed. */
  const layout = (...sizes: number[]): number[] => {
    const offsets: number[] = [];
    let at = base;
    for (const s of sizes) {
      offsets.push(at);
      at += (s * 4 + 63) & ~63;
    }
    if (at > x.memory.buffer.byteLength) {
      x.memory.grow(Math.ceil((at - x.memory.buffer.byteLength) / 65536));
      heap = new Float32Array(x.memory.buffer);
    }
    return offsets;
  };
  return {
    ...jsBackend,
    name: 'wasm',
    gemm(transA, transB, alpha, a, b, beta, c) {
      const [m, k, n] = gemmShape(transA, transB, a, b, c);
      const [pa, pb, pt, pc, pidx, pval] = layout(a.data.length, b.data.length, transB ? b.data.length : 0, c.data.length, k, k);
      heap.set(a.data, pa >> 2);
      heap.set(b.data, pb >> 2);
      if (beta !== 0) heap.set(c.data, pc >> 2);
      x.scale(pc, c.data.length, beta);
      if (transB) x.transpose(pb, pt, b.rows, b.cols); // Bᵀ (k×n) from B (n×k)
      if (alpha !== 0 && k > 0) x.gemmRowsOfB(pa, transB ? pt : pb, pc, m, k, n, a.cols, transA ? 1 : 0, alpha, pidx, pval);
      c.data.set(heap.subarray(pc >> 2, (pc >> 2) + c.data.length));
    },
  };
}
