import { readFile, stat } from 'node:fs/promises';
import { Matrix } from '../kernels/Matrix.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Rng } from '../kernels/Rng.js';
import type { Backend } from '../kernels/Backend.js';
import { rbmFromParams, type Rbm } from '../models/rbm.js';
import { fileError } from './fileError.js';
import { decodeSnapshot, type Snapshot } from '../schemas/snapshot.js';

/** Largest snapshot file read (1 GiB): a bigger one is refused before it is read. */
export const MAX_SNAPSHOT_BYTES = 1 << 30;

/**
 * Reads and fully validates a snapshot file (see `snapshotSink`).
 *
 * @example
 * ```ts
 * import { readSnapshot, snapshotModel } from 'boltzflow';
 * const snap = await readSnapshot('runs/mnist/snapshot.msgpack');
 * const rbm = snapshotModel(snap);
 * ```
 */
export async function readSnapshot(path: string): Promise<Snapshot> {
  let bytes: Buffer;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_SNAPSHOT_BYTES) throw new BoltzflowError(path, `${size} bytes`, `a snapshot of at most ${MAX_SNAPSHOT_BYTES} bytes`);
    bytes = await readFile(path);
  } catch (e) {
    throw fileError(path, e, '--model', 'a readable snapshot file');
  }
  return decodeSnapshot(bytes, path);
}

/** The trained RBM in a snapshot, with a generator seeded by `seed` (or the snapshot's own state). */
export function snapshotModel(snap: Snapshot, backend?: Backend, seed?: number): Rbm {
  return rbmFromParams(
    {
      nVisible: snap.nVisible,
      nHidden: snap.nHidden,
      weights: new Matrix(snap.nVisible, snap.nHidden, snap.params.weights),
      visibleBias: snap.params.visibleBias,
      hiddenBias: snap.params.hiddenBias,
    },
    seed === undefined ? Rng.fromState(snap.rng) : Rng.fromSeed(seed),
    backend,
  );
}
