import { BoltzflowError } from './BoltzflowError.js';

/**
 * Backpropagation through a logistic layer, in place: `delta[i] ← delta[i] · a[i](1 − a[i])`, with
 * `a` the layer's outputs σ(z) (so that a(1 − a) is σ′(z)). The elementwise loop of fine-tuning.
 *
 * @example
 * ```ts
 * import { sigmoidBackward } from '#internal/kernels/sigmoidBackward.js';
 * const delta = Float32Array.of(1, 2);
 * sigmoidBackward(Float32Array.of(0.5, 0.25), delta);
 * console.log(Array.from(delta)); // [0.25, 0.375]
 * ```
 */
export function sigmoidBackward(a: Float32Array, delta: Float32Array): void {
  if (a.length !== delta.length) throw new BoltzflowError('sigmoidBackward delta', `${delta.length} values`, `${a.length}, one per output`);
  for (let i = 0; i < a.length; i++) delta[i] *= a[i] * (1 - a[i]);
}
