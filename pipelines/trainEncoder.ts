import { concat, defer, EMPTY, from, map, tap, type Observable } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { createBm, encoderMask, type AnnealSchedule, type Bm, type SweepProbes } from '../models/bm.js';
import { codesDistinct, defaultCodeDistance, hiddenCodes } from '../models/encoderCodes.js';
import { clampedMoments } from '../models/bmPhases.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import type { BmStepEvent, Minibatch } from '../operators/phases.js';
import { trainingState, type TrainingState } from '../models/modelKinds.js';
import type { BmSnapshot } from '../schemas/modelSnapshot.js';
import type { UpdateOptions } from '../schemas/updateOptions.js';
import { bmSnapshotState } from '../sources/restoreState.js';

/**
 * The settings of an encoder run. The defaults are Ackley, Hinton & Sejnowski (1985)'s protocol:
 * weights and biases start at 0; each cycle clamps every pattern twice (noisy clamping) and runs
 * as many free annealings; a sweep is as many random single-unit probes as there are free units;
 * each weight and bias moves by exactly ±2 in the sign of p⁺ − p⁻ (none where they are equal: the
 * paper names only the two strict cases); success is the patterns' distinct hidden codes, kept.
 * `repeats: 5, threshold: 0.05, probes: 'shuffled', success: 'recall'` (optionally `weightStd`)
 * is this library's earlier recipe ({@link ENCODER_RECALL_VARIANT}).
 */
export interface EncoderOptions {
  /** Units in each visible group (V1 and V2) and in the hidden group: 4-2-4 is { visible: 4, hidden: 2 }. */
  visible: number;
  hidden: number;
  seed: number;
  /** Learning cycles at most (default 4000, the paper's bound for 8-3-8). */
  maxCycles?: number;
  /** With `success: 'recall'`, test recall every this many cycles (default 10). */
  checkEvery?: number;
  /** Annealing before the statistics (default T = 20, 15, 12, 10 for 2, 2, 2, 4 sweeps). */
  anneal?: AnnealSchedule;
  /** Temperature and sweeps of the statistics (default 10 sweeps at T = 10). */
  temperature?: number;
  statsSweeps?: number;
  /** Noisy clamping (default on-bits off with 0.15, off-bits on with 0.05; 0.02 from 8 patterns on, as the paper's 8-3-8). */
  noise?: { on: number; off: number };
  /** Presentations of each pattern per cycle, in the clamped and in the free phase (default 2). */
  repeats?: number;
  /** The weight step (default 2). */
  stepSize?: number;
  /** No step where |p⁺ᵢⱼ − p⁻ᵢⱼ| ≤ threshold (default 0: a step wherever they differ). */
  threshold?: number;
  /** Weights shrink by this fraction each cycle (default 0). */
  weightDecay?: number;
  /** Standard deviation of the initial weights (default 0: all weights start at 0). */
  weightStd?: number;
  /** What a sweep is (default `random`: as many random single-unit probes as free units; `shuffled`: each free unit once). */
  probes?: SweepProbes;
  /**
   * When a run is solved (default `codes`): `codes`, the first cycle at which the patterns' hidden
   * codes (`hiddenCodes`) are distinct, `minDistance` bits apart, and are kept (see `kept`; the run
   * ends `keep` cycles after its solving cycle); `recall`, every pattern's V2 recovered from V1 at
   * two recall tests in a row (`countRecovered`, every `checkEvery` cycles).
   */
  success?: 'codes' | 'recall';
  /** Cycles after the solving cycle at which the codes must still pass (default 20). */
  keep?: number;
  /**
   * What "kept" means with `success: 'codes'` (default `end`): `end`, the codes pass again `keep`
   * cycles later, at the run's last cycle (the paper times how long a run takes to *find* a global
   * minimum and says the runs kept theirs: a passing cycle counts when the final weights still
   * pass, whatever a single cycle between them did); `every`, they pass at each of those cycles.
   */
  kept?: 'end' | 'every';
  /** Bits every two codes must differ in (default `defaultCodeDistance`: 2 for 4-3-4 and 40-10-40, 1 for 4-2-4 and 8-3-8). */
  minDistance?: number;
  /**
   * The run in stretches with their own clamping (default one stage: the whole run, hidden units
   * connected, `noise`). The paper's 40-10-40 is three ({@link ENCODER_40_STAGES}).
   */
  stages?: readonly EncoderStage[];
  /** Whether a run ends once solved (default true); false runs every cycle, the solving cycle still reported. */
  stopWhenSolved?: boolean;
  /** Continue a run from its snapshot (`encoderSnapshot`): the same cycles, tests and weights as the run straight through. */
  resume?: BmSnapshot;
}

