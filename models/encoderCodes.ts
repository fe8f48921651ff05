import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import type { Bm } from './bm.js';

/**
 * The hidden code of each pattern: the most probable hidden state with the whole pattern (V1 and
 * V2, the first `patterns.cols` units) clamped, no noise. The hidden units (from `nVisible` on) are
 * not connected to each other, so given the pattern they are independent, hidden unit j on with
 * probability σ(ΔEⱼ / T): the most probable state, at any temperature, has unit j on where ΔEⱼ > 0
 * and off where ΔEⱼ < 0 — exactly what thresholding the clamped hidden means at 0.5 over ever
 * longer statistics would give. Where ΔEⱼ = 0 (the integer weights of the ±2 rule tie often, all
 * of them at the start) the unit is on half the time: that pattern has no code (`null`).
 *
 * @example
 * ```ts
 * import { createBm, encoderMask } from 'boltzflow';
 * import { hiddenCodes } from '#internal/models/encoderCodes.js';
 * import { encoderPatterns } from '#internal/pipelines/trainEncoder.js';
 * const bm = createBm({ nVisible: 4, nHidden: 1, seed: 1, mask: encoderMask(2, 1, 2) });
 * bm.params.bias[4] = -1; // the hidden unit leans off
 * bm.params.weights.data[0 * 5 + 4] = bm.params.weights.data[4 * 5 + 0] = 4; // V1's first unit turns it on
 * console.log(hiddenCodes(bm, encoderPatterns(2))); // [ '1', '0' ]
 * ```
 */
export function hiddenCodes(bm: Bm, patterns: Matrix): (string | null)[] {
  const { nUnits: n, nVisible, weights, bias, mask } = bm.params;
  if (patterns.cols > nVisible)
    throw new BoltzflowError('patterns', `${patterns.rows}×${patterns.cols}`, `rows of at most ${nVisible} visible values`);
  for (let i = nVisible; i < n; i++)
    for (let j = nVisible; j < n; j++)
      if (mask[i * n + j]) throw new BoltzflowError(`mask[${i}][${j}]`, 1, '0 (hidden units not connected to each other)');
  const w = weights.data,
    codes: (string | null)[] = [];
  for (let p = 0; p < patterns.rows; p++) {
    let code: string | null = '';
    for (let h = nVisible; h < n && code !== null; h++) {
      let field = bias[h];
      for (let i = 0; i < patterns.cols; i++) field += w[h * n + i] * patterns.data[p * patterns.cols + i];
      code = field === 0 ? null : code + (field > 0 ? '1' : '0');
    }
    codes.push(code);
  }
  return codes;
}

/** Bits in which two codes of the same length differ. */
export function hammingDistance(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

/** Whether every pattern has a code and every two codes differ in at least `minDistance` bits (1: merely distinct). */
export function codesDistinct(codes: readonly (string | null)[], minDistance = 1): boolean {
  for (let a = 0; a < codes.length; a++) {
    const ca = codes[a];
    if (ca === null) return false;
    for (let b = a + 1; b < codes.length; b++) {
      const cb = codes[b];
      if (cb === null || hammingDistance(ca, cb) < minDistance) return false;
    }
  }
  return true;
}

/**
 * The spacing the encoder's codes can be asked for: 2 bits where `patterns` codes of `hidden` bits
 * can all be two bits apart (at most 2^(hidden−1) of them: 4-3-4, 40-10-40), else 1 (4-2-4, 8-3-8).
 */
export function defaultCodeDistance(patterns: number, hidden: number): number {
  return patterns <= 2 ** (hidden - 1) ? 2 : 1;
}

/** How many different codes the patterns have (a pattern without a code counts for none). */
export function distinctCodes(codes: readonly (string | null)[]): number {
  return new Set(codes.filter((c) => c !== null)).size;
}
