import { z } from 'zod';

/** One step of an annealing schedule: `sweeps` sweeps at `temperature`. */
export const annealStepSchema = z.strictObject({
  temperature: z.number().positive().max(1e6),
  sweeps: z.int().min(1).max(1_000_000),
});

/** Options of {@link gibbsStep}: how the negative phase samples. */
export const gibbsOptionsSchema = z
  .strictObject({
    /** Gibbs steps (RBM) or sweeps (general BM) at `temperature` per minibatch: the k of CD-k / PCD-k. For a general BM, the statistics are averaged over these sweeps. */
    k: z.int().min(1).max(100_000).default(1),
    /**
     * Where the chains start: `data` at each minibatch's data (CD-k; for a general BM, the positive
     * phase's final states); `persistent` fantasy chains carried across minibatches and epochs
     * (PCD); `tempered` persistent chains with `replicas` copies each at inverse temperatures 1 → `minBeta`
     * exchanging states (parallel tempering, RBM only: Desjardins et al. 2010); `random` fresh random
     * states at every minibatch (the classic BM free phase).
     */
    chains: z.enum(['data', 'persistent', 'tempered', 'random']).default('data'),
    /** Sampling temperature (conditionals σ(ΔE / T)). */
    temperature: z.number().positive().max(1e6).default(1),
    /** Simulated annealing run before the k steps: (temperature, sweeps) pairs, hottest first. */
    anneal: z.array(annealStepSchema).min(1).max(1000).optional(),
    /** Number of persistent or random chains; by default the first minibatch's size. */
    nChains: z.int().min(1).max(1_000_000).optional(),
    /**
     * RBM persistent chains: keep each chain's hidden state h ~ P(h | v), sampled at the end of a
     * step under that step's parameters, and start the next step there (h → v; one product with W
     * fewer). By default (false) the chain's state is v alone, as in Tieleman (2008)'s PCD, and each
     * step starts by sampling h from it under the updated parameters: on MNIST that learned the
     * better model (exact test log-likelihood, 784→16, see "Training recipes" in docs/results.md).
     */
    keepHidden: z.boolean().default(false),
    /**
     * Tempered chains: replicas of each chain (default 10), at inverse temperatures spaced linearly
     * from 1 down to `minBeta` (default 0); each does k block-Gibbs steps at its β per minibatch, each
     * step followed by Metropolis exchanges between neighbouring temperatures (even pairs, then odd).
     * Only the β = 1 replica feeds the statistics; each costs about as much as one PCD chain.
     */
    replicas: z.int().min(2).max(1000).optional(),
    minBeta: z.number().min(0).lt(1).optional(),
    /** General BM: what a sweep is, `shuffled` (every free unit once, in a random order) or `random` (as many random single-unit probes as free units, Ackley, Hinton & Sejnowski 1985). */
    probes: z.enum(['shuffled', 'random']).default('shuffled'),
  })
  .superRefine((o, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (o.chains !== 'tempered') {
      for (const key of ['replicas', 'minBeta'] as const)
        if (o[key] !== undefined) issue(key, 'absent unless chains is "tempered" (it configures parallel tempering)');
      return;
    }
    if (o.keepHidden) issue('keepHidden', 'false with chains "tempered" (the replicas keep their visible states only)');
    if (o.temperature !== 1) issue('temperature', '1 with chains "tempered" (the replicas have their own temperatures)');
    if (o.anneal) issue('anneal', 'absent with chains "tempered" (the replicas have their own temperatures)');
  });

export type GibbsOptions = z.input<typeof gibbsOptionsSchema>;
