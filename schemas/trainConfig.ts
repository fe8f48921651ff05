import { z } from 'zod';
import { BACKEND_NAMES } from '../kernels/selectBackend.js';

/** Default learning rates: Gaussian visible units diverge at rates that suit binary ones (Hinton's practical guide, §13.2). */
export const DEFAULT_LEARNING_RATE = { bernoulli: 0.1, gaussian: 0.001 } as const;

/**
 * Everything that decides an RBM training run (besides the data). Every field has a default;
 * the defaults train a 500-hidden RBM on MNIST with centered PCD-2. The learning rate's default
 * depends on the visible units: 0.1 for Bernoulli, 0.001 for Gaussian.
 */
export const trainConfigSchema = z
  .strictObject({
    /** Hidden units. */
    nHidden: z.int().min(1).max(100_000).default(500),
    /**
     * `cd`: contrastive divergence (chains restart at the data); `pcd`: persistent chains; `pt`:
     * persistent chains with parallel tempering (`replicas` each, β from 1 down to 0; see `gibbsStep`).
     */
    method: z.enum(['cd', 'pcd', 'pt']).default('pcd'),
    /** Gibbs steps per minibatch (2 by default: on MNIST, centered PCD-2 learned best for its cost; see "Training recipes" in docs/results.md). */
    k: z.int().min(1).max(100_000).default(2),
    /** PCD: keep the chains' hidden states between steps (see `gibbsStep`'s `keepHidden`; off by default, it learned worse). */
    keepHidden: z.boolean().default(false),
    /** PT: replicas of each persistent chain, at inverse temperatures spaced linearly from 1 to 0. */
    replicas: z.int().min(2).max(1000).default(10),
    /**
     * Centering (Montavon & Müller 2012; Melchior, Fischer & Wiskott 2016): the gradient of the
     * energy written around offsets μ, λ that follow the data's visible and hidden means (see
     * `centerGradient`); the model stays in the ordinary parametrisation. Bernoulli visible units
     * only; the default: on for them (it learned best, see "Training recipes" in docs/results.md), off for Gaussian ones.
     */
    centering: z.boolean().optional(),
    /** Centering: the offsets' sliding factor ν (each step moves them this fraction of the way to the minibatch's means). */
    offsetSliding: z.number().gt(0).max(1).default(0.01),
    /** Visible units: `bernoulli` (data in [0, 1]) or `gaussian` (real data, standardised; σ = 1 unless learned). */
    visibleUnits: z.enum(['bernoulli', 'gaussian']).default('bernoulli'),
    /** Gaussian visible units: learn each unit's log-variance too. */
    learnVariance: z.boolean().default(false),
    /**
     * What a classification RBM (a label group among its visible units) learns: `generative`
     * ln P(x, y) (every RBM), `discriminative` ln p(y | x), `hybrid` ln p(y | x) + α ln P(x, y)
     * (Larochelle & Bengio 2008); see `collectStats`.
     */
    objective: z.enum(['generative', 'discriminative', 'hybrid']).default('generative'),
    /** The hybrid objective's α, the weight of the generative part (Larochelle & Bengio's 0.01 by default). */
    generativeWeight: z.number().min(0).max(1000).default(0.01),
    learningRate: z.number().positive().max(100).optional(),
    /** `constant`, or `linear`: falling to zero at the end of the last epoch (Tieleman 2008's PCD schedule). */
    learningRateSchedule: z.enum(['constant', 'linear']).default('linear'),
    momentum: z.number().min(0).lt(1).default(0.5),
    weightDecay: z.number().min(0).max(1).default(1e-4),
    batchSize: z.int().min(1).max(1_000_000).default(100),
    epochs: z.int().min(1).max(1_000_000).default(1),
    /** Seed of the run's generator (initial weights, sampling) and of the shuffling. */
    seed: z.int().min(0).max(0xffffffff).default(1),
    /** Compute backend. `auto` picks the fastest one available. */
    backend: z.enum(BACKEND_NAMES).default('auto'),
    /** Write a snapshot every this many steps (0: only at the end of each epoch). */
    snapshotEvery: z.int().min(0).default(0),
  })
  .superRefine((c, ctx) => {
    if (c.learnVariance && c.visibleUnits !== 'gaussian')
      ctx.addIssue({
        code: 'custom',
        path: ['learnVariance'],
        message: 'false unless visibleUnits is "gaussian" (only Gaussian units have a variance)',
      });
    if (c.centering && c.visibleUnits === 'gaussian')
      ctx.addIssue({
        code: 'custom',
        path: ['centering'],
        message: 'false with Gaussian visible units (their data are standardised, centred already)',
      });
    if (c.method === 'pt' && c.keepHidden)
      ctx.addIssue({
        code: 'custom',
        path: ['keepHidden'],
        message: 'false with method "pt" (tempered replicas keep their visible states only)',
      });
    if (c.method === 'pt' && c.visibleUnits === 'gaussian')
      ctx.addIssue({
        code: 'custom',
        path: ['method'],
        message: 'cd or pcd with Gaussian visible units (parallel tempering is for Bernoulli units)',
      });
  })
  .transform((c) => ({
    ...c,
    learningRate: c.learningRate ?? DEFAULT_LEARNING_RATE[c.visibleUnits],
    centering: c.centering ?? c.visibleUnits === 'bernoulli',
  }));

/**
 * A config as a snapshot stores it: one written before centering existed has no `centering`
 * field and trained without it, whatever today's default.
 */
export const storedTrainConfigSchema = z.preprocess(
  (c) => (c !== null && typeof c === 'object' && !('centering' in c) ? { ...c, centering: false } : c),
  trainConfigSchema,
);

export type TrainConfigInput = z.input<typeof trainConfigSchema>;
export type TrainConfig = z.output<typeof trainConfigSchema>;
