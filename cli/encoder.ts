import { last, lastValueFrom } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { defaultCodeDistance, distinctCodes } from '../models/encoderCodes.js';
import { summarizeEncoderRuns, type EncoderRun } from '../models/encoderSummary.js';
import { countRecovered, ENCODER_ANNEAL, recallSchedule, trainEncoder, type EncoderOptions } from '../pipelines/trainEncoder.js';
import { encoderFlagsSchema, type EncoderFlags } from '../schemas/encoderFlags.js';
import { seconds } from '../sinks/progressSink.js';
import { parseFlags } from './parseFlags.js';
import { emit, say } from './output.js';

/**
 * `boltzflow encoder V-H-V`: the encoder problem of Ackley, Hinton & Sejnowski (1985), learned
 * over several seeds as the paper did it (see `EncoderOptions`); reports for each seed its solving
 * cycle, its codes and its recall at the end, then solved/seeds, the median (of the solved runs,
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
  const flags = parseFlags(rest, encoderFlagsSchema, Object.keys(encoderFlagsSchema.shape));
  const options = encoderOptions(flags, visible, hidden);
  if (!flags.json) say(describe(shape, flags, options));
  const runs: EncoderRun[] = [];
  for (let seed = 1; seed <= flags.seeds; seed++) {
    const start = performance.now();
    const end = await lastValueFrom(trainEncoder({ ...options, seed }).pipe(last()));
    const recovered = countRecovered(end.model, visible, recallSchedule(ENCODER_ANNEAL, 10), 50);
    const run = {
      seed,
      solvedAt: end.solvedAt,
      cycles: end.cycle,
      codesPass: end.codesPass,
      distinctCodes: distinctCodes(end.codes),
      recovered,
    };
    runs.push(run);
    if (flags.json) emit({ event: 'seed', ...run, codes: end.codes, seconds: (performance.now() - start) / 1000 });
    else
      say(
        `  seed ${seed}: ${run.solvedAt !== null ? `solved at cycle ${run.solvedAt}` : `not solved in ${run.cycles} cycles`}; at the end ` +
          `${run.distinctCodes}/${visible} distinct codes (${end.codes.map((c) => c ?? '?').join(' ')}), ${recovered}/${visible} recalled (${seconds(performance.now() - start)})`,
      );
  }
  const s = summarizeEncoderRuns(runs, visible);
  if (flags.json) emit({ event: 'summary', shape, ...s, cycles: runs.map((r) => r.cycles) });
  else
    say(
      `${s.solved}/${s.seeds} seeds solved (${flags.success})` +
        (s.medianCycles !== null ? `; median ${s.medianCycles} cycles of the solved, max ${s.maxCycles}` : '') +
        (s.unsolved ? `; ${s.unsolved} unsolved (median with them as ∞: ${s.medianAll ?? '∞'})` : '') +
        `; at the end ${s.codesAtEnd}/${s.seeds} with passing codes, ${s.recalledAtEnd}/${s.seeds} recalling every pattern`,
    );
}

/** The pipeline options the flags ask for. */
export function encoderOptions(flags: EncoderFlags, visible: number, hidden: number): Omit<EncoderOptions, 'seed'> {
  return {
    visible,
    hidden,
    maxCycles: flags['max-cycles'],
    checkEvery: flags['check-every'],
    stepSize: flags.step,
    threshold: flags.threshold,
    repeats: flags.repeats,
    weightStd: flags['weight-std'],
    probes: flags.probes,
    success: flags.success,
    keep: flags.keep,
    minDistance: flags['min-distance'] ?? defaultCodeDistance(visible, hidden),
    noise: { on: flags['noise-on'], off: flags['noise-off'] ?? (visible >= 8 ? 0.02 : 0.05) },
  };
}

function describe(shape: string, flags: EncoderFlags, o: Omit<EncoderOptions, 'seed'>): string {
  const success =
    o.success === 'codes'
      ? `solved when the hidden codes are distinct${o.minDistance && o.minDistance > 1 ? `, ${o.minDistance} bits apart,` : ''} and stay so for ${o.keep} more cycles`
      : `solved when every pattern is recalled at two tests in a row (every ${o.checkEvery} cycles)`;
  return (
    `encoder ${shape}: ${flags.seeds} seeds, at most ${o.maxCycles} cycles; anneal T = 20, 15, 12, 10 (2, 2, 2, 4 sweeps of ${o.probes} probes), ` +
    `statistics over 10 sweeps at T = 10, noisy clamping ${o.noise?.on}/${o.noise?.off}, ${o.repeats} presentations per pattern, ` +
    `weights from ${o.weightStd ? `N(0, ${o.weightStd}²)` : '0'} in steps of ±${o.stepSize} where |p⁺ − p⁻| > ${o.threshold}; ${success}`
  );
}
