import { z } from 'zod';

/**
 * `boltzflow encoder` flags. The defaults are Ackley, Hinton & Sejnowski (1985)'s protocol (see
 * `EncoderOptions`); `--repeats 5 --threshold 0.05 --probes shuffled --success recall` is the
 * library's earlier recipe, `--weight-std` starts from random weights.
 */
export const encoderFlagsSchema = z.strictObject({
  seeds: z.int().min(1).max(1000).default(5),
  'max-cycles': z.int().min(1).max(1_000_000).default(4000),
  /** With `--success recall`: cycles between recall tests. */
  'check-every': z.int().min(1).max(100_000).default(10),
  step: z.number().positive().max(1000).default(2),
  threshold: z.number().min(0).max(1).default(0),
  repeats: z.int().min(1).max(1000).default(2),
  'weight-std': z.number().min(0).max(100).default(0),
  probes: z.enum(['random', 'shuffled']).default('random'),
  success: z.enum(['codes', 'recall']).default('codes'),
  /** Cycles after the solving cycle at which the codes must still pass. */
  keep: z.int().min(0).max(100_000).default(20),
  /** What kept means: the codes pass again `keep` cycles later (`end`, the default) or at each of those cycles (`every`). */
  kept: z.enum(['end', 'every']).default('end'),
  /** Bits every two codes must differ in (default: 2 where the codes can be, else 1). */
  'min-distance': z.int().min(1).max(64).optional(),
  /** Noisy clamping: on-bits turned off, off-bits turned on (default 0.15 and 0.05, 0.02 from 8 patterns on). */
  'noise-on': z.number().min(0).max(1).default(0.15),
  'noise-off': z.number().min(0).max(1).optional(),
  json: z.boolean().default(false),
});

export type EncoderFlags = z.output<typeof encoderFlagsSchema>;
