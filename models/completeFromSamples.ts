import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import type { Completion } from './completePattern.js';

export interface DeepCompletionOptions {
  /** Independent chains, one sample each (default 100). */
  samples?: number;
  /** Sweeps per chain (default 200). */
  steps?: number;
}

/** A completion with the samples it was taken from (one row per chain, the known units as given). */
export interface SampledCompletion extends Completion {
  readonly samples: Matrix;
}

/**
 * The completion that `samples` (one completed state per row) and `mean` (each unit's mean over
 * them) give: the most frequent row, the fraction of rows equal to it, the mean, and the samples.
 *
 * @example
 * ```ts
 * import { Matrix } from 'boltzflow';
 * import { completeFromSamples } from '#internal/models/completeFromSamples.js';
 * const c = completeFromSamples(Matrix.from([[1, 0], [1, 1], [1, 0]]), Float32Array.of(1, 1 / 3));
 * console.log(c.state, c.probability); // Float32Array(2) [1, 0] ≈ 0.667
 * ```
 */
export function completeFromSamples(samples: Matrix, mean: Float32Array): SampledCompletion {
  const counts = new Map<string, number>();
  let best = '',
    bestCount = 0;
  for (let r = 0; r < samples.rows; r++) {
    const key = Array.from(samples.row(r)).join(',');
    const c = (counts.get(key) ?? 0) + 1;
    counts.set(key, c);
    if (c > bestCount) {
      best = key;
      bestCount = c;
    }
  }
  return { state: Float32Array.from(best.split(','), Number), probability: bestCount / samples.rows, mean, samples };
}

/** Checks a completion's inputs (lengths `n`, counts ≥ 1); returns the indices of the known units. */
export function checkCompletionInput(
  n: number,
  partial: ArrayLike<number>,
  known: ArrayLike<number>,
  samples: number,
  steps: number,
): number[] {
  if (partial.length !== n || known.length !== n)
    throw new BoltzflowError('partial/known', `lengths ${partial.length}/${known.length}`, `length ${n} each`);
  if (!Number.isInteger(samples) || samples < 1) throw new BoltzflowError('samples', samples, 'an integer ≥ 1');
  if (!Number.isInteger(steps) || steps < 1) throw new BoltzflowError('steps', steps, 'an integer ≥ 1');
  const clamped: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!known[i]) continue;
    if (!Number.isFinite(partial[i])) throw new BoltzflowError(`partial[${i}]`, partial[i], 'a finite value (the unit is known)');
    clamped.push(i);
  }
  return clamped;
}

/** Sets the known units of every row of `states` to their values in `partial`. */
export function clampRows(states: Matrix, partial: ArrayLike<number>, clamped: readonly number[]): void {
  const { cols, data } = states;
  for (let r = 0, o = 0; r < states.rows; r++, o += cols) for (const i of clamped) data[o + i] = partial[i];
}
