import { last, lastValueFrom, tap } from 'rxjs';
import { z } from 'zod';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { trainEncoder } from '../pipelines/trainEncoder.js';
import { seconds } from '../sinks/progressSink.js';
import { parseFlags } from './parseFlags.js';
import { emit, say } from './output.js';

const flagsSchema = z.strictObject({
  seeds: z.int().min(1).max(1000).default(5),
  'max-cycles': z.int().min(1).max(1_000_000).default(2000),
  'check-every': z.int().min(1).max(100_000).default(10),
  step: z.number().positive().max(1000).default(2),
  threshold: z.number().min(0).max(1).default(0.05),
  repeats: z.int().min(1).max(1000).default(5),
  json: z.boolean().default(false),
});

/**
 * `boltzflow encoder V-H-V`: the encoder problem of Ackley, Hinton & Sejnowski (1985), learned
 * over several seeds; reports for each the learning cycles until every pattern was recovered.
 */
export async function encoderCommand(args: readonly string[]): Promise<void> {
  const [shape, ...rest] = args;
  const m = /^(\d+)-(\d+)-(\d+)$/.exec(shape ?? '');
  if (!m || m[1] !== m[3] || Number(m[1]) < 2 || Number(m[2]) < 1 || Number(m[1]) * 2 + Number(m[2]) > 64)
    throw new BoltzflowError('encoder shape', shape, 'V-H-V with equal visible groups, V ≥ 2, H ≥ 1 (e.g. 4-2-4, 4-3-4, 8-3-8)');
  const visible = Number(m[1]),
    hidden = Number(m[2]);
  const flags = parseFlags(rest, flagsSchema, Object.keys(flagsSchema.shape));
  if (!flags.json)
    say(
      `encoder ${shape}: ${flags.seeds} seeds, at most ${flags['max-cycles']} cycles; anneal T = 20, 15, 12, 10 (2, 2, 2, 4 sweeps), ` +
        `statistics over 10 sweeps at T = 10, noisy clamping 0.15/0.05, ${flags.repeats} presentations per pattern, ` +
        `weight steps ±${flags.step} where |p⁺ − p⁻| > ${flags.threshold}`,
    );
  const results: Array<{ seed: number; solved: boolean; cycles: number; recovered: number }> = [];
  for (let seed = 1; seed <= flags.seeds; seed++) {
    const start = performance.now();
    let recovered = 0;
    const end = await lastValueFrom(
      trainEncoder({
        visible,
        hidden,
        seed,
        maxCycles: flags['max-cycles'],
        checkEvery: flags['check-every'],
        stepSize: flags.step,
        threshold: flags.threshold,
        repeats: flags.repeats,
      }).pipe(
        tap((e) => {
          if (e.recovered !== null) recovered = e.recovered;
        }),
        last(),
      ),
    );
    const r = { seed, solved: end.solved, cycles: end.cycle, recovered };
    results.push(r);
    if (flags.json) emit({ event: 'seed', ...r, seconds: (performance.now() - start) / 1000 });
    else
      say(
        `  seed ${seed}: ${r.solved ? `every pattern recovered after ${r.cycles} cycles` : `not solved in ${r.cycles} cycles (${recovered}/${visible} patterns at the last test)`} (${seconds(performance.now() - start)})`,
      );
  }
  const solved = results
    .filter((r) => r.solved)
    .map((r) => r.cycles)
    .sort((a, b) => a - b);
  const median = solved.length ? solved[Math.floor((solved.length - 1) / 2)] : null;
  const summary = {
    event: 'summary',
    shape,
    seeds: flags.seeds,
    solved: solved.length,
    medianCycles: median,
    cycles: results.map((r) => r.cycles),
  };
  if (flags.json) emit(summary);
  else say(`${solved.length}/${flags.seeds} seeds solved${median !== null ? `; median ${median} cycles (of the solved)` : ''}`);
}
