import { z } from 'zod';

/** Options of {@link gibbsStep}: how the negative phase samples. */
export const gibbsOptionsSchema = z.strictObject({
  /** Gibbs steps per minibatch (the k of CD-k / PCD-k). */
  k: z.int().min(1).max(100_000).default(1),
  /** `data`: chains restart at each minibatch's data (CD-k). `persistent`: fantasy chains carried across minibatches and epochs (PCD). */
  chains: z.enum(['data', 'persistent']).default('data'),
  /** Sampling temperature of the negative phase (conditionals σ(x / T)). */
  temperature: z.number().positive().max(1e6).default(1),
  /** Number of persistent chains; by default the first minibatch's size. */
  nChains: z.int().min(1).max(1_000_000).optional(),
});

export type GibbsOptions = z.input<typeof gibbsOptionsSchema>;
