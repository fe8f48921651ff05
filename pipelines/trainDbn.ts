import { concat, defer, EMPTY, from, map, tap, type Observable } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import { selectBackend } from '../kernels/selectBackend.js';
import type { Backend } from '../kernels/Backend.js';
import { createDbn, type Dbn } from '../models/dbn.js';
import { createRbm, hiddenProbs, type Rbm } from '../models/rbm.js';
import type { Minibatch, StepEvent } from '../operators/phases.js';
import { parseWith } from '../schemas/parseWith.js';
import type { DbnSnapshot } from '../schemas/modelSnapshot.js';
import { trainConfigSchema, type TrainConfigInput } from '../schemas/trainConfig.js';
import { dbnSnapshotState } from '../sources/restoreState.js';
import { minibatches } from '../sources/minibatches.js';
import { configSchedule, configVisibleUnits, rbmSteps } from './rbmSteps.js';

export interface TrainDbnOptions {
  /** Training data for the bottom layer, one row per example. */
  data: Matrix;
  /** One training config per layer, bottom first (`nHidden`, `epochs`, …; each its own defaults). */
  layers: readonly TrainConfigInput[];
  /** Continue this run (its layer configs win): the layers it had trained are kept, the one in training continues bit for bit. */
  resume?: DbnSnapshot;
}

/** A step event of one layer of a DBN being trained. */
export interface DbnStepEvent extends StepEvent {
  /** 0-based index of the layer this step trained. */
  readonly layer: number;
  /** The network so far: the layers below, trained, and this one, in training. */
  readonly dbn: Dbn;
  /** Updates made over all layers, this one included (`step` counts this layer's). */
  readonly totalStep: number;
}

/**
 * Trains a deep belief network greedily, layer by layer (Hinton, Osindero & Teh 2006): each layer
 * is an RBM trained by the same four operators as `trainRbm`, on minibatches of the data passed up
 * through the layers already trained (their hidden probabilities, computed per minibatch, never
 * stored whole). One event per minibatch per layer; the last event's `dbn` is the whole network.
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { trainDbn, dbnFeatures, loadDataset } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 1000 });
 * const final = await lastValueFrom(trainDbn({ data, layers: [{ nHidden: 64, batchSize: 50 }, { nHidden: 32, batchSize: 50 }] }).pipe(last()));
 * console.log(final.layer, dbnFeatures(final.dbn, data).cols); // 1 32
 * ```
 */
export function trainDbn(options: TrainDbnOptions): Observable<DbnStepEvent> {
  const { data, resume } = options;
  if (!resume && options.layers.length === 0) throw new BoltzflowError('layers', 'none', 'one training config per layer');
  const configs = resume
    ? resume.layers
    : options.layers.map((c, l) => parseWith(trainConfigSchema, c, { fieldName: (p) => `layers[${l}].${p.join('.')}` }));
  const bottom = resume ? (resume.trained[0]?.nVisible ?? resume.current.nVisible) : data.cols;
  if (bottom !== data.cols) throw new BoltzflowError('data', `${data.cols} columns`, `${bottom} columns, as the resumed DBN has`);
  configs.forEach((c, l) => {
    if (c.batchSize > data.rows)
      throw new BoltzflowError(`layers[${l}].batchSize`, c.batchSize, `at most ${data.rows}, the number of training rows`);
    if (l > 0 && c.visibleUnits !== 'bernoulli')
      throw new BoltzflowError(`layers[${l}].visibleUnits`, c.visibleUnits, '"bernoulli" (an upper layer sees hidden probabilities)');
  });
  return defer(() => {
    const restored = resume ? dbnSnapshotState(resume, { backend: selectBackend(configs[resume.trained.length].backend) }) : null;
    const trained: Rbm[] = restored ? restored.trained : [];
    return concat(
      ...configs.map((config, l) =>
        defer(() => {
          if (restored && l < restored.layer) return EMPTY; // trained before the snapshot
          const resumed = restored && l === restored.layer ? restored.state : null;
          const backend = selectBackend(config.backend);
          const below = trained.slice();
          const buffers = below.map((r) => reusableMatrix(r.params.nHidden));
          const upPass = (x: Matrix): Matrix => below.reduce((h, r, i) => hiddenProbs(r, h, buffers[i](h.rows)), x);
          const nVisible = l === 0 ? data.cols : below[l - 1].params.nHidden;
          const model = resumed
            ? resumed.model
            : createRbm({
                nVisible,
                nHidden: config.nHidden,
                seed: config.seed,
                backend,
                ...(l === 0 ? { data } : { visibleMeans: featureMeans(backend, data, upPass, nVisible) }),
                visibleUnits: l === 0 ? configVisibleUnits(config) : undefined,
              });
          let dbn: Dbn | null = null;
          const offset = configs.slice(0, l).reduce((n, c) => n + c.epochs * Math.ceil(data.rows / c.batchSize), 0);
          let trainedModel: Rbm = model;
          const start = resumed ? { epoch: resumed.counters.epoch, index: resumed.counters.index } : { epoch: 0, index: 0 };
          return from(minibatches(data, { batchSize: config.batchSize, epochs: config.epochs, seed: config.seed, start })).pipe(
            map((batch): Minibatch => ({ ...batch, data: upPass(batch.data) })),
            rbmSteps(resumed ?? model, config, { schedule: configSchedule(config, data.rows) }),
            map((e): DbnStepEvent => {
              // The run trains its own copy of `model`: the events' model is the one that learns.
              if (!dbn) {
                trainedModel = e.model;
                dbn = createDbn([...below, e.model]);
              }
              return { ...e, layer: l, dbn, totalStep: offset + e.step };
            }),
            tap({ complete: () => trained.push(trainedModel) }),
          );
        }),
      ),
    );
  });
}

/** The column means of the data passed up through the trained layers, 1,000 rows at a time (the features are never held whole). */
export function featureMeans(backend: Backend, data: Matrix, upPass: (x: Matrix) => Matrix, cols: number): Float32Array {
  const means = new Float32Array(cols);
  for (let from = 0; from < data.rows; from += 1000)
    backend.columnSums(upPass(data.rowRange(from, Math.min(data.rows, from + 1000))), 1 / data.rows, from === 0 ? 0 : 1, means);
  return means;
}
