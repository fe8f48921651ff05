import { Matrix } from '../kernels/Matrix.js';
import type { AnnealSchedule, Bm } from './bm.js';
import { clampedMoments } from './bmPhases.js';

/**
 * The encoder's completion rate (Ackley, Hinton & Sejnowski 1985, the 40-10-40 test): V1 clamped
 * to each pattern's half (unit p on, no noise), V2 and H annealed through `schedule` in `trials`
 * independent chains, and the fraction of all patterns × trials whose final V2 state is exactly
 * the pattern's (unit p on, every other V2 unit off).
 *
 * @example
 * ```ts
 * import { createBm, encoderMask } from 'boltzflow';
 * import { completionRate } from '#internal/models/encoderCompletion.js';
 * const bm = createBm({ nVisible: 4, nHidden: 1, seed: 1, mask: encoderMask(2, 1, 2) }); // V1 0–1, V2 2–3, H 4
 * const w = bm.params.weights.data, link = (i: number, j: number, v: number) => (w[i * 5 + j] = w[j * 5 + i] = v);
 * link(0, 4, 80); link(1, 4, -80); link(4, 2, 40); link(4, 3, -40); // V1's unit 0 turns H on, H turns V2's unit 0 on
 * bm.params.bias.set([0, 0, -20, 20, 0]);
 * console.log(completionRate(bm, 2, [{ temperature: 1, sweeps: 20 }], 25)); // 1
 * ```
 */
export function completionRate(bm: Bm, visible: number, schedule: AnnealSchedule, trials: number): number {
  const n = bm.params.nUnits;
  const states = Matrix.zeros(trials, n);
  let right = 0;
  for (let p = 0; p < visible; p++) {
    const cue = Matrix.zeros(1, visible);
    cue.data[p] = 1;
    clampedMoments(bm, cue, { anneal: schedule, repeats: trials }, states); // the cue covers V1 only; states end as the chains left them
    for (let r = 0; r < trials; r++) {
      let ok = true;
      for (let j = 0; j < visible && ok; j++) ok = states.data[r * n + visible + j] === (j === p ? 1 : 0);
      if (ok) right++;
    }
  }
  return right / (visible * trials);
}
