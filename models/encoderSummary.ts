/**
 * The median of `values` (any order; not modified): the middle value, or for an even count the
 * mean of the two middle values; null when there are none.
 *
 * @example
 * ```ts
 * import { median } from '#internal/models/encoderSummary.js';
 * console.log(median([760, 340]), median([3, 1, 2]), median([])); // 550 2 null
 * ```
 */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b),
    m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One encoder run's outcome, as `boltzflow encoder` reports it. */
export interface EncoderRun {
  readonly seed: number;
  /** The solving cycle, or null if the run was not solved within its cycles. */
  readonly solvedAt: number | null;
  /** Cycles run. */
  readonly cycles: number;
  /** At the end: whether the codes pass, how many different codes, patterns recalled (of the pattern count). */
  readonly codesPass: boolean;
  readonly distinctCodes: number;
  readonly recovered: number;
  /** At the end: the completion rate (`completionRate`: V1 clamped, V2 exactly right, of patterns × trials). */
  readonly completion: number;
}

/** What a set of encoder runs sums up to. */
export interface EncoderSummary {
  readonly seeds: number;
  readonly solved: number;
  /** The true median of the solved runs' solving cycles (mean of the two middle ones for an even count); the unsolved runs are not in it, they are counted in `unsolved`. */
  readonly medianCycles: number | null;
  /** The median with every unsolved run counted as ∞: null when half or more of the runs are unsolved (∞, or halfway to it). */
  readonly medianAll: number | null;
  readonly maxCycles: number | null;
  readonly unsolved: number;
  /** Runs whose codes pass at the end, and runs whose every pattern is recalled at the end (the two criteria). */
  readonly codesAtEnd: number;
  readonly recalledAtEnd: number;
  /** The runs' mean completion rate at the end. */
  readonly meanCompletion: number | null;
}

/**
 * Sums up encoder runs: solved count, median and max of the solving cycles, both criteria at the end.
 *
 * @example
 * ```ts
 * import { summarizeEncoderRuns } from '#internal/models/encoderSummary.js';
 * const run = { cycles: 0, codesPass: true, distinctCodes: 4, recovered: 4, completion: 1 };
 * const s = summarizeEncoderRuns([{ ...run, seed: 1, solvedAt: 760 }, { ...run, seed: 2, solvedAt: 340 }, { ...run, seed: 3, solvedAt: null }], 4);
 * console.log(s.solved, s.medianCycles, s.medianAll, s.maxCycles, s.unsolved); // 2 550 760 760 1
 * ```
 */
export function summarizeEncoderRuns(runs: readonly EncoderRun[], patterns: number): EncoderSummary {
  const cycles = runs.flatMap((r) => (r.solvedAt === null ? [] : [r.solvedAt]));
  const unsolved = runs.length - cycles.length;
  const all = median([...cycles, ...Array<number>(unsolved).fill(Infinity)]);
  return {
    seeds: runs.length,
    solved: cycles.length,
    medianCycles: median(cycles),
    medianAll: all === null || !Number.isFinite(all) ? null : all,
    maxCycles: cycles.length ? Math.max(...cycles) : null,
    unsolved,
    codesAtEnd: runs.filter((r) => r.codesPass).length,
    recalledAtEnd: runs.filter((r) => r.recovered === patterns).length,
    meanCompletion: runs.length ? runs.reduce((a, r) => a + r.completion, 0) / runs.length : null,
  };
}