/** A stretch of an encoder run: its length, whether H is connected, its noisy clamping. */
export interface EncoderStage {
  /** Cycles in the stage (the last stage runs to `maxCycles`, whatever this says). */
  readonly cycles?: number;
  /** Whether H is connected (default true); false holds every V–H weight and H's biases at 0, so that the visible groups learn alone. */
  readonly hiddenConnected?: boolean;
  /** Noisy clamping in the stage (default the run's `noise`; `{ on: 0, off: 0 }` clamps the patterns exactly). */
  readonly noise?: { on: number; off: number };
}

/**
 * The paper's 40-10-40 (Figure 5): 300 cycles with H unconnected, so that each visible group
 * first learns its winner-take-all inhibition; then H connected and 500 cycles of noisy clamping
 * (on→off 0.1, off→on 0.0025); then no noise. Clamping is exact in the first stage: the paper
 * names noise for the second alone.
 */
export const ENCODER_40_STAGES: readonly EncoderStage[] = [
  { cycles: 300, hiddenConnected: false, noise: { on: 0, off: 0 } },
  { cycles: 500, noise: { on: 0.1, off: 0.0025 } },
  { noise: { on: 0, off: 0 } },
];

/** The paper's noisy clamping (4-2-4's on→off 0.15, off→on 0.05; off→on 0.02 from 8 patterns on, as its 8-3-8). */
export function encoderNoise(visible: number): { on: number; off: number } {
  return { on: 0.15, off: visible >= 8 ? 0.02 : 0.05 };
}

/** This library's earlier encoder recipe, kept as options: 5 presentations, a 0.05 dead zone, shuffled sweeps, success by recall. */
export const ENCODER_RECALL_VARIANT = {
  repeats: 5,
  threshold: 0.05,
  probes: 'shuffled',
  success: 'recall',
} as const satisfies Partial<EncoderOptions>;

/** The 1985 paper's annealing schedule: T = 20, 15, 12, 10 for 2, 2, 2, 4 sweeps. */
export const ENCODER_ANNEAL: AnnealSchedule = [
  { temperature: 20, sweeps: 2 },
  { temperature: 15, sweeps: 2 },
  { temperature: 12, sweeps: 2 },
  { temperature: 10, sweeps: 4 },
];

/** One learning cycle of the encoder. */
export interface EncoderEvent {
  readonly cycle: number;
  readonly statisticsGap: number;
  /** Each pattern's hidden code after this cycle (`hiddenCodes`; null where a hidden unit ties). */
  readonly codes: readonly (string | null)[];
  /** Whether those codes pass (distinct, `minDistance` apart). */
  readonly codesPass: boolean;
  /** Patterns whose V2 half was recovered from V1 (of `visible`), on the cycles where recall was tested. */
  readonly recovered: number | null;
  readonly solved: boolean;
  /** The solving cycle (with `success: 'codes'` the first of the passing cycles kept), once solved. */
  readonly solvedAt: number | null;
  /** Tests passed in a row so far: cycles whose codes pass (`codes`) or recall tests (`recall`). */
  readonly passes: number;
  /** With `success: 'codes'`: whether the codes passed at each of the last `keep` + 1 cycles, oldest first ('1' or '0'; what a resumed run needs). */
  readonly recent: string;
  readonly model: Bm;
  /** The run's state after this cycle (what `encoderSnapshot` saves; valid until the next cycle). */
  readonly state: TrainingState<Bm>;
}

/**
 * The encoder's `applyUpdate` options: the sign rule, ±`stepSize` (default 2) wherever
 * |p⁺ − p⁻| > `threshold` (default 0: wherever they differ; no step where they are equal).
 */
export function encoderUpdate(o: Pick<EncoderOptions, 'stepSize' | 'threshold' | 'weightDecay'> = {}): UpdateOptions {
  return { rule: 'sign', stepSize: o.stepSize ?? 2, threshold: o.threshold ?? 0, weightDecay: o.weightDecay ?? 0 };
}

/** The encoder patterns: unit i on in V1 and unit i on in V2, everything else off. */
export function encoderPatterns(visible: number): Matrix {
  const m = Matrix.zeros(visible, 2 * visible);
  for (let i = 0; i < visible; i++) m.data[i * 2 * visible + i] = m.data[i * 2 * visible + visible + i] = 1;
  return m;
}

