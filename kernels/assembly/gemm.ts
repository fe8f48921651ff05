// AssemblyScript source of the wasm backend's GEMM (compiled by `npm run build` with SIMD).
// Pointers are byte offsets into the module's own memory. Each kernel computes C += alpha·op(A)·op(B)
// over a range of C's columns, so that two threads can share one product by columns: both read
// all of op(A), each reads and writes only its own columns of op(B) and C.

/** First free byte after the module's static data: the host lays its buffers out from here. */
export const heapBase: usize = __heap_base;

/** Rows of B per pass of the dense kernel: a 256×8 strip of B (16 KiB of cache lines) stays in L1. */
const KC = 256;

// v128 values live in V8's 15 usable xmm registers on x64; the tiles below are sized to fit them.

/** acc + a·b: one fused multiply-add where the module is built with relaxed SIMD, else a multiply and an add. */
@inline function mac(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** c[0..w) += alpha·v for w ≤ 4 floats (all four with one vector store when w = 4). */
@inline function addLanes(c: usize, v: v128, alpha: v128, w: i32): void {
  const s = f32x4.mul(v, alpha);
  if (w == 4) {
    v128.store(c, f32x4.add(v128.load(c), s));
    return;
  }
  store<f32>(c, load<f32>(c) + f32x4.extract_lane(s, 0));
  if (w > 1) store<f32>(c, load<f32>(c, 4) + f32x4.extract_lane(s, 1), 4);
  if (w > 2) store<f32>(c, load<f32>(c, 8) + f32x4.extract_lane(s, 2), 8);
}

/**
 * Dense C (m×n, row stride cs bytes) += alpha·A·B for A m×k (row stride as bytes, contiguous rows;
 * the host forms Aᵀ first where it is asked for) and B k×n (row stride bs bytes). Register tiles of
 * 4 rows × 8 columns of C accumulate over a pass of up to KC rows of B: per row of B, two vector
 * loads of B and four splat loads of A feed 32 multiply-adds. Columns past the last multiple of 8 go
 * four at a time; a last partial group reads up to 3 floats past its row of B (the host leaves slack
 * after every operand) and writes only its own columns of C.
 */
export function gemmDense(a: usize, as: i32, b: usize, bs: i32, c: usize, cs: i32, m: i32, k: i32, n: i32, alpha: f32): void {
  const al = f32x4.splat(alpha);
  const ar = <usize>as, br = <usize>bs, cr = <usize>cs;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const ak = a + (<usize>p0 << 2), bk = b + <usize>p0 * br;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const bj = bk + (<usize>j << 2), cj = c + (<usize>j << 2);
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const a0 = ak + <usize>i * ar, a1 = a0 + ar, a2 = a1 + ar, a3 = a2 + ar;
        let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        let bp = bj, o: usize = 0;
        for (let p = 0; p < kc; p++) {
          const b0 = v128.load(bp), b1 = v128.load(bp, 16);
          let x = v128.load32_splat(a0 + o);
          c00 = mac(c00, x, b0);
          c01 = mac(c01, x, b1);
          x = v128.load32_splat(a1 + o);
          c10 = mac(c10, x, b0);
          c11 = mac(c11, x, b1);
          x = v128.load32_splat(a2 + o);
          c20 = mac(c20, x, b0);
          c21 = mac(c21, x, b1);
          x = v128.load32_splat(a3 + o);
          c30 = mac(c30, x, b0);
          c31 = mac(c31, x, b1);
          bp += br;
          o += 4;
        }
        const r = cj + <usize>i * cr;
        addLanes(r, c00, al, 4);
        addLanes(r + 16, c01, al, 4);
        addLanes(r + cr, c10, al, 4);
        addLanes(r + cr + 16, c11, al, 4);
        addLanes(r + 2 * cr, c20, al, 4);
        addLanes(r + 2 * cr + 16, c21, al, 4);
        addLanes(r + 3 * cr, c30, al, 4);
        addLanes(r + 3 * cr + 16, c31, al, 4);
      }
      for (; i < m; i++) {
        const a0 = ak + <usize>i * ar;
        let c00 = f32x4.splat(0), c01 = c00;
        let bp = bj, o: usize = 0;
        for (let p = 0; p < kc; p++) {
          const x = v128.load32_splat(a0 + o);
          c00 = mac(c00, x, v128.load(bp));
          c01 = mac(c01, x, v128.load(bp, 16));
          bp += br;
          o += 4;
        }
        const r = cj + <usize>i * cr;
        addLanes(r, c00, al, 4);
        addLanes(r + 16, c01, al, 4);
      }
    }
    for (; j < n; j += 4) {
      const w = min(4, n - j);
      const bj = bk + (<usize>j << 2), cj = c + (<usize>j << 2);
      for (let i = 0; i < m; i++) {
        const a0 = ak + <usize>i * ar;
        let acc = f32x4.splat(0);
        let bp = bj, o: usize = 0;
        for (let p = 0; p < kc; p++) {
          acc = mac(acc, v128.load32_splat(a0 + o), v128.load(bp));
          bp += br;
          o += 4;
        }
        addLanes(cj + <usize>i * cr, acc, al, w);
      }
    }
  }
}

