// AssemblyScript source of the wasm backend's reductions and parameter updates. They work in
// float64, two lanes at a time, in the reference's order of operations, so their results are the
// js backend's to the bit.

/** out[j] ← alpha·Σᵢ a[i,j] + beta·out[j] for a rows×cols, the sums in float64 (`sums`: cols doubles of scratch). */
export function columnSums(a: usize, rows: i32, cols: i32, alpha: f64, beta: f64, out: usize, sums: usize): void {
  const even = cols & ~1;
  memory.fill(sums, 0, <usize>cols << 3);
  for (let i = 0; i < rows; i++) {
    const r = a + (<usize>(i * cols) << 2);
    let j = 0;
    for (; j < even; j += 2) {
      const s = sums + (<usize>j << 3);
      v128.store(s, f64x2.add(v128.load(s), f64x2.promote_low_f32x4(v128.load64_zero(r + (<usize>j << 2)))));
    }
    if (j < cols) store<f64>(sums + (<usize>j << 3), load<f64>(sums + (<usize>j << 3)) + <f64>load<f32>(r + (<usize>j << 2)));
  }
  for (let j = 0; j < cols; j++) {
    const o = out + (<usize>j << 2);
    store<f32>(o, <f32>(alpha * load<f64>(sums + (<usize>j << 3)) + (beta == 0 ? 0 : beta * <f64>load<f32>(o))));
  }
}

/** Floats per block of Σ w² (the host's SUM_BLOCK). */
const SUM_BLOCK: i32 = 16384;

/**
 * One SGD-with-momentum step over n floats: v ← momentum·v + rate·(g − decay·w), w ← w + v, each in
 * float64 before it is stored. Σ w² after the step goes to sums[b] (float64) for each block b of
 * SUM_BLOCK floats, as four running sums over i mod 4 (two f64x2 accumulators, so no serial chain
 * of additions), then (s₀ + s₁) + (s₂ + s₃); the host adds the blocks' sums in order. Two threads
 * share a step by blocks.
 */
export function momentumStep(g: usize, v: usize, w: usize, n: i32, sums: usize, rate: f64, momentum: f64, decay: f64): void {
  for (let b = 0; b < n; b += SUM_BLOCK) {
    const o = <usize>b << 2;
    store<f64>(sums + (<usize>(b / SUM_BLOCK) << 3), momentumBlock(g + o, v + o, w + o, min(SUM_BLOCK, n - b), rate, momentum, decay));
  }
}

@inline function momentumBlock(g: usize, v: usize, w: usize, n: i32, rate: f64, momentum: f64, decay: f64): f64 {
  const mo = f64x2.splat(momentum), lr = f64x2.splat(rate), de = f64x2.splat(decay);
  let s01 = f64x2.splat(0), s23 = s01;
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    s01 = f64x2.add(s01, stepPair(g + o, v + o, w + o, mo, lr, de));
    s23 = f64x2.add(s23, stepPair(g + o + 8, v + o + 8, w + o + 8, mo, lr, de));
  }
  let s0 = f64x2.extract_lane(s01, 0), s1 = f64x2.extract_lane(s01, 1), s2 = f64x2.extract_lane(s23, 0);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wi = <f64>load<f32>(w + o);
    const step = momentum * <f64>load<f32>(v + o) + rate * (<f64>load<f32>(g + o) - decay * wi);
    const next = wi + step;
    store<f32>(v + o, <f32>step);
    store<f32>(w + o, <f32>next);
    // i mod 4 is 0, 1 or 2 here (n4 ≤ i < n4 + 3)
    if ((i & 3) == 0) s0 += next * next;
    else if ((i & 3) == 1) s1 += next * next;
    else s2 += next * next;
  }
  return s0 + s1 + (s2 + f64x2.extract_lane(s23, 1));
}

/** The momentum step on two floats at g, v, w; returns their (w + step)² in float64. */
@inline function stepPair(g: usize, v: usize, w: usize, mo: v128, lr: v128, de: v128): v128 {
  const wi = f64x2.promote_low_f32x4(v128.load64_zero(w));
  const step = f64x2.add(f64x2.mul(mo, f64x2.promote_low_f32x4(v128.load64_zero(v))), f64x2.mul(lr, f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(g)), f64x2.mul(de, wi))));
  const next = f64x2.add(wi, step);
  v128.store64_lane(v, f32x4.demote_f64x2_zero(step), 0);
  v128.store64_lane(w, f32x4.demote_f64x2_zero(next), 0);
  return f64x2.mul(next, next);
}

/**
 * Σ (a[i] − b[i])² over n floats, each difference and square in float64, as four running sums over
 * i mod 4 (two f64x2 accumulators), then (s₀ + s₁) + (s₂ + s₃).
 */
export function squaredDistance(a: usize, b: usize, n: i32): f64 {
  let s01 = f64x2.splat(0), s23 = s01;
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const d01 = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(a + o)), f64x2.promote_low_f32x4(v128.load64_zero(b + o)));
    const d23 = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(a + o + 8)), f64x2.promote_low_f32x4(v128.load64_zero(b + o + 8)));
    s01 = f64x2.add(s01, f64x2.mul(d01, d01));
    s23 = f64x2.add(s23, f64x2.mul(d23, d23));
  }
  let s0 = f64x2.extract_lane(s01, 0), s1 = f64x2.extract_lane(s01, 1), s2 = f64x2.extract_lane(s23, 0);
  for (; i < n; i++) {
    const d = <f64>load<f32>(a + (<usize>i << 2)) - <f64>load<f32>(b + (<usize>i << 2));
    // i mod 4 is 0, 1 or 2 here (n4 ≤ i < n4 + 3)
    if ((i & 3) == 0) s0 += d * d;
    else if ((i & 3) == 1) s1 += d * d;
    else s2 += d * d;
  }
  return s0 + s1 + (s2 + f64x2.extract_lane(s23, 1));
}

/** The first i < n where a[i] is not in [lo, hi] (NaN never is), or −1; four at a time. */
export function firstOutside(a: usize, n: i32, lo: f32, hi: f32): i32 {
  const l = f32x4.splat(lo), h = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(a + (<usize>i << 2));
    if (!i32x4.all_true(v128.and(f32x4.ge(x, l), f32x4.le(x, h)))) break;
  }
  for (; i < n; i++) {
    const x = load<f32>(a + (<usize>i << 2));
    if (!(x >= lo && x <= hi)) return i;
  }
  return -1;
}
