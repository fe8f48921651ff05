import { lastValueFrom } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { pseudoLikelihood } from '../models/pseudoLikelihood.js';
import { hiddenProbs, rbmFromParams, type Rbm } from '../models/rbm.js';
import { sampleRbm } from '../models/sampleRbm.js';
import type { StepEvent } from '../operators/phases.js';
import { parseWith } from '../schemas/parseWith.js';
import type { DataInfo, Snapshot } from '../schemas/snapshot.js';
import { trainConfigSchema, type TrainConfig, type TrainConfigInput } from '../schemas/trainConfig.js';
import { toSnapshot } from '../sinks/stateSnapshot.js';
import { snapshotState } from '../sources/readSnapshot.js';
import { trainOnline } from './trainOnline.js';
import { trainRbm } from './trainRbm.js';

/** Rows of data: a `Matrix`, or an array of equal-length arrays of numbers in [0, 1]. */
export type Rows = Matrix | ArrayLike<ArrayLike<number>>;

/** `BernoulliRBM`'s options: a training config (`trainConfigSchema`: nHidden, learningRate, batchSize, epochs, method, k, seed, backend…). */
export type BernoulliRBMOptions = Omit<TrainConfigInput, 'visibleUnits' | 'learnVariance'>;

/**
 * A Bernoulli RBM with scikit-learn's shape (`BernoulliRBM`): `fit`, `partialFit`, `transform`,
 * `scoreSamples`, `sample`, on `number[][]` or a `Matrix`. Underneath it is the library itself:
 * `fit` is `trainRbm` (the four operators, with the config's defaults: centered PCD-2, a learning
 * rate falling linearly over `epochs`), `partialFit` one pass of `trainOnline` that continues the
 * model, its chains and its optimiser at a constant rate. `snapshot` is the state after the last
 * call, which `encodeSnapshot` saves and the CLI reads.
 *
 * @example
 * ```ts
 * import { BernoulliRBM } from 'boltzflow';
 * const x = Array.from({ length: 40 }, (_, r) => Array.from({ length: 8 }, (_, i) => Number(i % 2 === r % 2)));
 * const rbm = await new BernoulliRBM({ nHidden: 4, epochs: 200, batchSize: 10 }).fit(x);
 * const features = rbm.transform(x.slice(0, 2)); // P(h = 1 | x): 2 rows of 4
 * const scores = rbm.scoreSamples(x.slice(0, 2)); // pseudo-log-likelihood of each row
 * console.log(features.length, features[0].length, scores[0] > -1); // 2 4 true (a random model: 8 ln ½ = −5.5)
 * await rbm.partialFit(x.slice(0, 20)); // one more pass over new rows
 * console.log(rbm.sample(3).length); // 3
 * ```
 */
export class BernoulliRBM {
  readonly config: TrainConfig;
  #snapshot: Snapshot | null = null;
  #model: Rbm | null = null;

  constructor(options: BernoulliRBMOptions = {}) {
    this.config = parseWith(trainConfigSchema, { ...options, visibleUnits: 'bernoulli' }, { fieldName: (p) => `options.${p.join('.')}` });
  }

  /** The training state after the last `fit` or `partialFit` (null before). */
  get snapshot(): Snapshot | null {
    return this.#snapshot;
  }

  /** Trains afresh on `x` for `config.epochs` epochs. */
  async fit(x: Rows): Promise<this> {
    const data = toMatrix(x, 'fit(x)');
    const last = await lastValueFrom(trainRbm({ data, config: this.config }), { defaultValue: null });
    this.#keep(last, this.config, data.rows);
    return this;
  }

  /** One pass over `x` in minibatches, continuing what was learned (a first call starts a model from `x`). */
  async partialFit(x: Rows): Promise<this> {
    const data = toMatrix(x, 'partialFit(x)');
    if (this.#snapshot && data.cols !== this.#snapshot.nVisible)
      throw new BoltzflowError('partialFit(x)', `${data.cols} columns`, `${this.#snapshot.nVisible}, as the model has`);
    // Online learning has no known length to decay over: the rate is the config's, constant.
    const config = { ...(this.#snapshot?.config ?? this.config), learningRateSchedule: 'constant' as const };
    const resume = this.#snapshot ? { ...this.#snapshot, config } : undefined;
    async function* rows() {
      for (let r = 0; r < data.rows; r++)
        yield { values: data.data.subarray(r * data.cols, (r + 1) * data.cols), where: `partialFit(x) row ${r}` };
    }
    const last = await lastValueFrom(trainOnline({ records: rows(), config, resume }), { defaultValue: null });
    this.#keep(last, config, data.rows + (this.#snapshot?.data.rows ?? 0));
    return this;
  }

  /** P(h = 1 | x) for each row: the hidden units' probabilities, features for a downstream model. */
  transform(x: Matrix): Matrix;
  transform(x: ArrayLike<ArrayLike<number>>): number[][];
  transform(x: Rows): Matrix | number[][] {
    const rbm = this.#fitted('transform');
    const data = toMatrix(x, 'transform(x)', rbm.params.nVisible);
    const out = hiddenProbs(rbm, data, Matrix.zeros(data.rows, rbm.params.nHidden));
    return x instanceof Matrix ? out : toRows(out);
  }

  /** The pseudo-log-likelihood of each row (every unit's ln P(vᵢ | v₋ᵢ), summed; scikit-learn samples one unit of it). */
  scoreSamples(x: Rows): Float64Array {
    const rbm = this.#fitted('scoreSamples');
    return pseudoLikelihood(rbm, toMatrix(x, 'scoreSamples(x)', rbm.params.nVisible));
  }

  /** `n` samples: P(v | h) after `steps` block-Gibbs steps from the visible biases, seeded by `seed`. */
  sample(n: number, options: { steps?: number; seed?: number } = {}): number[][] {
    const rbm = this.#fitted('sample');
    const sampler = rbmFromParams(rbm.params, Rng.fromSeed(options.seed ?? this.config.seed), rbm.backend);
    return toRows(sampleRbm(sampler, { n, steps: options.steps ?? 1000 }).probs);
  }

  #keep(last: StepEvent | null, config: TrainConfig, rows: number): void {
    if (!last) return;
    const data: DataInfo = { name: 'BernoulliRBM', rows, imageShape: null, binarize: 'none' };
    // The snapshot's arrays are views of the state; nothing trains it after the stream completes.
    this.#snapshot = toSnapshot(last, config, data);
    this.#model = snapshotState(this.#snapshot, { backend: selectBackend(config.backend) }).model;
  }

  #fitted(method: string): Rbm {
    if (!this.#model) throw new BoltzflowError(method, 'an unfitted BernoulliRBM', 'fit(x) or partialFit(x) first');
    return this.#model;
  }
}

function toMatrix(x: Rows, field: string, cols?: number): Matrix {
  const m = x instanceof Matrix ? x : Matrix.from(x);
  if (m.rows === 0) throw new BoltzflowError(field, 'no rows', 'at least one row');
  if (cols !== undefined && m.cols !== cols) throw new BoltzflowError(field, `${m.cols} columns`, `${cols}, as the model has`);
  return m;
}

function toRows(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
}
