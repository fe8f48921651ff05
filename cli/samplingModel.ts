import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Rng } from '../kernels/Rng.js';
import type { Dbm } from '../models/dbm.js';
import { createDbn, type Dbn } from '../models/dbn.js';
import { rbmFromParams, type Rbm } from '../models/rbm.js';
import type { ModelSnapshot } from '../schemas/modelSnapshot.js';
import type { DataInfo } from '../schemas/snapshot.js';
import { snapshotModel } from '../sources/readSnapshot.js';
import { dbmSnapshotState, dbnSnapshotState } from '../sources/restoreState.js';
import { isGaussian } from './visibleData.js';

/** A DBN snapshot's layer in training, left out of sampling (1-based, as printed). */
export interface LayerInTraining {
  readonly layer: number;
  readonly epoch: number;
  readonly epochs: number;
}

/** The model of a snapshot, ready to sample from, with what `sample` and `complete` need to know of it. */
export type SamplingModel = (
  | { readonly kind: 'rbm'; readonly rbm: Rbm }
  | { readonly kind: 'dbm'; readonly dbm: Dbm }
  | {
      readonly kind: 'dbn';
      readonly dbn: Dbn;
      /** Layers in the network (the trained ones are `dbn.layers`). */
      readonly of: number;
      readonly inTraining: LayerInTraining | null;
    }
) & {
  readonly nVisible: number;
  /** Gaussian visible units (an RBM's, or a DBN's first layer's): values are real, in the data's units once mapped back. */
  readonly gaussian: boolean;
  readonly data: DataInfo;
};

/**
 * The model in a snapshot of an RBM, a DBM or a DBN, on `backend`, every draw from one generator
 * seeded with `seed`. A DBN's layer in training (a snapshot taken mid-way) is not a trained layer:
 * the network is the layers trained so far, with the top one's RBM as its top level; the layer in
 * training counts as trained once its epochs are done (the last snapshot of a finished run). A
 * general BM's snapshot, or a DBN's with no layer trained yet, is refused naming `field`.
 */
export function samplingModel(
  snap: ModelSnapshot,
  options: { backend: Backend; seed: number; path: string; field?: string },
): SamplingModel {
  const { backend, seed, path, field = '--model' } = options;
  if (snap.model === 'rbm') {
    const rbm = snapshotModel(snap, { backend, seed });
    return { kind: 'rbm', rbm, nVisible: snap.nVisible, gaussian: isGaussian(snap), data: snap.data };
  }
  if (snap.model === 'dbm') {
    const dbm: Dbm = { ...dbmSnapshotState(snap, { backend }).model, rng: Rng.fromSeed(seed) };
    return { kind: 'dbm', dbm, nVisible: snap.sizes[0], gaussian: false, data: snap.data };
  }
  if (snap.model === 'dbn') {
    const restored = dbnSnapshotState(snap, { backend });
    const current = snap.current;
    const done = current.counters.epoch >= current.config.epochs;
    const trained = done ? [...restored.trained, restored.state.model] : restored.trained;
    const inTraining = done ? null : { layer: snap.trained.length + 1, epoch: current.counters.epoch, epochs: current.config.epochs };
    if (trained.length === 0)
      throw new BoltzflowError(
        field,
        `${path}: a DBN whose first layer is still in training (epoch ${current.counters.epoch} of ${current.config.epochs})`,
        `a DBN snapshot with at least one trained layer (continue the run: boltzflow train --resume ${path})`,
      );
    const rng = Rng.fromSeed(seed);
    const dbn = createDbn(trained.map((r) => rbmFromParams(r.params, rng, backend)));
    const gaussian = snap.layers[0].visibleUnits === 'gaussian';
    return { kind: 'dbn', dbn, of: snap.layers.length, inTraining, nVisible: trained[0].params.nVisible, gaussian, data: snap.data };
  }
  throw new BoltzflowError(
    field,
    `${path}: a general BM's snapshot`,
    "an RBM's, a DBN's or a DBM's snapshot (a general BM samples and completes from the library: annealStates, completePattern)",
  );
}

/** What a DBN's sample or completion used, for a summary: the trained layers of how many, and the one in training left out. */
export function dbnLayersUsed(m: SamplingModel): { used: number; of: number; inTraining: LayerInTraining | null } | undefined {
  return m.kind === 'dbn' ? { used: m.dbn.layers.length, of: m.of, inTraining: m.inTraining } : undefined;
}

/** The same, as a phrase for people: `; DBN: 1 of 2 layers (layer 2, in training at epoch 1 of 2, is not used)`. */
export function dbnLayersPhrase(m: SamplingModel): string {
  if (m.kind !== 'dbn') return '';
  const left = m.inTraining
    ? ` (layer ${m.inTraining.layer}, in training at epoch ${m.inTraining.epoch} of ${m.inTraining.epochs}, is not used)`
    : '';
  return `; DBN: ${m.dbn.layers.length} of ${m.of} layers${left}`;
}
