import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { createGlauberBuffers, createUnitStats, type GlauberBuffers, type UnitStats } from '../kernels/glauber.js';
import type { Matrix } from '../kernels/Matrix.js';
import { annealStates, randomizeStates, type AnnealSchedule, type Bm, type SweepProbes } from './bm.js';
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
  /** What a sweep is (default `shuffled`; `random`: the 1985 paper's random probes). */
  probes?: SweepProbes;
}

/**
 * What one call site of {@link clampedMoments} or {@link freeMoments} reuses from call to call (a
 * subscription's positive phase, its negative phase): the sweeps' uniforms and samples, the
 * running sums, the clamp mask and the moments returned, which are these buffers' own arrays and
 * are overwritten by the next call given the same buffers (so the two phases need one each).
 */
export interface BmPhaseBuffers {
  readonly sweeps: GlauberBuffers;
  readonly stats: UnitStats;
  readonly clamped: Uint8Array;
  readonly moments: BmMoments;
}

/**
 * Buffers for the phases of `bm` (n units), on its backend.
 *
 * @example
 * ```ts
 * import { createBm, Matrix } from 'boltzflow';
 * import { createBmPhaseBuffers, freeMoments } from '#internal/models/bmPhases.js';
 * const bm = createBm({ nVisible: 3, nHidden: 1, seed: 1 });
 * const buffers = createBmPhaseBuffers(bm), chains = Matrix.zeros(5, 4);
 * const a = freeMoments(bm, chains, [{ temperature: 1, sweeps: 3 }], true, buffers);
 * const b = freeMoments(bm, chains, [{ temperature: 1, sweeps: 3 }], true, buffers);
 * console.log(a === b, a.means.length); // true 4 (the same arrays, overwritten)
 * ```
 */
export function createBmPhaseBuffers(bm: Bm): BmPhaseBuffers {
  const n = bm.params.nUnits;
  return {
    sweeps: createGlauberBuffers(bm.backend),
    stats: createUnitStats(n),
    clamped: new Uint8Array(n),
    moments: { cooccurrence: new Float64Array(n * n), means: new Float64Array(n) },
  };
}

/**
 * The positive phase of a general Boltzmann machine: each row of `data` (0/1 values) is clamped
 * on the first `data.cols` units — all the visible units, or fewer (a cue on some of them) —
 * `repeats` times (with noise, if asked), the hidden units start at random
 * and are annealed, and ⟨sᵢ sⱼ⟩, ⟨sᵢ⟩ are averaged over the last step's sweeps. `states` is a
 * scratch buffer of at least rows·repeats rows; it holds the final states afterwards. With
 * `buffers`, nothing is allocated (the moments returned are theirs); without, fresh ones.
 */
export function clampedMoments(
  bm: Bm,
  data: Matrix,
  options: ClampOptions,
  states: Matrix,
  buffers: BmPhaseBuffers = createBmPhaseBuffers(bm),
): BmMoments {
  const { nUnits: n, nVisible, spin } = bm.params;
  const nv = data.cols;
  if (nv < 1 || nv > nVisible) throw new BoltzflowError('data', `${data.rows}×${nv}`, `rows of at most ${nVisible} visible values`);
  checkBuffers(buffers, n);
  const repeats = options.repeats ?? 1;
  const rows = data.rows * repeats;
  if (states.cols !== n || states.rows < rows) throw new BoltzflowError('states', `${states.rows}×${states.cols}`, `at least ${rows}×${n}`);
  const clamped = buffers.clamped.fill(0).fill(1, 0, nv);
  const off = spin ? -1 : 0;
  const noiseOn = options.noise?.on ?? 0,
    noiseOff = options.noise?.off ?? 0;
  for (let r = 0; r < rows; r++) {
    const src = (r % data.rows) * nv;
    for (let i = 0; i < nv; i++) {
      const on = data.data[src + i] > 0.5;
      const flip = bm.rng.uniform() < (on ? noiseOn : noiseOff);
      states.data[r * n + i] = on !== flip ? 1 : off;
    }
  }
  const view = states.topRows(rows);
  randomizeStates(bm, view, clamped);
  annealStates(bm, view, options.anneal, clamped, resetStats(buffers.stats), buffers.sweeps, options.probes);
  return average(buffers);
}

/**
 * The negative phase: every row of `states` runs free through `anneal` (starting from random
 * states when `randomStart`, else from where they are), statistics over the last step's sweeps.
 * With `buffers`, nothing is allocated (the moments returned are theirs); without, fresh ones.
 * `probes` says what a sweep is (`annealStates`).
 */
export function freeMoments(
  bm: Bm,
  states: Matrix,
  anneal: AnnealSchedule,
  randomStart: boolean,
  buffers: BmPhaseBuffers = createBmPhaseBuffers(bm),
  probes: SweepProbes = 'shuffled',
): BmMoments {
  checkBuffers(buffers, bm.params.nUnits);
  if (randomStart) randomizeStates(bm, states);
  annealStates(bm, states, anneal, null, resetStats(buffers.stats), buffers.sweeps, probes);
  return average(buffers);
}

function checkBuffers(buffers: BmPhaseBuffers, n: number): void {
  if (buffers.clamped.length !== n)
    throw new BoltzflowError(
      'buffers',
      `for ${buffers.clamped.length} units`,
      `buffers for ${n} units (createBmPhaseBuffers of this model)`,
    );
}

function resetStats(stats: UnitStats): UnitStats {
  stats.cooccurrence.fill(0);
  stats.means.fill(0);
  stats.samples = 0;
  return stats;
}

function average({ stats, moments }: BmPhaseBuffers): BmMoments {
  const k = Math.max(1, stats.samples);
  for (let i = 0; i < stats.cooccurrence.length; i++) moments.cooccurrence[i] = stats.cooccurrence[i] / k;
  for (let i = 0; i < stats.means.length; i++) moments.means[i] = stats.means[i] / k;
  return moments;
}
