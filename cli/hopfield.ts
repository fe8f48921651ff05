import { hopfieldFlagsSchema } from '../schemas/cliFlags.js';
import { hopfieldCapacity } from '../models/hopfield.js';
import { parseFlags } from './parseFlags.js';
import { emit, say } from './output.js';

/** `boltzflow hopfield`: the capacity demonstration — recall quality against the number of stored patterns. */
export async function hopfieldCommand(args: readonly string[]): Promise<void> {
  const f = parseFlags(args, hopfieldFlagsSchema, { command: 'hopfield' });
  const counts: number[] = [];
  for (let p = f.step; p <= f['max-patterns']; p += f.step) counts.push(p);
  if (!f.json)
    say(
      `Hopfield network, ${f.units} units, Hebbian storage; cues with ${f.noise * 100}% of bits flipped, recall at T = 0; ${f.trials} networks per row`,
    );
  if (!f.json) say('patterns  P/n    recalled exactly  mean overlap');
  let breakdown: number | null = null;
  for (const point of hopfieldCapacity(f.units, counts, { trials: f.trials, noise: f.noise, seed: f.seed })) {
    if (breakdown === null && point.recalled < 0.5) breakdown = point.loadRatio;
    if (f.json) emit({ event: 'capacity', ...point });
    else
      say(
        `${String(point.patterns).padStart(8)}  ${point.loadRatio.toFixed(3)}  ${`${(100 * point.recalled).toFixed(1)}%`.padStart(16)}  ${point.meanOverlap.toFixed(3).padStart(12)}`,
      );
  }
  // The summary every --json run ends with: the first load at which fewer than half the cues were recalled exactly.
  const summary = {
    event: 'summary',
    units: f.units,
    trials: f.trials,
    noise: f.noise,
    rows: counts.length,
    breakdownLoadRatio: breakdown,
  };
  if (f.json) emit(summary);
  else {
    say(
      breakdown === null
        ? `recall stayed above half up to P/n = ${((counts.at(-1) ?? 0) / f.units).toFixed(3)}`
        : `recall fell below half at P/n = ${breakdown.toFixed(3)}`,
    );
    say('(theory: recall breaks down near P/n ≈ 0.14 for large n)');
  }
}
