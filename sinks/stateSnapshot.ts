import { bmKind } from '../models/bmKind.js';
import type { Bm } from '../models/bm.js';
import type { Dbm } from '../models/dbm.js';
import { dbmKind } from '../models/dbmKind.js';
import type { AnyModel, TrainingState } from '../models/modelKinds.js';
import type { Rbm } from '../models/rbm.js';
import { rbmKind } from '../models/rbmKind.js';
import type { StepEvent } from '../operators/phases.js';
import type { DbnStepEvent } from '../pipelines/trainDbn.js';
import type { EncoderEvent, EncoderOptions } from '../pipelines/trainEncoder.js';
import type { BmSnapshot, DbmSnapshot, DbnSnapshot, ModelSnapshot } from '../schemas/modelSnapshot.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type DataInfo, type Snapshot } from '../schemas/snapshot.js';
import type { DbmConfig } from '../schemas/dbmConfig.js';
import type { TrainConfig } from '../schemas/trainConfig.js';

// A snapshot is the kind's own part of the state (`kind.save`: parameters, velocity, chains) between
// the format's header and the run's generator, counters and metrics.
const header = { format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION } as const;
const tail = (state: TrainingState<AnyModel>, e: { metrics: Readonly<Record<string, number>> }) => ({
  rng: Array.from(state.model.rng.state()),
  counters: { ...state.counters },
  metrics: { ...e.metrics },
  savedAt: new Date().toISOString(),
});

/** An RBM's step event as a snapshot (views of the state: encode it before the next step). */
export function toSnapshot(e: Pick<StepEvent<Rbm>, 'state' | 'metrics'>, config: TrainConfig, data: DataInfo): Snapshot {
  return { ...header, model: 'rbm', ...rbmKind.save(e.state), config, data, ...tail(e.state, e) };
}

/** A general BM's step event as a snapshot. */
export function bmSnapshot(
  e: Pick<StepEvent<Bm>, 'state'> & { metrics: Readonly<Record<string, number>> },
  config: Record<string, unknown>,
): BmSnapshot {
  return { ...header, model: 'bm', ...bmKind.save(e.state), config, ...tail(e.state, e) };
}

/** A DBM's step event as a snapshot. */
export function dbmSnapshot(e: Pick<StepEvent<Dbm>, 'state' | 'metrics'>, config: DbmConfig, data: DataInfo): DbmSnapshot {
  return { ...header, model: 'dbm', ...dbmKind.save(e.state), config, data, ...tail(e.state, e) };
}

/** A DBN's step event as a snapshot: the layers trained so far (parameters only) and the one in training, whole. */
export function dbnSnapshot(e: DbnStepEvent, layers: readonly TrainConfig[], data: DataInfo): DbnSnapshot {
  const trained = e.dbn.layers.slice(0, e.layer).map((model) => {
    const { nVisible, nHidden, params } = rbmKind.save({ kind: rbmKind, model, velocity: null, chains: null, counters: e.state.counters });
    return { nVisible, nHidden, ...params };
  });
  return {
    ...header,
    model: 'dbn',
    layers: [...layers],
    trained,
    current: toSnapshot(e, layers[e.layer], layerData(e.layer, data)),
    data,
    savedAt: new Date().toISOString(),
  };
}

/** The data as the layer in training sees it: the standardisation belongs to the first layer's (Gaussian) units only. */
function layerData(layer: number, data: DataInfo): DataInfo {
  if (layer === 0 || !data.standardization) return data;
  const { standardization: _, ...rest } = data;
  return rest;
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
 * tests passed in a row and the solving cycle, so that `trainEncoder({ ...snap.config, resume: snap })` continues it.
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
  return bmSnapshot(
    { state: e.state, metrics: { statisticsGap: e.statisticsGap } },
    { ...rest, passes: e.passes, recent: e.recent, solvedAt: e.solvedAt },
  );
}
