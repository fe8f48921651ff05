// AssemblyScript source of the wasm backend's kernels for Gaussian visible units: the bias, the
// e^{c·z} scalings, Gaussian sampling and the learned variance's statistic. Their arithmetic is
// float64 in the reference's order, so their results are its bits except where e^x (and, in the
// sampler, the draws themselves) are the module's own.

/** out[r,j] ← x[r,j] + bias[j] over rows of n floats; out may be x. */
export function addBias(x: usize, bias: usize, out: usize, rows: i32, n: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>(r * n) << 2;
    let j = 0;
    for (; j + 3 < n; j += 4) {
      const q = <usize>j << 2;
      v128.store(out + o + q, f32x4.add(v128.load(x + o + q), v128.load(bias + q)));
    }
    for (; j < n; j++) {
      const q = <usize>j << 2;
      store<f32>(out + o + q, load<f32>(x + o + q) + load<f32>(bias + q));
    }
  }
}

/** s[j] ← e^{c·z[j]} (float64) for j < n. */
@inline function expVector(z: usize, c: f64, n: i32, s: usize): void {
  for (let j = 0; j < n; j++) store<f64>(s + (<usize>j << 3), Math.exp(c * <f64>load<f32>(z + (<usize>j << 2))));
}

/** out[r,j] ← x[r,j]·e^{c·z[j]} over rows of n floats, in float64 (`s`: n doubles of scratch); out may be x. */
export function expScaleColumns(x: usize, z: usize, out: usize, rows: i32, n: i32, s: usize, c: f64): void {
  expVector(z, c, n, s);
  for (let r = 0; r < rows; r++) {
    const o = <usize>(r * n) << 2;
    for (let j = 0; j < n; j++) {
      const q = <usize>j << 2;
      store<f32>(out + o + q, <f32>(<f64>load<f32>(x + o + q) * load<f64>(s + (<usize>j << 3))));
    }
  }
}

/** a[i,k] ← a[i,k]·e^{c·z[i]} for n rows of m floats, in float64, in place. */
export function expScaleRows(a: usize, z: usize, n: i32, m: i32, c: f64): void {
  for (let i = 0; i < n; i++) {
    const s = Math.exp(c * <f64>load<f32>(z + (<usize>i << 2)));
    const o = a + (<usize>(i * m) << 2);
    for (let k = 0; k < m; k++) {
      const q = o + (<usize>k << 2);
      store<f32>(q, <f32>(<f64>load<f32>(q) * s));
    }
  }
}

/** 2⁻³²: a 32-bit draw times this is a uniform in [0, 1). */
const U32: f64 = 2.3283064365386963e-10;

/**
 * out[k] ← means[k] + sd[k mod n]·N(0, 1), sd[j] = e^{z[j]/2}/√β, over `len` floats, `s` n doubles of
 * scratch. The normals are Box–Muller pairs in float64, √(−2 ln(1 − u₀))·(cos, sin)(2π u₁), from the
 * uniforms of four interleaved xoshiro128+ lanes (state: 16 words, lane-major, written back): each
 * step of the lanes gives four uniforms, u₀ u₁ of lanes 0–1 and of lanes 2–3, and four normals.
 */
export function gaussianSample(means: usize, z: usize, out: usize, len: i32, n: i32, state: usize, s: usize, beta: f64): void {
  const root = Math.sqrt(beta);
  for (let j = 0; j < n; j++) store<f64>(s + (<usize>j << 3), Math.exp(0.5 * <f64>load<f32>(z + (<usize>j << 2))) / root);
  let s0 = v128.load(state), s1 = v128.load(state, 16), s2 = v128.load(state, 32), s3 = v128.load(state, 48);
  let j = 0;
  for (let k = 0; k < len; k += 4) {
    const result = i32x4.add(s0, s3);
    const t = i32x4.shl(s1, 9);
    s2 = v128.xor(s2, s0);
    s3 = v128.xor(s3, s1);
    s1 = v128.xor(s1, s2);
    s0 = v128.xor(s0, s3);
    s2 = v128.xor(s2, t);
    s3 = v128.or(i32x4.shl(s3, 11), i32x4.shr_u(s3, 21));
    const r0 = Math.sqrt(-2 * Math.log(1 - <f64>(<u32>i32x4.extract_lane(result, 0)) * U32));
    const a0 = 2 * Math.PI * <f64>(<u32>i32x4.extract_lane(result, 1)) * U32;
    const r1 = Math.sqrt(-2 * Math.log(1 - <f64>(<u32>i32x4.extract_lane(result, 2)) * U32));
    const a1 = 2 * Math.PI * <f64>(<u32>i32x4.extract_lane(result, 3)) * U32;
    const left = min(4, len - k);
    for (let l = 0; l < left; l++) {
      const normal = l == 0 ? r0 * Math.cos(a0) : l == 1 ? r0 * Math.sin(a0) : l == 2 ? r1 * Math.cos(a1) : r1 * Math.sin(a1);
      const q = <usize>(k + l) << 2;
      store<f32>(out + q, <f32>(<f64>load<f32>(means + q) + load<f64>(s + (<usize>j << 3)) * normal));
      if (++j == n) j = 0;
    }
  }
  v128.store(state, s0);
  v128.store(state, s1, 16);
  v128.store(state, s2, 32);
  v128.store(state, s3, 48);
}

/**
 * g[i] ← g[i] + alpha·((v[r,i] − b[i])²/2 − v[r,i]·wh[r,i]) for each row r in order (rows of n
 * floats), in float64 and rounded to float32 at each row: the reference's arithmetic.
 */
export function varianceGradient(v: usize, wh: usize, b: usize, g: usize, rows: i32, n: i32, alpha: f64): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>(r * n) << 2;
    for (let i = 0; i < n; i++) {
      const q = <usize>i << 2;
      const x = <f64>load<f32>(v + o + q),
        d = x - <f64>load<f32>(b + q);
      store<f32>(g + q, <f32>(<f64>load<f32>(g + q) + alpha * ((d * d) / 2 - x * <f64>load<f32>(wh + o + q))));
    }
  }
}
