// AssemblyScript source of the wasm backend's sequential (Glauber) sweeps of a general Boltzmann
// machine: the same arithmetic as the js reference (jsBackend's glauberSweeps), in the same order.

/** 2⁻³²: a 32-bit draw x is the uniform x·2⁻³². */
const U: f64 = 2.3283064365386963e-10;

/**
 * `sweeps` sweeps on each of `rows` chains (see `Backend.glauberSweeps`), all operands byte offsets:
 * w (n×n f32), bias (n f32), states (rows×n f32, in place), draws (u32, read in order), clamped
 * (n bytes, or 0 for none), samples (rows·sweeps×n f32, or 0 for none), fields (n f64) and order
 * (n u32) scratch. Returns the number of unit changes. The fields are float64 sums in the
 * reference's order; a changed unit's row of W is added two fields at a time (f64x2), which rounds
 * each field alike.
 */
export function glauber(w: usize, bias: usize, states: usize, rows: i32, n: i32, sweeps: i32, spin: i32, draws: usize, clamped: usize, samples: usize, fields: usize, order: usize, temperature: f64): i32 {
  const off: f32 = spin ? -1 : 0;
  const gain: f64 = spin ? 2 : 1;
  let changed = 0;
  let d = draws;
  for (let r = 0; r < rows; r++) {
    const s = states + (<usize>(r * n) << 2);
    for (let i = 0; i < n; i++) {
      let f: f64 = <f64>load<f32>(bias + (<usize>i << 2));
      const row = w + (<usize>(i * n) << 2);
      for (let j = 0; j < n; j++) f += <f64>load<f32>(row + (<usize>j << 2)) * <f64>load<f32>(s + (<usize>j << 2));
      store<f64>(fields + (<usize>i << 3), f);
    }
    for (let sweep = 0; sweep < sweeps; sweep++) {
      for (let i = 0; i < n; i++) store<u32>(order + (<usize>i << 2), i);
      for (let i = n - 1; i > 0; i--) {
        const j = <i32>Math.floor(<f64>load<u32>(d) * U * <f64>(i + 1));
        d += 4;
        const pi = order + (<usize>i << 2), pj = order + (<usize>j << 2);
        const t = load<u32>(pi);
        store<u32>(pi, load<u32>(pj));
        store<u32>(pj, t);
      }
      for (let k = 0; k < n; k++) {
        const i = load<u32>(order + (<usize>k << 2));
        if (clamped != 0 && load<u8>(clamped + <usize>i) != 0) continue;
        const gap = gain * load<f64>(fields + (<usize>i << 3));
        const u = <f64>load<u32>(d) * U;
        d += 4;
        const si = s + (<usize>i << 2);
        const current = load<f32>(si);
        let next: f32;
        if (temperature == 0) next = gap > 0 ? 1 : gap < 0 ? off : current;
        else next = u < 1.0 / (1.0 + Math.exp(-gap / temperature)) ? 1 : off;
        if (next != current) {
          store<f32>(si, next);
          changed++;
          axpy(fields, w + (<usize>(i * n) << 2), <f64>next - <f64>current, n);
        }
      }
      if (samples != 0) memory.copy(samples + (<usize>((r * sweeps + sweep) * n) << 2), s, <usize>n << 2);
    }
  }
  return changed;
}

/** fields[j] += row[j]·delta for j < n (float64 fields, float32 row). */
function axpy(fields: usize, row: usize, delta: f64, n: i32): void {
  const dv = f64x2.splat(delta);
  let j = 0;
  for (; j + 1 < n; j += 2) {
    const f = fields + (<usize>j << 3);
    const wv = f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>j << 2)));
    v128.store(f, f64x2.add(v128.load(f), f64x2.mul(wv, dv)));
  }
  for (; j < n; j++) {
    const f = fields + (<usize>j << 3);
    store<f64>(f, load<f64>(f) + <f64>load<f32>(row + (<usize>j << 2)) * delta);
  }
}
