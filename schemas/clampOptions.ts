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
  /** General BM: what a sweep is, `shuffled` (every free unit once, in a random order) or `random` (as many random single-unit probes as free units, Ackley, Hinton & Sejnowski 1985). */
  probes: z.enum(['shuffled', 'random']).default('shuffled'),
});

export type BmClampOptions = z.input<typeof clampOptionsSchema>;

/** Options of `clampVisible` for a deep BM: mean field over the hidden layers. */
export const meanFieldOptionsSchema = z.strictObject({
  /** Stop when no variational parameter moved by more than this in a full pass (default 1e-4). */
  tolerance: z.number().positive().optional(),
  /** Give up after this many passes (default 50). */
  maxIterations: z.int().min(1).max(1_000_000).optional(),
});

/** `clampVisible`'s options for each model kind (an RBM's positive phase is exact: none). */
export const clampOptionsSchemas = { rbm: z.strictObject({}), bm: clampOptionsSchema, dbm: meanFieldOptionsSchema } as const;

/** The options `clampVisible` takes for a model whose `kind` is `K`. */
export type ClampOptionsFor<K extends keyof typeof clampOptionsSchemas> = z.input<(typeof clampOptionsSchemas)[K]>;
