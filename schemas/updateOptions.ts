import { z } from 'zod';

/** Options of {@link applyUpdate}: the optimiser (SGD with momentum and L2 weight decay). */
export const updateOptionsSchema = z.strictObject({
  learningRate: z.number().positive().max(100),
  /** Fraction of the previous step kept in the velocity, in [0, 1). */
  momentum: z.number().min(0).lt(1).default(0),
  /** L2 penalty on the weights (not the biases), added to the gradient as −weightDecay·W. */
  weightDecay: z.number().min(0).max(1).default(0),
});

export type UpdateOptions = z.input<typeof updateOptionsSchema>;
