import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { createUnitStats, type UnitStats } from '../kernels/glauber.js';
import type { Matrix } from '../kernels/Matrix.js';
import { annealStates, randomizeStates, type AnnealSchedule, type Bm } from './bm.js';
import type { BmMoments } from './exactBm.js';

export interface ClampOptions {
  /** Annealing of the free units; statistics are gathered over the sweeps of the last step. */
  anneal: AnnealSchedule;
  /**
   * Noisy clamping (Ackley, Hinton & Sejnowski 1985): each presentation turns an on-bit off with
   * probability `on` and an off-bit on with probability `off`.
   */
  noise?: { on: number; off: number };
  /** Presentations of each data vector (default 1). */
  repeats?: number;
}

/**
 * The positive phase of a general Boltzmann machine: each row of `data` (0/1 values) is clamped
 * on the first `data.cols` units — all the visible units, or fewer (a cue on some of them) —
 * `repeats` times (with noise, if asked), the hidden units start at random
 * and are annealed, and ⟨sᵢ sⱼ⟩, ⟨sᵢ⟩ are averaged over the last step's sweeps. `states` is a
 * scratch buffer of at least rows·repeats rows; it holds the final states afterwards.
 */
export function clampedMoments(bm: Bm, data: Matrix, options: ClampOptions, states: Matrix): BmMoments {
  const { nUnits: n, nVisible, spin } = bm.params;
  const nv = data.cols;
  if (nv < 1 || nv > nVisible) throw new BoltzflowError('data', `${data.rows}×${nv}`, `rows of at most ${nVisible} visible values`);
  const repeats = options.repeats ?? 1;
  const rows = data.rows * repeats;
  const clamped = new Uint8Array(n).fill(1, 0, nv);
  const off = spin ? -1 : 0;
  const noise = options.noise ?? { on: 0, off: 0 };
  for (let r = 0; r < rows; r++) {
    const src = (r % data.rows) * nv;
    for (let i = 0; i < nv; i++) {
      const on = data.data[src + i] > 0.5;
      const flip = bm.rng.uniform() < (on ? noise.on : noise.off);
      states.data[r * n + i] = on !== flip ? 1 : off;
    }
  }
  const view = states.topRows(rows);
  randomizeStates(bm, view, clamped);
  const stats = createUnitStats(n);
  annealStates(bm, view, options.anneal, clamped, stats);
  return average(stats);
}

/**
 * The negative phase: every row of `states` runs free through `anneal` (starting from random
 * states when `randomStart`, else from where they are), statistics over the last step's sweeps.
 */
export function freeMoments(bm: Bm, states: Matrix, anneal: AnnealSchedule, randomStart: boolean): BmMoments {
  if (randomStart) randomizeStates(bm, states);
  const stats = createUnitStats(bm.params.nUnits);
  annealStates(bm, states, anneal, null, stats);
  return average(stats);
}

function average(stats: UnitStats): BmMoments {
  const k = Math.max(1, stats.samples);
  return { cooccurrence: stats.cooccurrence.map((x) => x / k), means: stats.means.map((x) => x / k) };
}
