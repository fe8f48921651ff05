// AssemblyScript source of the wasm backend's sigmoid and Bernoulli sampling (SIMD).

/** 1.5·2²³: adding it rounds a float below 2²² in magnitude to an integer (ties to even), held in its low mantissa bits. */
const MAGIC: f32 = 12582912.0;

/**
 * e^x for four floats: Cephes-style range reduction x = n·ln2 + r and a degree-6 polynomial (≈1 ulp).
 * The clamps are pmax/pmin (one instruction each; x86's min/max with NaN rules take several), and
 * n is rounded by adding {@link MAGIC}, whose sum's bits also give n as an integer for 2ⁿ.
 */
function exp4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.33654)), f32x4.splat(88.72283));
  const magic = f32x4.splat(MAGIC);
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  const pow2 = i32x4.shl(i32x4.add(i32x4.sub(t, magic), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2);
}

/**
 * out[i,j] ← σ(beta·(x[i,j] + bias[j])) for a rows×cols matrix; out may be x. (beta last: the
 * kernels that two threads share take their integers, then their floats; the host splits it by rows.)
 */
export function sigmoid(x: usize, bias: usize, out: usize, rows: i32, cols: i32, beta: f32): void {
  const one = f32x4.splat(1.0), nb = f32x4.splat(-beta);
  for (let i = 0; i < rows; i++) {
    const xr = x + (<usize>(i * cols) << 2), orow = out + (<usize>(i * cols) << 2);
    let j = 0;
    for (; j + 3 < cols; j += 4) {
      const o = <usize>j << 2;
      const z = f32x4.mul(nb, f32x4.add(v128.load(xr + o), v128.load(bias + o)));
      v128.store(orow + o, f32x4.div(one, f32x4.add(one, exp4(z))));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const z = -beta * (load<f32>(xr + o) + load<f32>(bias + o));
      store<f32>(orow + o, 1.0 / (1.0 + f32x4.extract_lane(exp4(f32x4.splat(z)), 0)));
    }
  }
}

/**
 * out[i] ← 1 if u < p[i] else 0, u uniform in [0, 1) from four interleaved xoshiro128+ streams
 * (one per SIMD lane) whose 16 state words are read from and written back to `state` (which has
 * 16 more bytes of scratch after them).
 */
export function bernoulli(p: usize, out: usize, n: i32, state: usize): void {
  let s0 = v128.load(state), s1 = v128.load(state, 16), s2 = v128.load(state, 32), s3 = v128.load(state, 48);
  const scale = f32x4.splat(5.9604644775390625e-8); // 2^-24
  const one = f32x4.splat(1.0);
  for (let i = 0; i < n; i += 4) {
    const result = i32x4.add(s0, s3);
    const t = i32x4.shl(s1, 9);
    s2 = v128.xor(s2, s0);
    s3 = v128.xor(s3, s1);
    s1 = v128.xor(s1, s2);
    s0 = v128.xor(s0, s3);
    s2 = v128.xor(s2, t);
    s3 = v128.or(i32x4.shl(s3, 11), i32x4.shr_u(s3, 21));
    const u = f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(result, 8)), scale);
    const o = <usize>i << 2;
    if (i + 3 < n) v128.store(out + o, v128.and(f32x4.lt(u, v128.load(p + o)), one));
    else {
      v128.store(state, u, 64); // the last 1–3 values: compare them one by one from scratch memory
      for (let lane = 0; i + lane < n; lane++) {
        const ol = o + (<usize>lane << 2);
        store<f32>(out + ol, load<f32>(state + 64 + (<usize>lane << 2)) < load<f32>(p + ol) ? 1 : 0);
      }
    }
  }
  v128.store(state, s0);
  v128.store(state, s1, 16);
  v128.store(state, s2, 32);
  v128.store(state, s3, 48);
}
