import type { OperatorFunction } from 'rxjs';
import { centeredStart } from '../models/centeredStart.js';
import { initialOffsets } from '../models/centering.js';
import { isState, type TrainingState } from '../models/modelKinds.js';
import type { Rbm } from '../models/rbm.js';
import type { VisibleUnits } from '../models/visibleUnits.js';
import { applyUpdate, linearDecay } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import { guardDivergence } from '../operators/guardDivergence.js';
import { tieCopies, type TiedCopies } from '../operators/tieCopies.js';
import type { Minibatch, StepEvent } from '../operators/phases.js';
import type { TrainConfig } from '../schemas/trainConfig.js';

/**
 * The training step of `trainRbm` and `trainOnline`: the four operators configured from a training
 * config — from a model, or continuing a training state (a restored snapshot's: its parameters,
 * persistent chains, velocity, generator, centering offsets and counters) — then the divergence guard. Minibatches in, one step event per minibatch out.
 * With `config.centering` a run from a model starts its offsets with `initialOffsets` (μ at the
 * model's base rates, λ = 0.5); a state keeps its own.
 *
 * @example
 * ```ts
 * import { from, last, lastValueFrom } from 'rxjs';
 * import { rbmSteps, createRbm, minibatches, trainConfigSchema, Matrix } from 'boltzflow';
 * const data = Matrix.from([[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]]);
 * const config = trainConfigSchema.parse({ nHidden: 2, batchSize: 2 });
 * const e = await lastValueFrom(from(minibatches(data, { batchSize: 2, epochs: 5, seed: 1 })).pipe(rbmSteps(createRbm({ nVisible: 4, nHidden: 2, seed: 1 }), config), last()));
 * console.log(e.step); // 10
 * ```
 */
export function rbmSteps(
  from: Rbm | TrainingState<Rbm>,
  config: TrainConfig,
  options: {
    schedule?: (step: number) => number;
    nChains?: number;
    /** Two tied copies on a side (`tieCopies`, between the statistics and the update): a DBM's modified pretraining RBMs. */
    tie?: TiedCopies;
  } = {},
): OperatorFunction<Minibatch, StepEvent> {
  return (source) =>
    source.pipe(
      clampVisible(withCentering(from, config)),
      gibbsStep({
        k: config.k,
        chains: chainsOf[config.method],
        nChains: options.nChains,
        keepHidden: config.keepHidden,
        ...(config.method === 'pt' ? { replicas: config.replicas } : {}),
      }),
      collectStats({ objective: config.objective, generativeWeight: config.generativeWeight }),
      options.tie ? tieCopies(options.tie) : (s) => s,
      applyUpdate({
        learningRate: config.learningRate,
        momentum: config.momentum,
        weightDecay: config.weightDecay,
        schedule: options.schedule,
      }),
      guardDivergence({ learningRate: config.learningRate }),
    );
}

/** The run's start with the offsets `config.centering` asks for: a state's own, or fresh ones; none without centering. */
function withCentering(from: Rbm | TrainingState<Rbm>, config: TrainConfig): Rbm | TrainingState<Rbm> {
  const state = isState(from) ? from : null;
  if (!config.centering) {
    if (!state?.offsets) return from;
    const { offsets: _, ...rest } = state;
    return rest;
  }
  if (state?.offsets) return state;
  return state
    ? { ...state, offsets: initialOffsets(state.model.params, config.offsetSliding) }
    : centeredStart(from as Rbm, config.offsetSliding);
}

/** Where each method's negative chains start: `gibbsStep`'s `chains`. */
const chainsOf = { cd: 'data', pcd: 'persistent', pt: 'tempered' } as const;

/** The learning-rate schedule a config asks for over `rows` training rows: linear decay to zero, or none. */
export function configSchedule(config: TrainConfig, rows: number): ((step: number) => number) | undefined {
  return config.learningRateSchedule === 'linear' ? linearDecay(config.epochs * Math.ceil(rows / config.batchSize)) : undefined;
}

/** The visible units a config asks for: Gaussian (with or without a learned variance), else Bernoulli (undefined). */
export function configVisibleUnits(config: TrainConfig): VisibleUnits | undefined {
  return config.visibleUnits === 'gaussian' ? { type: 'gaussian', learnVariance: config.learnVariance } : undefined;
}
