import type { Bm, BmParams } from './bm.js';
import { bmKind, type BmBuffers, type BmChains, type BmClampSettings, type BmNegative, type BmPositive, type BmSaved } from './bmKind.js';
import type { Dbm, DbmParams, MeanFieldOptions } from './dbm.js';
import { dbmKind, type DbmChains, type DbmNegative, type DbmPositive, type DbmSaved } from './dbmKind.js';
import type { DbmMoments } from './dbmPhases.js';
import type { ModelKind } from './ModelKind.js';
import type { Rbm, RbmParams } from './rbm.js';
import { rbmKind, type ParamBuffers, type RbmChains, type RbmNegative, type RbmPositive, type RbmSaved } from './rbmKind.js';
import { copyState, startState, type RunState } from './trainingState.js';

/** The types of each model kind, by its `kind` name. */
export interface KindTypes {
  rbm: {
    model: Rbm;
    params: RbmParams;
    buffers: ParamBuffers;
    positive: RbmPositive;
    negative: RbmNegative;
    chains: RbmChains;
    clamp: Record<string, never>;
    saved: RbmSaved;
  };
  bm: {
    model: Bm;
    params: BmParams;
    buffers: BmBuffers;
    positive: BmPositive;
    negative: BmNegative;
    chains: BmChains;
    clamp: BmClampSettings;
    saved: BmSaved;
  };
  dbm: {
    model: Dbm;
    params: DbmParams;
    buffers: DbmMoments;
    positive: DbmPositive;
    negative: DbmNegative;
    chains: DbmChains;
    clamp: MeanFieldOptions;
    saved: DbmSaved;
  };
}

/** Any model the four operators train. */
export type AnyModel = KindTypes[keyof KindTypes]['model'];
/** The types of the kind of model `M`. */
export type TypesOf<M extends AnyModel> = KindTypes[M['kind']];
/** The model kind of `M`. */
export type KindOf<M extends AnyModel> = ModelKind<
  M,
  TypesOf<M>['params'],
  TypesOf<M>['buffers'],
  TypesOf<M>['positive'],
  TypesOf<M>['negative'],
  TypesOf<M>['chains'],
  TypesOf<M>['clamp'],
  TypesOf<M>['saved']
>;

/**
 * One training run's state for a model of kind `M` (see {@link RunState}): the model with its
 * parameters and generator, the velocity, the persistent chains, the counters.
 */
export type TrainingState<M extends AnyModel = Rbm> = RunState<M, TypesOf<M>['buffers'], TypesOf<M>['chains']>;

const KINDS: { readonly [K in keyof KindTypes]: KindOf<KindTypes[K]['model']> } = { rbm: rbmKind, bm: bmKind, dbm: dbmKind };

/** The model kind that knows how `model` is trained. */
export function kindOf<M extends AnyModel>(model: M): KindOf<M> {
  return KINDS[model.kind] as unknown as KindOf<M>;
}

/**
 * A training state to start a run from: a fresh one for a model (its own copy of the parameters
 * and generator, so that the model given is never written), or a deep copy of a state (a
 * restored snapshot's, say), so that two runs never share one.
 *
 * @example
 * ```ts
 * import { createRbm, trainingState } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 4, nHidden: 2, seed: 1 });
 * const state = trainingState(rbm);
 * console.log(state.counters.step, state.model !== rbm, state.model.params.weights.data[0] === rbm.params.weights.data[0]); // 0 true true
 * ```
 */
export function trainingState<M extends AnyModel>(from: M | TrainingState<M>): TrainingState<M> {
  if (isState(from)) return copyState(from);
  return startState(kindOf(from), from);
}

/** Whether `x` is a training state (rather than a model). */
export function isState<M extends AnyModel>(x: M | TrainingState<M>): x is TrainingState<M> {
  return 'counters' in x && 'model' in x;
}
