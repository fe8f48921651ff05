// AssemblyScript source of the wasm backend's GEMM (compiled by `npm run build` with SIMD).
// Pointers are byte offsets into the module's own memory; the host copies operands in and out.

/** First free byte after the module's static data: the host lays its buffers out from here. */
export const heapBase: usize = __heap_base;

/**
 * C (m×n, row-major) += op(A)·B for B (k×n, row-major), op(A) = A (m×k, row stride lda) or Aᵀ
 * (A stored k×m). Each row of C is a sum of rows of B weighted by the nonzeros of row i of op(A)
 * (times alpha): they are gathered first, then added four rows of B at a time, eight floats per
 * step with two f32x4 accumulators. Zero entries cost nothing, which is most of MNIST and of
 * binary samples. `idx` and `val` are scratch for k entries each.
 */
export function gemmRowsOfB(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, lda: i32, transA: i32, alpha: f32, idx: usize, val: usize): void {
  for (let i = 0; i < m; i++) {
    let nnz = 0;
    for (let p = 0; p < k; p++) {
      const v = transA ? load<f32>(a + (<usize>(p * lda + i) << 2)) : load<f32>(a + (<usize>(i * lda + p) << 2));
      if (v != 0) {
        store<i32>(idx + (<usize>nnz << 2), p * n);
        store<f32>(val + (<usize>nnz << 2), alpha * v);
        nnz++;
      }
    }
    const row = c + (<usize>(i * n) << 2);
    let t = 0;
    for (; t + 3 < nnz; t += 4) {
      const s0 = load<f32>(val + (<usize>t << 2)), s1 = load<f32>(val + (<usize>(t + 1) << 2));
      const s2 = load<f32>(val + (<usize>(t + 2) << 2)), s3 = load<f32>(val + (<usize>(t + 3) << 2));
      const a0 = f32x4.splat(s0), a1 = f32x4.splat(s1), a2 = f32x4.splat(s2), a3 = f32x4.splat(s3);
      const b0 = b + (<usize>load<i32>(idx + (<usize>t << 2)) << 2);
      const b1 = b + (<usize>load<i32>(idx + (<usize>(t + 1) << 2)) << 2);
      const b2 = b + (<usize>load<i32>(idx + (<usize>(t + 2) << 2)) << 2);
      const b3 = b + (<usize>load<i32>(idx + (<usize>(t + 3) << 2)) << 2);
      let j = 0;
      for (; j + 7 < n; j += 8) {
        const o = <usize>j << 2;
        let x = v128.load(row + o);
        let y = v128.load(row + o, 16);
        x = f32x4.add(x, f32x4.add(f32x4.add(f32x4.mul(a0, v128.load(b0 + o)), f32x4.mul(a1, v128.load(b1 + o))), f32x4.add(f32x4.mul(a2, v128.load(b2 + o)), f32x4.mul(a3, v128.load(b3 + o)))));
        y = f32x4.add(y, f32x4.add(f32x4.add(f32x4.mul(a0, v128.load(b0 + o, 16)), f32x4.mul(a1, v128.load(b1 + o, 16))), f32x4.add(f32x4.mul(a2, v128.load(b2 + o, 16)), f32x4.mul(a3, v128.load(b3 + o, 16)))));
        v128.store(row + o, x);
        v128.store(row + o, y, 16);
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(row + o, load<f32>(row + o) + s0 * load<f32>(b0 + o) + s1 * load<f32>(b1 + o) + s2 * load<f32>(b2 + o) + s3 * load<f32>(b3 + o));
      }
    }
    for (; t < nnz; t++) {
      const s = load<f32>(val + (<usize>t << 2));
      const av = f32x4.splat(s);
      const bt = b + (<usize>load<i32>(idx + (<usize>t << 2)) << 2);
      let j = 0;
      for (; j + 3 < n; j += 4) {
        const o = <usize>j << 2;
        v128.store(row + o, f32x4.add(v128.load(row + o), f32x4.mul(av, v128.load(bt + o))));
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(row + o, load<f32>(row + o) + s * load<f32>(bt + o));
      }
    }
  }
}

/** out (cols×rows) ← inᵀ for `in` rows×cols. */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) store<f32>(dst + (<usize>(j * rows + i) << 2), load<f32>(src + (<usize>(i * cols + j) << 2)));
}

/** x ← beta·x over n floats (beta = 0 clears). */
export function scale(x: usize, n: i32, beta: f32): void {
  for (let i = 0; i < n; i++) store<f32>(x + (<usize>i << 2), beta == 0 ? 0 : beta * load<f32>(x + (<usize>i << 2)));
}
