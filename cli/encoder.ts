import { last, lastValueFrom, tap } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { AnnealSchedule } from '../models/bm.js';
import { defaultCodeDistance, distinctCodes } from '../models/encoderCodes.js';
import { completionRate } from '../models/encoderCompletion.js';
import { summarizeEncoderRuns, type EncoderRun } from '../models/encoderSummary.js';
import { Rng } from '../kernels/Rng.js';
import {
  completionSchedule,
  countRecovered,
  ENCODER_ANNEAL,
  encoderNoise,
  recallSchedule,
  trainEncoder,
  type EncoderEvent,
  type EncoderOptions,
  type EncoderStage,
} from '../pipelines/trainEncoder.js';
import { encoderFlagsSchema, type EncoderFlags } from '../schemas/encoderFlags.js';
import { seconds } from '../sinks/progressSink.js';
import { parseFlags } from './parseFlags.js';
import { emit, say } from './output.js';

/**
 * `boltzflow encoder V-H-V`: the encoder problem of Ackley, Hinton & Sejnowski (1985), learned
 * over several seeds as the paper did it (see `EncoderOptions`); reports for each seed its solving
 * cycle, its codes, its recall and its completion rate (`completionRate`) at the end, and its
 * cycle every 10 s on long runs; then solved/seeds, the median (of the solved runs,
 * the mean of the two middle ones for an even count, with the unsolved counted apart) and the max.
 */
export async function encoderCommand(args: readonly string[]): Promise<void> {
  const [shape, ...rest] = args;
  const m = /^(\d+)-(\d+)-(\d+)$/.exec(shape ?? '');
  if (!m || m[1] !== m[3] || Number(m[1]) < 2 || Number(m[2]) < 1 || Number(m[1]) * 2 + Number(m[2]) > 128)
    throw new BoltzflowError(
      'encoder shape',
      shape,
      'V-H-V with equal visible groups, V ≥ 2, H ≥ 1, 2V + H ≤ 128 (e.g. 4-2-4, 4-3-4, 8-3-8)',
    );
  const visible = Number(m[1]),
    hidden = Number(m[2]);
  const flags = parseFlags(rest, encoderFlagsSchema, { command: 'encoder' });
  const options = encoderOptions(flags, visible, hidden);
  const test = completionSchedule(ENCODER_ANNEAL, 10, flags['test-slowdown']);
  if (!flags.json) say(describe(shape, flags, options, test));
  const runs: EncoderRun[] = [];
  const testEvery = flags['completion-every'] ?? (isForty(visible, hidden) ? 100 : 0);
  for (let seed = 1; seed <= flags.seeds; seed++) {
    const start = performance.now();
    let shown = start;
    const progress = tap(({ cycle, codes, model }: EncoderEvent) => {
      if (testEvery && cycle % testEvery === 0) {
        // The paper's test (10 trials a pattern) on a generator of its own: testing does not change the run.
        const completion = completionRate({ ...model, rng: Rng.fromSeed(seed * 1_000_003 + cycle) }, visible, test, 10);
        if (flags.json) emit({ event: 'completion', seed, cycle, completion });
        else say(`  seed ${seed}: after ${cycle} cycles completion ${percent(completion)} (${seconds(performance.now() - start)})`);
        shown = performance.now();
      }
      if (performance.now() - shown < PROGRESS_MS) return;
      shown = performance.now();
      const at = { seed, cycle, distinctCodes: distinctCodes(codes) };
      if (flags.json) emit({ event: 'progress', ...at });
      else say(`  seed ${seed}: cycle ${cycle}, ${at.distinctCodes}/${visible} distinct codes (${seconds(shown - start)})`);
    });
    const end = await lastValueFrom(trainEncoder({ ...options, seed }).pipe(progress, last()));
    const recovered = countRecovered(end.model, visible, recallSchedule(ENCODER_ANNEAL, 10), 50);
    const completion = completionRate(end.model, visible, test, 50);
    const run = {
      seed,
      solvedAt: end.solvedAt,
      cycles: end.cycle,
      codesPass: end.codesPass,
      distinctCodes: distinctCodes(end.codes),
      recovered,
      completion,
    };
    runs.push(run);
    if (flags.json) emit({ event: 'seed', ...run, codes: end.codes, seconds: (performance.now() - start) / 1000 });
    else
      say(
        `  seed ${seed}: ${run.solvedAt !== null ? `solved at cycle ${run.solvedAt}` : `not solved in ${run.cycles} cycles`}; at the end ` +
          `${run.distinctCodes}/${visible} distinct codes (${end.codes.map((c) => c ?? '?').join(' ')}), ${recovered}/${visible} recalled, completion ${percent(completion)} (${seconds(performance.now() - start)})`,
      );
  }
  const s = summarizeEncoderRuns(runs, visible);
  if (flags.json) emit({ event: 'summary', shape, ...s, cycles: runs.map((r) => r.cycles) });
  else
    say(
      `${s.solved}/${s.seeds} seeds solved (${flags.success})` +
        (s.medianCycles !== null ? `; median ${s.medianCycles} cycles of the solved, max ${s.maxCycles}` : '') +
        (s.unsolved ? `; ${s.unsolved} unsolved (median with them as ∞: ${s.medianAll ?? '∞'})` : '') +
        `; at the end ${s.codesAtEnd}/${s.seeds} with passing codes, ${s.recalledAtEnd}/${s.seeds} recalling every pattern, ` +
        `mean completion ${percent(s.meanCompletion ?? 0)}`,
    );
}

