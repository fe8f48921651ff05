import { defer, from, type Observable } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { createRbm } from '../models/rbm.js';
import type { VisibleUnits } from '../models/visibleUnits.js';
import type { StepEvent } from '../operators/phases.js';
import { parseWith } from '../schemas/parseWith.js';
import type { Snapshot } from '../schemas/snapshot.js';
import { trainConfigSchema, type TrainConfigInput } from '../schemas/trainConfig.js';
import { minibatches } from '../sources/minibatches.js';
import { snapshotState } from '../sources/readSnapshot.js';
import { configSchedule, configVisibleUnits, rbmSteps } from './rbmSteps.js';

export interface TrainRbmOptions {
  /** Training data, one row per example: values in [0, 1] for Bernoulli visible units, standardised reals for Gaussian ones. */
  data: Matrix;
  config?: TrainConfigInput;
  /** Continue this run instead of starting afresh (its config wins; `epochs` may be raised). */
  resume?: Snapshot;
  /**
   * The visible units, when `config.visibleUnits` is not enough: softmax groups, say, for a label
   * modelled jointly with an image (see `classifyByFreeEnergy`). A resumed run keeps its own.
   */
  visibleUnits?: VisibleUnits;
}

/**
 * Trains an RBM (Bernoulli visible units, or Gaussian with `visibleUnits: 'gaussian'` on
 * standardised data): shuffled minibatches through exactly the four operators,
 * `clampVisible → gibbsStep → collectStats → applyUpdate`, one {@link StepEvent} per minibatch.
 * The stream is cold: each subscription trains its own model from the same seed (use `share()`
 * to tap one run several times). Visible biases start at the data's log-odds.
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { trainRbm, loadDataset } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 2000 });
 * const final = await lastValueFrom(trainRbm({ data, config: { nHidden: 64, epochs: 2 } }).pipe(last()));
 * console.log(final.step, final.metrics.reconstructionError);
 * ```
 */
export function trainRbm(options: TrainRbmOptions): Observable<StepEvent> {
  const { data, resume } = options;
  const config = resume
    ? { ...resume.config, epochs: Math.max(resume.config.epochs, options.config?.epochs ?? 0) }
    : parseWith(trainConfigSchema, options.config ?? {}, { fieldName: (p) => `config.${p.join('.')}` });
  if (config.batchSize > data.rows)
    throw new BoltzflowError('config.batchSize', config.batchSize, `at most ${data.rows}, the number of training rows`);
  if (resume && resume.nVisible !== data.cols)
    throw new BoltzflowError('data', `${data.cols} columns`, `${resume.nVisible} columns, as the resumed model has`);
  if (options.visibleUnits && options.visibleUnits.type !== config.visibleUnits)
    throw new BoltzflowError(
      'visibleUnits',
      options.visibleUnits.type,
      `"${config.visibleUnits}" as config.visibleUnits says (set both; the defaults differ)`,
    );
  const backend = selectBackend(config.backend);
  return defer(() => {
    const initial = resume
      ? snapshotState(resume, { backend })
      : createRbm({
          nVisible: data.cols,
          nHidden: config.nHidden,
          seed: config.seed,
          backend,
          data,
          visibleUnits: options.visibleUnits ?? configVisibleUnits(config),
        });
    const start = resume ? { epoch: resume.counters.epoch, index: resume.counters.index } : { epoch: 0, index: 0 };
    const schedule = configSchedule(config, data.rows);
    return from(minibatches(data, { batchSize: config.batchSize, epochs: config.epochs, seed: config.seed, start, backend })).pipe(
      rbmSteps(initial, config, { schedule }),
    );
  });
}
