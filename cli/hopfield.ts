import { z } from 'zod';
import { hopfieldCapacity } from '../models/hopfield.js';
import { parseFlags } from './parseFlags.js';
import { emit, say } from './output.js';

const flagsSchema = z.strictObject({
  units: z.int().min(2).max(2000).default(100),
  'max-patterns': z.int().min(1).max(2000).default(30),
  step: z.int().min(1).max(1000).default(5),
  trials: z.int().min(1).max(1000).default(5),
  noise: z.number().min(0).max(0.5).default(0.1),
  seed: z.int().min(0).max(0xffffffff).default(1),
  json: z.boolean().default(false),
});

/** `boltzflow hopfield`: the capacity demonstration — recall quality against the number of stored patterns. */
export async function hopfieldCommand(args: readonly string[]): Promise<void> {
  const f = parseFlags(args, flagsSchema, Object.keys(flagsSchema.shape));
  const counts: number[] = [];
  for (let p = f.step; p <= f['max-patterns']; p += f.step) counts.push(p);
  if (!f.json)
    say(
      `Hopfield network, ${f.units} units, Hebbian storage; cues with ${f.noise * 100}% of bits flipped, recall at T = 0; ${f.trials} networks per row`,
    );
  if (!f.json) say('patterns  P/n    recalled exactly  mean overlap');
  for (const point of hopfieldCapacity(f.units, counts, { trials: f.trials, noise: f.noise, seed: f.seed })) {
    if (f.json) emit({ event: 'capacity', ...point });
    else
      say(
        `${String(point.patterns).padStart(8)}  ${point.loadRatio.toFixed(3)}  ${`${(100 * point.recalled).toFixed(1)}%`.padStart(16)}  ${point.meanOverlap.toFixed(3).padStart(12)}`,
      );
  }
  if (!f.json) say('(theory: recall breaks down near P/n ≈ 0.14 for large n)');
}