/**
 * The encoder problem (Ackley, Hinton & Sejnowski 1985), learned through the same four operators
 * as any model: two visible groups V1 and V2 that talk only through a small hidden group H must
 * come to use H as a code. Each cycle is one minibatch of all the patterns: `clampVisible` (noisy
 * clamping, annealing, statistics at the final temperature), `gibbsStep` (free running from random
 * states, same schedule), `collectStats`, `applyUpdate` with the fixed-size `sign` rule. The bias
 * is the model's own θ, moved by the same rule: that is the paper's always-on unit, whose weight
 * wᵢ₀ adds to ΔEᵢ as θᵢ does and whose statistic p⁺ᵢ₀ − p⁻ᵢ₀ is p⁺ᵢ − p⁻ᵢ. A run in `stages` (the
 * paper's 40-10-40: {@link ENCODER_40_STAGES}) goes from one to the next on the same state, H
 * connected or not and clamping noisy or exact as each says. Completes when solved (see
 * {@link EncoderOptions.success}; unless `stopWhenSolved` is false), or after `maxCycles`.
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { trainEncoder } from 'boltzflow';
 * const end = await lastValueFrom(trainEncoder({ visible: 4, hidden: 2, seed: 2, maxCycles: 300 }).pipe(last()));
 * console.log(end.solvedAt !== null, end.codes.length); // true 4 (seed 2 finds its codes at cycle 60)
 * ```
 */
export function trainEncoder(options: EncoderOptions): Observable<EncoderEvent> {
  const { visible, hidden, seed, maxCycles = 4000, checkEvery = 10, stepSize, threshold, weightDecay, weightStd = 0 } = options;
  const { repeats = 2, probes = 'random', success = 'codes', keep = 20, kept = 'end', stopWhenSolved = true } = options;
  const minDistance = options.minDistance ?? defaultCodeDistance(visible, hidden);
  const anneal = options.anneal ?? ENCODER_ANNEAL;
  const temperature = options.temperature ?? 10,
    k = options.statsSweeps ?? 10;
  const noise = options.noise ?? encoderNoise(visible);
  const stages = options.stages?.length ? options.stages : [{}];
  stages.slice(0, -1).forEach((st, s) => {
    if (!Number.isInteger(st.cycles) || st.cycles! < 1)
      throw new BoltzflowError(`stages[${s}].cycles`, st.cycles, 'a whole number of cycles ≥ 1 (every stage but the last has its length)');
  });
  const patterns = encoderPatterns(visible);
  const { resume } = options;
  const enough = success === 'codes' ? keep + 1 : 2; // the solving cycle and `keep` more; two recall tests in a row
  const n = 2 * visible + hidden,
    isHidden = (unit: number) => unit >= 2 * visible;
  const connected = encoderMask(visible, hidden, visible),
    unconnected = connected.map((m, i) => (isHidden(Math.floor(i / n)) || isHidden(i % n) ? 0 : m));
  // Stage s runs cycles [firstCycle[s], firstCycle[s + 1]); the last one to the end.
  const firstCycle = stages.map((_, s) => stages.slice(0, s).reduce((a, st) => a + (st.cycles ?? 0), 0));
  return defer(() => {
    const start = resume
      ? bmSnapshotState(resume)
      : trainingState(createBm({ nVisible: 2 * visible, nHidden: hidden, seed, weightStd, mask: connected }));
    let passes = resume ? Number(resume.config.passes ?? 0) : 0;
    const saved = resume?.config.recent;
    let recent = typeof saved === 'string' ? saved : '';
    const savedAt = resume?.config.solvedAt;
    let solvedAt: number | null = typeof savedAt === 'number' ? savedAt : null;
    // After cycle `cycle`: once the tests passed say so, the solving cycle (with `codes`, the first of the passes kept).
    function noteSolved(cycle: number): void {
      const passed =
        success === 'codes' && kept === 'end' ? recent.length === keep + 1 && recent[0] === '1' && recent[keep] === '1' : passes >= enough;
      if (solvedAt === null && passed) solvedAt = cycle - (success === 'codes' ? keep : 0);
    }
    noteSolved(start.counters.step); // a snapshot of the solving cycle (from before snapshots kept solvedAt) resumes solved
    const ends = () => solvedAt !== null && stopWhenSolved;
    // Each stage continues the previous one's state, connected or not as it says (weights off its mask held at 0).
    function runStage(s: number, prev: TrainingState<Bm>, first: number): Observable<BmStepEvent> {
      const last = s + 1 < stages.length ? Math.min(firstCycle[s + 1], maxCycles) : maxCycles;
      const state = trainingState(prev);
      const alone = stages[s].hiddenConnected === false;
      const mask = alone ? unconnected : connected;
      state.model.params.mask.set(mask);
      mask.forEach((m, i) => m || (state.model.params.weights.data[i] = 0));
      // Unconnected means from the always-on unit too: H's biases stay at 0 (the rule would random-walk them).
      const isolate = (p: { bias: Float32Array }) => alone && p.bias.fill(0, 2 * visible);
      isolate(state.model.params);
      let latest = state;
      function* cycles(): Generator<Minibatch> {
        for (let step = first; step < last && !ends(); step++) yield { data: patterns, epoch: step, index: 0, batchesPerEpoch: 1, step };
      }
      const steps = from(cycles()).pipe(
        clampVisible<Bm>(state, { anneal: [...anneal], temperature, k, noise: stages[s].noise ?? noise, repeats, probes }),
        gibbsStep({ chains: 'random', nChains: visible * repeats, anneal: [...anneal], temperature, k, probes }),
        collectStats(),
        applyUpdate(encoderUpdate({ stepSize, threshold, weightDecay })),
        tap((e) => {
          isolate(e.state.model.params);
          latest = e.state;
        }),
      );
      return concat(
        steps,
        defer(() => (s + 1 < stages.length && last < maxCycles && !ends() ? runStage(s + 1, latest, last) : EMPTY)),
      );
    }
    const step0 = start.counters.step;
    const stage0 = firstCycle.filter((c) => c <= step0).length - 1;
    return runStage(stage0, start, step0).pipe(
      map((e: BmStepEvent): EncoderEvent => {
        const codes = hiddenCodes(e.model, patterns);
        const codesPass = codesDistinct(codes, minDistance);
        let recovered: number | null = null;
        if (success === 'codes') {
          passes = codesPass ? passes + 1 : 0;
          recent = (recent + (codesPass ? '1' : '0')).slice(-(keep + 1));
        } else if (e.step % checkEvery === 0) {
          recovered = countRecovered(e.model, visible, recallSchedule(anneal, temperature), 50);
          passes = recovered === visible ? passes + 1 : 0; // two tests in a row, so that one lucky test does not count
        }
        noteSolved(e.step);
        return {
          cycle: e.step,
          statisticsGap: e.metrics.statisticsGap,
          codes,
          codesPass,
          recovered,
          solved: solvedAt !== null,
          solvedAt,
          passes,
          recent,
          model: e.model,
          state: e.state,
        };
      }),
    );
  });
}

