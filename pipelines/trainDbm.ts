import { defer, from, type Observable } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { createDbm, type Dbm } from '../models/dbm.js';
import type { Rbm } from '../models/rbm.js';
import { applyUpdate, linearDecay } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import { guardDivergence } from '../operators/guardDivergence.js';
import type { DbmStepEvent } from '../operators/phases.js';
import { dbmConfigSchema, type DbmConfigInput } from '../schemas/dbmConfig.js';
import type { DbmSnapshot } from '../schemas/modelSnapshot.js';
import { dbmSnapshotState } from '../sources/restoreState.js';
import { parseWith } from '../schemas/parseWith.js';
import { minibatches } from '../sources/minibatches.js';

export interface TrainDbmOptions {
  /** Training data, one row per example, values in [0, 1]. */
  data: Matrix;
  /** Hidden layer sizes (at least 2), for a DBM started from small random weights… */
  hidden?: readonly number[];
  /** …or a pretrained stack to start from (a DBN's layers, say): its sizes win. */
  pretrained?: readonly Rbm[];
  config?: DbmConfigInput;
  /** Continue this run instead (its config and sizes win; `epochs` may be raised): the same bytes as a run straight through. */
  resume?: DbmSnapshot;
}

/**
 * Trains a deep Boltzmann machine (Salakhutdinov & Hinton 2009) through the four operators:
 * `clampVisible` runs mean field over the hidden layers to a tolerance (the positive phase),
 * `gibbsStep` advances persistent chains by block Gibbs over alternate layers (the negative
 * phase), `collectStats` takes the differences of the layer-pair statistics and `applyUpdate`
 * moves the weights, with the learning rate falling linearly to zero. One event per minibatch.
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { trainDbm, loadDataset } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 500 });
 * const final = await lastValueFrom(trainDbm({ data, hidden: [50, 20], config: { batchSize: 50 } }).pipe(last()));
 * console.log(final.step, final.metrics.meanFieldIterations); // 10 …
 * ```
 */
export function trainDbm(options: TrainDbmOptions): Observable<DbmStepEvent> {
  const { data, hidden, pretrained, resume } = options;
  const config = resume
    ? { ...resume.config, epochs: Math.max(resume.config.epochs, options.config?.epochs ?? 0) }
    : parseWith(dbmConfigSchema, options.config ?? {}, { fieldName: (p) => `config.${p.join('.')}` });
  if (resume && resume.sizes[0] !== data.cols)
    throw new BoltzflowError('data', `${data.cols} columns`, `${resume.sizes[0]} columns, as the resumed DBM has`);
  if (!resume && !pretrained && (!hidden || hidden.length < 2))
    throw new BoltzflowError('hidden', hidden ? `[${hidden.join(', ')}]` : 'absent', 'at least 2 hidden layer sizes (or pretrained RBMs)');
  if (pretrained && pretrained[0].params.nVisible !== data.cols)
    throw new BoltzflowError('pretrained[0].nVisible', pretrained[0].params.nVisible, `${data.cols}, the data's columns`);
  if (config.batchSize > data.rows)
    throw new BoltzflowError('config.batchSize', config.batchSize, `at most ${data.rows}, the number of training rows`);
  const backend = selectBackend(config.backend);
  return defer(() => {
    const start = resume
      ? dbmSnapshotState(resume, { backend })
      : pretrained
        ? createDbm({ rbms: pretrained, seed: config.seed, backend })
        : createDbm({ sizes: [data.cols, ...hidden!], seed: config.seed, backend });
    const steps = config.epochs * Math.ceil(data.rows / config.batchSize);
    const at = resume ? { epoch: resume.counters.epoch, index: resume.counters.index } : { epoch: 0, index: 0 };
    return from(minibatches(data, { batchSize: config.batchSize, epochs: config.epochs, seed: config.seed, start: at })).pipe(
      clampVisible<Dbm>(start, { tolerance: config.tolerance, maxIterations: config.maxIterations }),
      gibbsStep<Dbm>({ k: config.k, chains: 'persistent', nChains: config.nChains }),
      collectStats<Dbm>(),
      applyUpdate<Dbm>({
        learningRate: config.learningRate,
        momentum: config.momentum,
        weightDecay: config.weightDecay,
        schedule: linearDecay(steps),
      }),
      guardDivergence({ learningRate: config.learningRate }),
    );
  });
}
