import { last, lastValueFrom, tap } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { defaultCodeDistance, distinctCodes } from '../models/encoderCodes.js';
import { completionRate } from '../models/encoderCompletion.js';
import { summarizeEncoderRuns, type EncoderRun } from '../models/encoderSummary.js';
import {
  countRecovered,
  ENCODER_ANNEAL,
  recallSchedule,
  trainEncoder,
  type EncoderEvent,
  type EncoderOptions,
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
  if (!flags.json) say(describe(shape, flags, options));
  const runs: EncoderRun[] = [];
  for (let seed = 1; seed <= flags.seeds; seed++) {
    const start = performance.now();
    let shown = start;
    const progress = tap(({ cycle, codes }: EncoderEvent) => {
      if (performance.now() - shown < PROGRESS_MS) return;
      shown = performance.now();
      const at = { seed, cycle, distinctCodes: distinctCodes(codes) };
      if (flags.json) emit({ event: 'progress', ...at });
      else say(`  seed ${seed}: cycle ${cycle}, ${at.distinctCodes}/${visible} distinct codes (${seconds(shown - start)})`);
    });
    const end = await lastValueFrom(trainEncoder({ ...options, seed }).pipe(progress, last()));
    const recall = recallSchedule(ENCODER_ANNEAL, 10);
    const recovered = countRecovered(end.model, visible, recall, 50);
    const completion = completionRate(end.model, visible, recall, 50);
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

/** The pipeline options the flags ask for. */
export function encoderOptions(flags: EncoderFlags, visible: number, hidden: number): Omit<EncoderOptions, 'seed'> {
  return {
    visible,
    hidden,
    maxCycles: flags['max-cycles'],
    checkEvery: flags['check-every'],
    stepSize: flags.step,
    threshold: flags.threshold,
    weightDecay: flags['weight-decay'],
    repeats: flags.repeats,
    weightStd: flags['weight-std'],
    probes: flags.probes,
    success: flags.success,
    keep: flags.keep,
    kept: flags.kept,
    minDistance: flags['min-distance'] ?? defaultCodeDistance(visible, hidden),
    noise: { on: flags['noise-on'], off: flags['noise-off'] ?? (visible >= 8 ? 0.02 : 0.05) },
  };
}

function describe(shape: string, flags: EncoderFlags, o: Omit<EncoderOptions, 'seed'>): string {
  const success =
    o.success === 'codes'
      ? `solved when the hidden codes are distinct${o.minDistance && o.minDistance > 1 ? `, ${o.minDistance} bits apart,` : ''} and ` +
        (o.kept === 'every' ? `stay so for ${o.keep} more cycles` : `still so ${o.keep} cycles later`)
      : `solved when every pattern is recalled at two tests in a row (every ${o.checkEvery} cycles)`;
  return (
    `encoder ${shape}: ${flags.seeds} seeds, at most ${o.maxCycles} cycles; anneal T = 20, 15, 12, 10 (2, 2, 2, 4 sweeps of ${o.probes} probes), ` +
    `statistics over 10 sweeps at T = 10, noisy clamping ${o.noise?.on}/${o.noise?.off}, ${o.repeats} presentations per pattern, ` +
    `weights from ${o.weightStd ? `N(0, ${o.weightStd}²)` : '0'} in steps of ±${o.stepSize} where |p⁺ − p⁻| > ${o.threshold}${o.weightDecay ? `, shrinking by ${o.weightDecay} of themselves a cycle` : ''}; ${success}`
  );
}
