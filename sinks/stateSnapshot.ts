import type { Bm } from '../models/bm.js';
import type { BmBuffers } from '../models/bmKind.js';
import type { Dbm } from '../models/dbm.js';
import type { DbmMoments } from '../models/dbmPhases.js';
import type { AnyModel, TrainingState } from '../models/modelKinds.js';
import type { Rbm } from '../models/rbm.js';
import type { StepEvent } from '../operators/phases.js';
import type { DbnStepEvent } from '../pipelines/trainDbn.js';
import type { EncoderEvent, EncoderOptions } from '../pipelines/trainEncoder.js';
import type { BmSnapshot, DbmSnapshot, DbnSnapshot, ModelSnapshot } from '../schemas/modelSnapshot.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type DataInfo } from '../schemas/snapshot.js';
import type { DbmConfig } from '../schemas/dbmConfig.js';
import type { TrainConfig } from '../schemas/trainConfig.js';
import { toSnapshot } from './snapshotSink.js';

const header = { format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION } as const;
const tail = (state: TrainingState<AnyModel>, e: Pick<StepEvent<AnyModel>, 'metrics'>) => ({
  rng: Array.from(state.model.rng.state()),
  counters: { ...state.counters },
  metrics: { ...e.metrics },
  savedAt: new Date().toISOString(),
});

/** A general BM's step event as a snapshot (views of the state: encode it before the next step). */
export function bmSnapshot(e: Pick<StepEvent<Bm>, 'state' | 'metrics'>, config: Record<string, unknown>): BmSnapshot {
  const { model, velocity, chains } = e.state;
  const p = model.params;
  const tensors = (t: BmBuffers) => ({ weights: t.weights.data, bias: t.bias });
  return {
    ...header,
    model: 'bm',
    nUnits: p.nUnits,
    nVisible: p.nVisible,
    spin: p.spin,
    mask: p.mask,
    params: tensors(p),
    velocity: velocity && tensors(velocity),
    chains: chains && { rows: chains.states.rows, states: chains.states.data },
    config,
    ...tail(e.state, e),
  };
}

/** A DBM's step event as a snapshot. */
export function dbmSnapshot(e: StepEvent<Dbm>, config: DbmConfig, data: DataInfo): DbmSnapshot {
  const { model, velocity, chains } = e.state;
  const tensors = (t: DbmMoments) => ({ weights: t.weights.map((w) => w.data), biases: [...t.biases] });
  return {
    ...header,
    model: 'dbm',
    sizes: [...model.params.sizes],
    params: tensors(model.params),
    velocity: velocity && tensors(velocity),
    chains: chains && { rows: chains.layers[0].rows, layers: chains.layers.map((l) => l.data) },
    config,
    data,
    ...tail(e.state, e),
  };
}

/** A DBN's step event as a snapshot: the layers trained so far and the one in training, whole. */
export function dbnSnapshot(e: DbnStepEvent, layers: readonly TrainConfig[], data: DataInfo): DbnSnapshot {
  const trained = e.dbn.layers.slice(0, e.layer).map(({ params: p }) => ({
    nVisible: p.nVisible,
    nHidden: p.nHidden,
    weights: p.weights.data,
    visibleBias: p.visibleBias,
    hiddenBias: p.hiddenBias,
    ...(p.logVariance ? { logVariance: p.logVariance } : {}),
  }));
  return {
    ...header,
    model: 'dbn',
    layers: [...layers],
    trained,
    current: toSnapshot(e, layers[e.layer], data),
    data,
    savedAt: new Date().toISOString(),
  };
}

/**
 * The snapshot of a step event of any model kind: an RBM's (`toSnapshot`), a general BM's or a
 * DBM's, by the kind of the run's model. `config` is the run's own (a `TrainConfig`, a `DbmConfig`,
 * or the options of a BM pipeline).
 */
export function stateSnapshot(e: StepEvent<AnyModel>, config: unknown, data: DataInfo): ModelSnapshot {
  const model = e.state.model;
  if (model.kind === 'bm') return bmSnapshot(e as StepEvent<Bm>, config as Record<string, unknown>);
  if (model.kind === 'dbm') return dbmSnapshot(e as StepEvent<Dbm>, config as DbmConfig, data);
  return toSnapshot(e as StepEvent<Rbm>, config as TrainConfig, data);
}

/**
 * An encoder run's snapshot after a cycle: the BM's whole state, and the run's options with the
 * recall tests passed in a row, so that `trainEncoder({ ...snap.config, resume: snap })` continues it.
 *
 * @example
 * ```ts
 * import { lastValueFrom, take, last } from 'rxjs';
 * import { trainEncoder, encoderSnapshot } from 'boltzflow';
 * const options = { visible: 4, hidden: 2, seed: 1, maxCycles: 40 };
 * const e = await lastValueFrom(trainEncoder(options).pipe(take(20), last()));
 * const end = await lastValueFrom(trainEncoder({ ...options, resume: encoderSnapshot(e, options) }).pipe(last()));
 * console.log(end.cycle); // 40 (or fewer, once solved)
 * ```
 */
export function encoderSnapshot(e: EncoderEvent, options: Omit<EncoderOptions, 'resume'>): BmSnapshot {
  const { resume: _, ...rest } = options as EncoderOptions;
  return bmSnapshot({ state: e.state, metrics: { statisticsGap: e.statisticsGap } }, { ...rest, passes: e.passes });
}
