import { z } from 'zod';

/** Options of {@link applyUpdate}: the optimiser. */
export const updateOptionsSchema = z.strictObject({
  /** `gradient`: SGD with momentum and weight decay. `sign`: the original Boltzmann machine rule, a fixed step of `stepSize` in the sign of each statistic (Ackley, Hinton & Sejnowski 1985). */
  rule: z.enum(['gradient', 'sign']).default('gradient'),
  learningRate: z.number().positive().max(100).default(0.1),
  /** Fraction of the previous step kept in the velocity, in [0, 1). */
  momentum: z.number().min(0).lt(1).default(0),
  /** L2 penalty on the weights (not the biases), added to the gradient as −weightDecay·W. */
  weightDecay: z.number().min(0).max(1).default(0),
  /** Size of each `sign` step (the 1985 paper used 2). */
  stepSize: z.number().positive().max(1000).default(2),
  /** `sign` rule: no step where |statistic| ≤ threshold (a dead zone, so sampling noise does not random-walk the weights). */
  threshold: z.number().min(0).max(1).default(0),
});

export type UpdateOptions = z.input<typeof updateOptionsSchema>;