/** A seed that runs longer than this shows its cycle (40-10-40 takes minutes a seed). */
const PROGRESS_MS = 10_000;

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Whether a shape is the paper's 40-10-40, whose settings (Figure 5) are its defaults. */
const isForty = (visible: number, hidden: number) => visible === 40 && hidden === 10;

/**
 * The stages the flags ask for: `--unconnected` cycles with H unconnected and exact clamping, then
 * noisy clamping (`noise`) until `--noise-until`, then exact clamping.
 */
export function encoderStages(flags: EncoderFlags, visible: number, hidden: number, noise: { on: number; off: number }): EncoderStage[] {
  const forty = isForty(visible, hidden);
  const unconnected = flags.unconnected ?? (forty ? 300 : 0);
  const until = flags['noise-until'] ?? (forty ? 800 : undefined);
  if (until !== undefined && until <= unconnected)
    throw flags['noise-until'] === undefined
      ? new BoltzflowError(
          '--unconnected',
          unconnected,
          `fewer than ${until}, the cycle 40-10-40's noisy clamping ends by default (or pass --noise-until)`,
        )
      : new BoltzflowError('--noise-until', until, `a cycle after the ${unconnected} unconnected ones (--unconnected)`);
  const exact = { on: 0, off: 0 };
  return [
    ...(unconnected ? [{ cycles: unconnected, hiddenConnected: false, noise: exact }] : []),
    ...(until !== undefined ? [{ cycles: until - unconnected, noise }, { noise: exact }] : [{ noise }]),
  ];
}

/** The pipeline options the flags ask for. */
export function encoderOptions(flags: EncoderFlags, visible: number, hidden: number): Omit<EncoderOptions, 'seed'> {
  const forty = isForty(visible, hidden);
  const paper = forty ? { on: 0.1, off: 0.0025 } : encoderNoise(visible);
  const noise = { on: flags['noise-on'] ?? paper.on, off: flags['noise-off'] ?? paper.off };
  return {
    visible,
    hidden,
    maxCycles: flags['max-cycles'],
    checkEvery: flags['check-every'],
    stepSize: flags.step,
    threshold: flags.threshold,
    weightDecay: flags['weight-decay'],
    repeats: flags.repeats ?? (forty ? 1 : 2),
    weightStd: flags['weight-std'],
    probes: flags.probes,
    success: flags.success,
    keep: flags.keep,
    kept: flags.kept,
    minDistance: flags['min-distance'] ?? defaultCodeDistance(visible, hidden),
    noise,
    stages: encoderStages(flags, visible, hidden, noise),
    stopWhenSolved: (flags.stop ?? (forty ? 'end' : 'solved')) === 'solved',
  };
}

function describe(shape: string, flags: EncoderFlags, o: Omit<EncoderOptions, 'seed'>, test: AnnealSchedule): string {
  const success =
    o.success === 'codes'
      ? `solved when the hidden codes are distinct${o.minDistance && o.minDistance > 1 ? `, ${o.minDistance} bits apart,` : ''} and ` +
        (o.kept === 'every' ? `stay so for ${o.keep} more cycles` : `still so ${o.keep} cycles later`)
      : `solved when every pattern is recalled at two tests in a row (every ${o.checkEvery} cycles)`;
  const noise = (n?: { on: number; off: number }) => (n && (n.on || n.off) ? `noisy clamping ${n.on}/${n.off}` : 'exact clamping');
  let at = 0;
  const stages = (o.stages ?? [{ noise: o.noise }]).map((st, i, all) => {
    const span = i === all.length - 1 ? `from cycle ${at + 1}` : `cycles ${at + 1}–${at + (st.cycles ?? 0)}`; // cycles count from 1
    at += st.cycles ?? 0;
    return `${all.length > 1 ? `${span}: ` : ''}${st.hiddenConnected === false ? 'H unconnected, ' : ''}${noise(st.noise)}`;
  });
  return (
    `encoder ${shape}: ${flags.seeds} seed${flags.seeds === 1 ? '' : 's'}, at most ${o.maxCycles} cycles${o.stopWhenSolved === false ? ' each (runs go on once solved)' : ''}; anneal T = 20, 15, 12, 10 (2, 2, 2, 4 sweeps of ${o.probes} probes), ` +
    `statistics over 10 sweeps at T = 10, ${stages.join('; ')}, ${o.repeats} presentation${o.repeats === 1 ? '' : 's'} per pattern, ` +
    `weights from ${o.weightStd ? `N(0, ${o.weightStd}²)` : '0'} in steps of ±${o.stepSize} where |p⁺ − p⁻| > ${o.threshold}${o.weightDecay ? `, shrinking by ${o.weightDecay} of themselves a cycle` : ''}; ${success}; ` +
    `completion tested with V1 clamped, T = ${test.map((s) => `${s.sweeps}@${s.temperature}`).join(' ')}`
  );
}