/**
 * Gathers the nonzeros of A (m×k, row-major, contiguous rows) row by row, for {@link gemmSparse}:
 * row i's entries are rowStart[i] .. rowStart[i+1]) of `offset` (p·bs, the byte offset of row p of
 * B) and `value` (A[i,p]). Four entries at a time are skipped when all are zero, and the others are
 * stored without a branch (each written, the count advanced by one where it is nonzero), so `offset`
 * and `value` need one slot of slack. rowStart[m+1] is set to 1 where every nonzero is exactly 1
 * (binary samples), else 0. Returns the number of nonzeros.
 */
export function gatherNonzeros(a: usize, m: i32, k: i32, bs: i32, rowStart: usize, offset: usize, value: usize): i32 {
  let t = 0;
  let other = f32x4.splat(0); // lanes that saw a value other than 0 and 1
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  const k4 = k & ~3;
  for (let i = 0; i < m; i++) {
    store<i32>(rowStart + (<usize>i << 2), t);
    const ai = a + (<usize>(i * k) << 2);
    let p = 0;
    for (; p < k4; p += 4) {
      const x = v128.load(ai + (<usize>p << 2));
      if (!v128.any_true(x)) continue;
      other = v128.or(other, v128.and(f32x4.ne(x, zero), f32x4.ne(x, one)));
      for (let q = p; q < p + 4; q++) t = keep(ai, q, bs, offset, value, t);
    }
    for (; p < k; p++) {
      const x = v128.load32_splat(ai + (<usize>p << 2));
      other = v128.or(other, v128.and(f32x4.ne(x, zero), f32x4.ne(x, one)));
      t = keep(ai, p, bs, offset, value, t);
    }
  }
  store<i32>(rowStart + (<usize>m << 2), t);
  store<i32>(rowStart + (<usize>(m + 1) << 2), v128.any_true(other) ? 0 : 1);
  return t;
}

@inline function keep(ai: usize, p: i32, bs: i32, offset: usize, value: usize, t: i32): i32 {
  const v = load<f32>(ai + (<usize>p << 2));
  store<i32>(offset + (<usize>t << 2), p * bs);
  store<f32>(value + (<usize>t << 2), v);
  return t + <i32>(v != 0);
}

/**
 * C (m×n, row stride cs bytes) += alpha·op(A)·B from op(A)'s nonzeros (see {@link gatherNonzeros}) and
 * B with rows at b + offset: zero entries of op(A) cost nothing, which is most of MNIST and of binary
 * samples. Each row of C is built 24 columns at a time in six f32x4 registers, summing the rows of B
 * its nonzeros pick. Six, not eight: V8 loads a nonzero's row of B into registers before it
 * multiplies, and with eight accumulators it spilled one to the stack, whose store-to-load round
 * trip then bounded the loop at a third of its speed. `ones` (rowStart[m+1] from the gather) says
 * every nonzero is 1: then the rows are added without a multiply, whose latency bounds the loop
 * (an add's is shorter). The last 1–23 columns go in one more strip of as many f32x4 groups as they
 * need, the last of which may read up to 3 floats past a row of B (as {@link gemmDense} does) and
 * writes only its own columns of C.
 */
export function gemmSparse(rowStart: usize, offset: usize, value: usize, ones: i32, b: usize, c: usize, cs: i32, m: i32, n: i32, alpha: f32): void {
  if (ones) sparseColumns(true, rowStart, offset, value, b, c, cs, m, n, alpha);
  else sparseColumns(false, rowStart, offset, value, b, c, cs, m, n, alpha);
}

/** Columns of C per strip of {@link gemmSparse}: six f32x4 accumulators. */
export const sparseStripColumns: i32 = 24;

@inline function sparseColumns(ones: bool, rowStart: usize, offset: usize, value: usize, b: usize, c: usize, cs: i32, m: i32, n: i32, alpha: f32): void {
  const al = f32x4.splat(alpha);
  let j = 0;
  for (; j + sparseStripColumns <= n; j += sparseStripColumns) strip(ones, 6, 4, rowStart, offset, value, b + (<usize>j << 2), c + (<usize>j << 2), cs, m, al);
  const rest = n - j;
  if (rest == 0) return;
  const groups = (rest + 3) >> 2, last = rest - ((groups - 1) << 2);
  const bj = b + (<usize>j << 2), cj = c + (<usize>j << 2);
  if (groups == 1) strip(ones, 1, last, rowStart, offset, value, bj, cj, cs, m, al);
  else if (groups == 2) strip(ones, 2, last, rowStart, offset, value, bj, cj, cs, m, al);
  else if (groups == 3) strip(ones, 3, last, rowStart, offset, value, bj, cj, cs, m, al);
  else if (groups == 4) strip(ones, 4, last, rowStart, offset, value, bj, cj, cs, m, al);
  else if (groups == 5) strip(ones, 5, last, rowStart, offset, value, bj, cj, cs, m, al);
  else strip(ones, 6, last, rowStart, offset, value, bj, cj, cs, m, al);
}

