import { readFile, stat } from 'node:fs/promises';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Rng } from '../kernels/Rng.js';
import type { Backend } from '../kernels/Backend.js';
import { selectBackend } from '../kernels/selectBackend.js';
import type { TrainingState } from '../models/modelKinds.js';
import type { Rbm } from '../models/rbm.js';
import { rbmKind } from '../models/rbmKind.js';
import { restoreRun } from '../models/trainingState.js';
import { fileError } from './fileError.js';
import { isNatsSpec, natsObjectAddress } from './natsAddress.js';
import { readObject } from './natsObjects.js';
import { decodeModelSnapshot, type ModelSnapshot } from '../schemas/modelSnapshot.js';
import { SNAPSHOT_LIMITS, type Snapshot } from '../schemas/snapshot.js';

/** Largest snapshot file read (`SNAPSHOT_LIMITS.maxBytes`, 1 GiB, which the writer keeps to too): a bigger one is refused before it is read. */
export const MAX_SNAPSHOT_BYTES = SNAPSHOT_LIMITS.maxBytes;

/**
 * Reads and fully validates a snapshot file (see `snapshotSink`). `field` names it in errors
 * (default `--model`).
 *
 * @example
 * ```ts
 * import { readSnapshot, snapshotModel } from 'boltzflow';
 * const snap = await readSnapshot('runs/mnist/snapshot.msgpack');
 * const rbm = snapshotModel(snap, { seed: 1 });
 * ```
 */
export async function readSnapshot(path: string, options: { field?: string } = {}): Promise<Snapshot> {
  return rbmSnapshot(await readModelSnapshot(path, options), path);
}

/** The snapshot as an RBM's, or an error naming `path` and how a snapshot of another kind is used. */
export function rbmSnapshot(snap: ModelSnapshot, path: string): Snapshot {
  if (snap.model !== 'rbm')
    throw new BoltzflowError(
      `${path} model`,
      snap.model,
      `"rbm" (this command reads RBM snapshots; a ${snap.model} run is resumed with boltzflow train --resume)`,
    );
  return snap;
}

/**
 * Reads and fully validates a snapshot of any model kind (rbm, bm, dbm, dbn): a file, or an object
 * of a JetStream object store, `nats://HOST:PORT/BUCKET[/NAME]` (`latest` by default: what a run
 * with `--snapshot-store` put there last). `field` names it in errors (default `--model`).
 */
export async function readModelSnapshot(path: string, options: { field?: string } = {}): Promise<ModelSnapshot> {
  if (isNatsSpec(path)) {
    const field = options.field ?? '--model';
    return decodeModelSnapshot(await readObject(natsObjectAddress(path, field), field, MAX_SNAPSHOT_BYTES), path);
  }
  let bytes: Buffer;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_SNAPSHOT_BYTES) throw new BoltzflowError(path, `${size} bytes`, `a snapshot of at most ${MAX_SNAPSHOT_BYTES} bytes`);
    bytes = await readFile(path);
  } catch (e) {
    throw fileError(path, e, options.field ?? '--model', 'a readable snapshot file');
  }
  return decodeModelSnapshot(bytes, path);
}

export interface SnapshotModelOptions {
  /** By default the fastest available (`selectBackend('auto')`: native, wasm, then js); `jsBackend` gives the reference's bits. */
  backend?: Backend;
  /** Seed a fresh generator; by default the model continues the snapshot's generator state. */
  seed?: number;
  /** Copy the parameters (for training, which writes them; the weights into the backend's own memory where it has one); by default they are views of the snapshot. */
  copy?: boolean;
}

/** The RBM in a snapshot: its parameters, a generator and a backend (the fastest available unless `backend` is given). */
export function snapshotModel(snap: Snapshot, options: SnapshotModelOptions = {}): Rbm {
  const { backend = selectBackend('auto'), seed, copy = false } = options;
  const { model } = rbmKind.view(snap, seed === undefined ? Rng.fromState(snap.rng) : Rng.fromSeed(seed), backend);
  return copy ? rbmKind.copy(model) : model;
}

/**
 * The training state in a snapshot, to resume its run bit for bit: the model (its own copy of the
 * parameters, in `backend`'s memory; the fastest available by default), the velocity, the persistent
 * chains with their hidden states (absent from old snapshots: the resumed run samples them), the
 * generator and the counters.
 *
 * @example
 * ```ts
 * import { from, lastValueFrom } from 'rxjs';
 * import { readSnapshot, snapshotState, rbmSteps, minibatches, loadDataset } from 'boltzflow';
 * const snap = await readSnapshot('runs/mnist/snapshot.msgpack');
 * const { data } = await loadDataset('mnist', { limit: snap.data.rows });
 * const state = snapshotState(snap);
 * const batches = minibatches(data, { batchSize: snap.config.batchSize, epochs: snap.config.epochs + 1, seed: snap.config.seed, start: snap.counters });
 * await lastValueFrom(from(batches).pipe(rbmSteps(state, snap.config)));
 * ```
 */
export function snapshotState(snap: Snapshot, options: { backend?: Backend } = {}): TrainingState<Rbm> {
  return restoreRun(rbmKind, snap, { ...snap, backend: options.backend ?? selectBackend('auto') });
}
