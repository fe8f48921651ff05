import { concat, defer, from, map, tap, type Observable } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Backend } from '../kernels/Backend.js';
import type { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { reusableMatrix } from '../kernels/reusableMatrix.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { createRbm, hiddenProbs, rbmFromParams, zeroRbmParams, type Rbm } from '../models/rbm.js';
import type { TiedCopies } from '../operators/tieCopies.js';
import type { Minibatch, StepEvent } from '../operators/phases.js';
import { parseWith } from '../schemas/parseWith.js';
import { trainConfigSchema, type TrainConfigInput } from '../schemas/trainConfig.js';
import { minibatches } from '../sources/minibatches.js';
import { configSchedule, rbmSteps } from './rbmSteps.js';
import { featureMeans } from './trainDbn.js';

export interface PretrainDbmOptions {
  /** Training data for the bottom layer, one row per example (binary or in [0, 1]). */
  data: Matrix;
  /**
   * One training config per hidden layer of the DBM, bottom first (at least two; `nHidden`,
   * `epochs`, …); what a config leaves out comes from {@link PRETRAIN_DBM_DEFAULTS}, then from
   * an RBM's defaults.
   */
  layers: readonly TrainConfigInput[];
}

/**
 * The modified RBMs' recipe unless a layer's config says otherwise: PCD-1 at learning rate 0.05
 * (falling linearly), no centering — what `npm run bench:dbm` measured (an RBM's own defaults,
 * centered PCD-2 at 0.1, were tuned for single RBMs).
 */
export const PRETRAIN_DBM_DEFAULTS = { method: 'pcd', k: 1, centering: false, learningRate: 0.05 } as const satisfies TrainConfigInput;

/** A step event of one modified RBM of a DBM's pretraining. */
export interface PretrainDbmEvent extends StepEvent {
  /** 0-based index of the layer this step trained. */
  readonly layer: number;
  /** Updates made over all layers, this one included. */
  readonly totalStep: number;
  /** Which side of this layer's RBM (`model`) is two tied copies. */
  readonly copies: TiedCopies;
  /**
   * The layers so far as ordinary RBMs, one copy of each doubled side (copies of the parameters):
   * the trained ones and this one as it stands. The last event's are the stack for
   * `createDbm({ rbms })` or `trainDbm({ pretrained })`.
   */
  readonly rbms: () => Rbm[];
}

/**
 * Greedy pretraining of a DBM with Salakhutdinov & Hinton's (2009) modified RBMs, which keep a
 * layer from counting its evidence twice once the stack is joined: the bottom RBM sees its input
 * doubled, P(h¹ | v) = σ(c + 2W¹ᵀv) with P(v | h¹) = σ(b + W¹h¹); the top RBM gives its input
 * doubled top-down input, P(hᴸ⁻¹ | hᴸ) = σ(b + 2Wᴸhᴸ) with P(hᴸ | hᴸ⁻¹) = σ(c + Wᴸᵀhᴸ⁻¹); a
 * middle one both (in the DBM each of its layers hears from both sides). Each doubled side is two
 * tied copies of the layer — an ordinary RBM with twice the units on that side, its copies started
 * equal and kept equal by `tieCopies` — trained by the same four operators as any RBM; each layer
 * learns from the one below's P(h | v) (with its doubled input). Not resumable: it is the short
 * first part of a DBM's training.
 *
 * @example
 * ```ts
 * import { last, lastValueFrom } from 'rxjs';
 * import { loadDataset, pretrainDbm, trainDbm } from 'boltzflow';
 * const { data } = await loadDataset('mnist', { limit: 500, binarize: 'stochastic' });
 * const pre = await lastValueFrom(pretrainDbm({ data, layers: [{ nHidden: 40, batchSize: 50 }, { nHidden: 20, batchSize: 50 }] }).pipe(last()));
 * console.log(pre.model.params.nHidden, pre.rbms().map((r) => r.params.nHidden)); // 40 [40, 20]
 * const dbm = await lastValueFrom(trainDbm({ data, pretrained: pre.rbms(), config: { epochs: 1, batchSize: 50 } }).pipe(last()));
 * console.log(dbm.model.params.sizes); // [784, 40, 20]
 * ```
 */
export function pretrainDbm(options: PretrainDbmOptions): Observable<PretrainDbmEvent> {
  const { data } = options;
  if (options.layers.length < 2)
    throw new BoltzflowError('layers', `${options.layers.length} layer(s)`, 'one training config per hidden layer, at least 2');
  const configs = options.layers.map((c, l) =>
    parseWith(trainConfigSchema, { ...PRETRAIN_DBM_DEFAULTS, ...c }, { fieldName: (p) => `layers[${l}].${p.join('.')}` }),
  );
  const L = configs.length;
  configs.forEach((c, l) => {
    if (c.batchSize > data.rows)
      throw new BoltzflowError(`layers[${l}].batchSize`, c.batchSize, `at most ${data.rows}, the number of training rows`);
    if (c.visibleUnits !== 'bernoulli')
      throw new BoltzflowError(`layers[${l}].visibleUnits`, c.visibleUnits, '"bernoulli" (a DBM\'s units are binary)');
    if (c.objective !== 'generative')
      throw new BoltzflowError(`layers[${l}].objective`, c.objective, '"generative" (pretraining has no labels)');
  });
  return defer(() => {
    // Per trained layer: the ordinary RBM, and its bottom-up pass (weights doubled where its input was).
    const trained: Rbm[] = [];
    const upward: Rbm[] = [];
    return concat(
      ...configs.map((config, l) =>
        defer(() => {
          const copies = { visible: l < L - 1, hidden: l > 0 };
          const below = trained.slice();
          const backend = selectBackend(config.backend);
          const buffers = upward.map((r) => reusableMatrix(r.params.nHidden));
          const upPass = (x: Matrix): Matrix => upward.reduce((h, r, i) => hiddenProbs(r, h, buffers[i](h.rows)), x);
          const n = l === 0 ? data.cols : trained[l - 1].params.nHidden;
          const means = l === 0 ? columnMeans(backend, data) : featureMeans(backend, data, upPass, n);
          const model = tiedRbm(n, config.nHidden, copies, { seed: config.seed, backend, means });
          const doubled = reusableMatrix(copies.visible ? 2 * n : n);
          const offset = configs.slice(0, l).reduce((k, c) => k + c.epochs * Math.ceil(data.rows / c.batchSize), 0);
          let last: Rbm = model;
          return from(minibatches(data, { batchSize: config.batchSize, epochs: config.epochs, seed: config.seed })).pipe(
            map((batch): Minibatch => ({ ...batch, data: copies.visible ? duplicated(upPass(batch.data), doubled) : upPass(batch.data) })),
            rbmSteps(model, config, { schedule: configSchedule(config, data.rows), tie: copies }),
            map((e): PretrainDbmEvent => {
              last = e.model;
              return { ...e, layer: l, totalStep: offset + e.step, copies, rbms: () => [...below, oneCopy(e.model, copies, 1)] };
            }),
            tap({
              complete: () => {
                trained.push(oneCopy(last, copies, 1));
                upward.push(oneCopy(last, copies, copies.visible ? 2 : 1));
              },
            }),
          );
        }),
      ),
    );
  });
}

/** A V×H RBM with the `copies` sides doubled, its copies equal: the start of a modified RBM. */
function tiedRbm(V: number, H: number, copies: TiedCopies, o: { seed: number; backend: Backend; means: Float32Array }): Rbm {
  const [dv, dh] = [copies.visible ? 2 : 1, copies.hidden ? 2 : 1];
  const visibleMeans = new Float32Array(V * dv);
  for (let c = 0; c < dv; c++) visibleMeans.set(o.means, c * V);
  const rbm = createRbm({ nVisible: V * dv, nHidden: H * dh, seed: o.seed, backend: o.backend, visibleMeans });
  const w = rbm.params.weights.data;
  for (let i = 0; i < V; i++)
    for (let j = 0; j < H; j++) {
      const x = w[i * H * dh + j];
      for (let a = 0; a < dv; a++) for (let b = 0; b < dh; b++) w[(a * V + i) * H * dh + b * H + j] = x;
    }
  return rbm;
}

/** One copy of each doubled side of a modified RBM, as an ordinary RBM (fresh arrays), its weights times `weightScale`. */
function oneCopy(rbm: Rbm, copies: TiedCopies, weightScale: number): Rbm {
  const { nVisible, nHidden, weights, visibleBias, hiddenBias } = rbm.params;
  const [V, H] = [copies.visible ? nVisible / 2 : nVisible, copies.hidden ? nHidden / 2 : nHidden];
  const params = zeroRbmParams(V, H, undefined, rbm.backend);
  for (let i = 0; i < V; i++) for (let j = 0; j < H; j++) params.weights.data[i * H + j] = weightScale * weights.data[i * nHidden + j];
  params.visibleBias.set(visibleBias.subarray(0, V));
  params.hiddenBias.set(hiddenBias.subarray(0, H));
  return rbmFromParams(params, Rng.fromState(rbm.rng.state()), rbm.backend);
}

/** [x, x]: each row twice, side by side, into a reused buffer. */
function duplicated(x: Matrix, buffer: (rows: number) => Matrix): Matrix {
  const out = buffer(x.rows);
  for (let r = 0; r < x.rows; r++) {
    const row = x.row(r);
    out.data.set(row, r * out.cols);
    out.data.set(row, r * out.cols + x.cols);
  }
  return out;
}

function columnMeans(backend: Backend, data: Matrix): Float32Array {
  const means = new Float32Array(data.cols);
  backend.columnSums(data, 1 / data.rows, 0, means);
  return means;
}