/** acc + x·b, or acc + b where every x is 1. */
@inline function term(ones: bool, acc: v128, x: v128, b: v128): v128 {
  return ones ? f32x4.add(acc, b) : mac(acc, x, b);
}

/**
 * One strip of {@link gemmSparse}: `groups` (1–6, a constant at each call, so each call compiles to
 * its own loop with exactly that many accumulators) f32x4 column groups, the last `last` (1–4)
 * columns wide.
 */
@inline function strip(ones: bool, groups: i32, last: i32, rowStart: usize, offset: usize, value: usize, b: usize, c: usize, cs: i32, m: i32, al: v128): void {
  const cr = <usize>cs;
  for (let i = 0; i < m; i++) {
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
    const end = load<i32>(rowStart + (<usize>(i + 1) << 2));
    for (let t = load<i32>(rowStart + (<usize>i << 2)); t < end; t++) {
      const x = ones ? s0 : v128.load32_splat(value + (<usize>t << 2)); // unread where ones
      const bp = b + <usize>load<i32>(offset + (<usize>t << 2));
      s0 = term(ones, s0, x, v128.load(bp));
      if (groups > 1) s1 = term(ones, s1, x, v128.load(bp, 16));
      if (groups > 2) s2 = term(ones, s2, x, v128.load(bp, 32));
      if (groups > 3) s3 = term(ones, s3, x, v128.load(bp, 48));
      if (groups > 4) s4 = term(ones, s4, x, v128.load(bp, 64));
      if (groups > 5) s5 = term(ones, s5, x, v128.load(bp, 80));
    }
    const r = c + <usize>i * cr;
    addLanes(r, s0, al, groups == 1 ? last : 4);
    if (groups > 1) addLanes(r + 16, s1, al, groups == 2 ? last : 4);
    if (groups > 2) addLanes(r + 32, s2, al, groups == 3 ? last : 4);
    if (groups > 3) addLanes(r + 48, s3, al, groups == 4 ? last : 4);
    if (groups > 4) addLanes(r + 64, s4, al, groups == 5 ? last : 4);
    if (groups > 5) addLanes(r + 80, s5, al, last);
  }
}

/**
 * dst (cols×rows, row stride ds floats ≥ rows) ← srcᵀ for src rows×cols: 4×4 blocks transposed in
 * registers by shuffles, swept over 32×32 tiles so that the rows read and the rows written stay in
 * cache; the edges go one float at a time. With ds > rows it writes columns of a wider dst: two
 * threads share a transpose by rows of src.
 */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32, ds: i32): void {
  const sr = <usize>cols << 2, dr = <usize>ds << 2;
  const rows4 = rows & ~3, cols4 = cols & ~3;
  for (let i0 = 0; i0 < rows4; i0 += 32) {
    const i1 = min(i0 + 32, rows4);
    for (let j0 = 0; j0 < cols4; j0 += 32) {
      const j1 = min(j0 + 32, cols4);
      for (let i = i0; i < i1; i += 4) {
        const s0 = src + <usize>i * sr;
        for (let j = j0; j < j1; j += 4) {
          const sp = s0 + (<usize>j << 2);
          const r0 = v128.load(sp), r1 = v128.load(sp + sr), r2 = v128.load(sp + 2 * sr), r3 = v128.load(sp + 3 * sr);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const dp = dst + <usize>j * dr + (<usize>i << 2);
          v128.store(dp, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
          v128.store(dp + dr, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
          v128.store(dp + 2 * dr, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
          v128.store(dp + 3 * dr, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
        }
      }
    }
  }
  for (let i = 0; i < rows; i++) {
    const from = i < rows4 ? cols4 : 0;
    for (let j = from; j < cols; j++) store<f32>(dst + <usize>j * dr + (<usize>i << 2), load<f32>(src + <usize>i * sr + (<usize>j << 2)));
  }
}

/** x ← beta·x over n floats (beta = 0 clears, so that NaNs in x do not survive). */
export function scale(x: usize, n: i32, beta: f32): void {
  if (beta == 0) {
    memory.fill(x, 0, <usize>n << 2);
    return;
  }
  const b = f32x4.splat(beta), n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(x + (<usize>i << 2), f32x4.mul(b, v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), beta * load<f32>(x + (<usize>i << 2)));
}
