import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { selectBackend } from '../kernels/selectBackend.js';
import type { Bm } from '../models/bm.js';
import { bmKind } from '../models/bmKind.js';
import { zeroDbmParams, type Dbm, type DbmParams } from '../models/dbm.js';
import { dbmKind } from '../models/dbmKind.js';
import type { TrainingState } from '../models/modelKinds.js';
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
  const n = snap.nUnits;
  const tensors = (t: BmSnapshot['params']) => ({ weights: new Matrix(n, n, t.weights.slice()), bias: t.bias.slice() });
  const model: Bm = {
    kind: 'bm',
    params: { nUnits: n, nVisible: snap.nVisible, spin: snap.spin, mask: snap.mask.slice(), ...tensors(snap.params) },
    rng: Rng.fromState(snap.rng),
  };
  return {
    kind: bmKind,
    model,
    velocity: snap.velocity && tensors(snap.velocity),
    chains: snap.chains && { states: new Matrix(snap.chains.rows, n, snap.chains.states.slice()) },
    counters: { ...snap.counters },
  };
}

/** A DBM's training state from its snapshot (parameters in `backend`'s memory; by default the config's). */
export function dbmSnapshotState(snap: DbmSnapshot, options: { backend?: Backend } = {}): TrainingState<Dbm> {
  const backend = options.backend ?? selectBackend(snap.config.backend);
  const tensors = (t: DbmSnapshot['params']): Pick<DbmParams, 'weights' | 'biases'> => {
    const p = zeroDbmParams(snap.sizes);
    p.weights.forEach((w, l) => w.data.set(t.weights[l]));
    p.biases.forEach((b, l) => b.set(t.biases[l]));
    return p;
  };
  const model: Dbm = { kind: 'dbm', params: { sizes: [...snap.sizes], ...tensors(snap.params) }, backend, rng: Rng.fromState(snap.rng) };
  return {
    kind: dbmKind,
    model,
    velocity: snap.velocity && tensors(snap.velocity),
    chains: snap.chains && { layers: snap.chains.layers.map((l, i) => new Matrix(snap.chains!.rows, snap.sizes[i], l.slice())) },
    counters: { ...snap.counters },
  };
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
