import { BoltzflowError } from './BoltzflowError.js';

/**
 * The run's seeded generator: xoshiro128** (Blackman & Vigna), 128 bits of state held in four
 * 32-bit words, period 2^128 − 1. Every random draw in boltzflow comes from one of these, never
 * from the platform's unseeded generator, so the same seed on the same backend gives the same weights. Its state is
 * four numbers ({@link Rng.state}) and is saved in every snapshot.
 *
 * @example
 * ```ts
 * import { Rng } from 'boltzflow';
 * const a = Rng.fromSeed(42), b = Rng.fromState(a.state());
 * console.log(a.uniform() === b.uniform()); // true
 * ```
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(s: ArrayLike<number>) {
    this.s0 = s[0] | 0;
    this.s1 = s[1] | 0;
    this.s2 = s[2] | 0;
    this.s3 = s[3] | 0;
  }

  /** Seeds the four state words with SplitMix32 from any 32-bit integer seed. */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed)) throw new BoltzflowError('seed', seed, 'an integer');
    let x = (seed ^ Math.floor(seed / 0x100000000)) | 0;
    const s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      s[i] = z ^ (z >>> 16);
    }
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
    return new Rng(s);
  }

  /** Restores a generator from {@link Rng.state}. */
  static fromState(state: ArrayLike<number>): Rng {
    if (state.length !== 4) throw new BoltzflowError('rng.state', state, 'four 32-bit words');
    if ((state[0] | state[1] | state[2] | state[3]) === 0)
      throw new BoltzflowError('rng.state', Array.from(state), 'not all zero (xoshiro128** has no all-zero state)');
    return new Rng(state);
  }

  /** A copy of the four state words. */
  state(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s0 = this.s0,
      s1 = this.s1,
      s2 = this.s2 ^ s0,
      s3 = this.s3 ^ s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = rotl(s3, 11);
    return r >>> 0;
  }

  /** A uniform draw in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() * 2.3283064365386963e-10;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal draw (Box–Muller; uses two uniforms, keeps no spare so the state stays four words). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with uniform draws in [0, 1). */
  fillUniform(out: Float32Array | Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.nextUint32() * 2.3283064365386963e-10;
  }

  /** A Fisher–Yates permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** Shuffles the first `n` entries of `a` in place (Fisher–Yates) and returns `a`. */
  shuffle<A extends Uint32Array>(a: A, n = a.length): A {
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
