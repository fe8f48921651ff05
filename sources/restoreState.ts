import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Rng } from '../kernels/Rng.js';
import { selectBackend } from '../kernels/selectBackend.js';
import type { Bm } from '../models/bm.js';
import { bmKind } from '../models/bmKind.js';
import type { Dbm } from '../models/dbm.js';
import { dbmKind } from '../models/dbmKind.js';
import type { TrainingState } from '../models/modelKinds.js';
import { restoreRun } from '../models/trainingState.js';
import { rbmFromParams, zeroRbmParams, type Rbm } from '../models/rbm.js';
import type { BmSnapshot, DbmSnapshot, DbnSnapshot } from '../schemas/modelSnapshot.js';
import { snapshotState } from './readSnapshot.js';

/**
 * A general BM's training state from its snapshot (own copies of every array), to resume it bit for bit.
 *
 * @example
 * ```ts
 * import { lastValueFrom, of } from 'rxjs';
 * import { applyUpdate, bmSnapshot, bmSnapshotState, clampVisible, collectStats, createBm, gibbsStep, Matrix } from 'boltzflow';
 * const bm = createBm({ nVisible: 2, nHidden: 1, seed: 1 });
 * const e = await lastValueFrom(of(Matrix.from([[1, 0]])).pipe(clampVisible(bm), gibbsStep({ chains: 'persistent' }), collectStats(), applyUpdate()));
 * console.log(bmSnapshotState(bmSnapshot(e, {})).counters.step); // 1
 * ```
 */
export function bmSnapshotState(snap: BmSnapshot): TrainingState<Bm> {
  return restoreRun(bmKind, snap, snap);
}

/** A DBM's training state from its snapshot (parameters in `backend`'s memory; by default the config's). */
export function dbmSnapshotState(snap: DbmSnapshot, options: { backend?: Backend } = {}): TrainingState<Dbm> {
  return restoreRun(dbmKind, snap, { ...snap, backend: options.backend ?? selectBackend(snap.config.backend) });
}

/** A DBN's trained layers (RBMs with fresh generators, unused by training) and the state of the layer in training, from its snapshot. */
export function dbnSnapshotState(
  snap: DbnSnapshot,
  options: { backend?: Backend } = {},
): { trained: Rbm[]; layer: number; state: TrainingState<Rbm> } {
  const backend = options.backend ?? selectBackend(snap.current.config.backend);
  const trained = snap.trained.map((l, i) => {
    const first = snap.layers[0];
    const units =
      i === 0 && first.visibleUnits === 'gaussian' ? { type: 'gaussian' as const, learnVariance: first.learnVariance } : undefined;
    const p = zeroRbmParams(l.nVisible, l.nHidden, units, backend);
    p.weights.data.set(l.weights);
    p.visibleBias.set(l.visibleBias);
    p.hiddenBias.set(l.hiddenBias);
    if (l.logVariance) {
      if (!p.logVariance) throw new BoltzflowError(`trained[${i}].logVariance`, 'present', 'absent (only Gaussian visible units have one)');
      p.logVariance.set(l.logVariance);
    }
    return rbmFromParams(p, Rng.fromSeed(snap.layers[i].seed), backend);
  });
  return { trained, layer: snap.trained.length, state: snapshotState(snap.current, { backend }) };
}
