import { z } from 'zod';
import { annealStepSchema } from './gibbsOptions.js';

/** Options of `clampVisible` for a general Boltzmann machine. */
export const clampOptionsSchema = z.strictObject({
  /** Annealing of the hidden units before the statistics, hottest first. */
  anneal: z.array(annealStepSchema).min(1).max(1000).optional(),
  /** Temperature at which the statistics are gathered. */
  temperature: z.number().positive().max(1e6).default(1),
  /** Sweeps over which ⟨sᵢ sⱼ⟩⁺ is averaged. */
  k: z.int().min(1).max(100_000).default(10),
  /** Noisy clamping: probabilities of turning an on-bit off and an off-bit on, per presentation. */
  noise: z.strictObject({ on: z.number().min(0).max(1), off: z.number().min(0).max(1) }).optional(),
  /** Presentations of each data vector per minibatch. */
  repeats: z.int().min(1).max(10_000).default(1),
});

export type BmClampOptions = z.input<typeof clampOptionsSchema>;