/**
 * The completion test's schedule, the paper's "very gentle" one for 40-10-40: "twice as long at
 * each temperature" as the learning's annealing, then "down to half the final temperature" (there
 * as long as at the last step: 8 sweeps at T = 5 by default; our reading), every sweep count times
 * `slowdown` (the paper's speed/accuracy trade-off).
 *
 * @example
 * ```ts
 * import { completionSchedule, ENCODER_ANNEAL } from '#internal/pipelines/trainEncoder.js';
 * console.log(completionSchedule(ENCODER_ANNEAL, 10).map((s) => `${s.sweeps}@${s.temperature}`).join(' ')); // 4@20 4@15 4@12 8@10 8@5
 * ```
 */
export function completionSchedule(anneal: AnnealSchedule, temperature: number, slowdown = 1): AnnealSchedule {
  const doubled = anneal.map((s) => ({ temperature: s.temperature, sweeps: 2 * s.sweeps * slowdown }));
  return [...doubled, { temperature: temperature / 2, sweeps: doubled[doubled.length - 1].sweeps }];
}

/**
 * The recall test's schedule: the training annealing down to its final temperature, then cooled
 * to T = 1 (5 sweeps at T = 5, 5 at T = 2), V2 read over 10 sweeps at T = 1.
 */
export function recallSchedule(anneal: AnnealSchedule, temperature: number): AnnealSchedule {
  const cool = [5, 2].filter((t) => t < temperature).map((t) => ({ temperature: t, sweeps: 5 }));
  return [...anneal, { temperature, sweeps: 2 }, ...cool, { temperature: Math.min(1, temperature), sweeps: 10 }];
}

/**
 * Clamps V1 to each pattern's half (no noise), anneals V2 and H through `schedule` with `trials`
 * chains, and counts the patterns whose V2 comes out clearly right: the pattern's unit on more
 * than 75% of the time over the last step's sweeps, every other V2 unit less than 25%.
 */
export function countRecovered(bm: Bm, visible: number, schedule: AnnealSchedule, trials = 10): number {
  const n = bm.params.nUnits;
  const states = Matrix.zeros(trials, n);
  let ok = 0;
  for (let p = 0; p < visible; p++) {
    const cue = Matrix.zeros(1, visible);
    cue.data[p] = 1;
    const m = clampedMoments(bm, cue, { anneal: schedule, repeats: trials }, states); // the cue covers V1 only
    let right = true;
    for (let j = 0; j < visible; j++) {
      const a = m.means[visible + j];
      if (j === p ? a <= 0.75 : a >= 0.25) right = false;
    }
    if (right) ok++;
  }
  return ok;
}
