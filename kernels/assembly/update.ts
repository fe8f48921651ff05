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

/**
 * One SGD-with-momentum step over n floats: v ← momentum·v + rate·(g − decay·w), w ← w + v, each in
 * float64 before it is stored; returns Σ w² after the step.
 */
export function momentumStep(g: usize, v: usize, w: usize, n: i32, rate: f64, momentum: f64, decay: f64): f64 {
  const mo = f64x2.splat(momentum), lr = f64x2.splat(rate), de = f64x2.splat(decay);
  let total: f64 = 0;
  const even = n & ~1;
  let i = 0;
  for (; i < even; i += 2) {
    const o = <usize>i << 2;
    const wi = f64x2.promote_low_f32x4(v128.load64_zero(w + o));
    const step = f64x2.add(f64x2.mul(mo, f64x2.promote_low_f32x4(v128.load64_zero(v + o))), f64x2.mul(lr, f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(g + o)), f64x2.mul(de, wi))));
    const next = f64x2.add(wi, step);
    v128.store64_lane(v + o, f32x4.demote_f64x2_zero(step), 0);
    v128.store64_lane(w + o, f32x4.demote_f64x2_zero(next), 0);
    const n0 = f64x2.extract_lane(next, 0), n1 = f64x2.extract_lane(next, 1);
    total += n0 * n0; // one running sum, in the reference's order
    total += n1 * n1;
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wi = <f64>load<f32>(w + o);
    const step = momentum * <f64>load<f32>(v + o) + rate * (<f64>load<f32>(g + o) - decay * wi);
    const next = wi + step;
    store<f32>(v + o, <f32>step);
    store<f32>(w + o, <f32>next);
    total += next * next;
  }
  return total;
}
