import { z } from 'zod';
import { BACKEND_NAMES } from '../kernels/selectBackend.js';

/** Everything that decides a DBM training run besides the data and the layer sizes. */
export const dbmConfigSchema = z.strictObject({
  epochs: z.int().min(1).max(1_000_000).default(1),
  batchSize: z.int().min(1).max(1_000_000).default(100),
  /** Falls linearly to zero over the run (Salakhutdinov & Hinton 2009 used 0.005 → 0). */
  learningRate: z.number().positive().max(100).default(0.005),
  momentum: z.number().min(0).lt(1).default(0.5),
  weightDecay: z.number().min(0).max(1).default(2e-4),
  /** Block-Gibbs sweeps of the persistent chains per minibatch. */
  k: z.int().min(1).max(100_000).default(1),
  /** Persistent chains (the paper used 100). */
  nChains: z.int().min(1).max(1_000_000).default(100),
  /** Mean-field tolerance and cap on passes. */
  tolerance: z.number().positive().default(1e-4),
  maxIterations: z.int().min(1).max(10_000).default(30),
  seed: z.int().min(0).max(0xffffffff).default(1),
  backend: z.enum(BACKEND_NAMES).default('auto'),
});

export type DbmConfigInput = z.input<typeof dbmConfigSchema>;
export type DbmConfig = z.output<typeof dbmConfigSchema>;
