import { DEFAULT_OFFSET_SLIDING, initialOffsets } from './centering.js';
import type { Rbm } from './rbm.js';
import type { ParamBuffers, RbmChains } from './rbmKind.js';
import { rbmKind } from './rbmKind.js';
import { startState, type RunState } from './trainingState.js';

/**
 * A centered run's start: the RBM's training state with fresh centering offsets (`initialOffsets`:
 * μ at the visible biases' base rates, λ = 0.5, sliding `sliding` a step). Give it to
 * `clampVisible` to train the centered gradient in a loop of your own, as `trainRbm` does by
 * default for Bernoulli visible units (`clampVisible(rbm)` alone trains the ordinary gradient).
 *
 * @example
 * ```ts
 * import { from, last, lastValueFrom } from 'rxjs';
 * import { applyUpdate, centeredStart, clampVisible, collectStats, createRbm, gibbsStep, Matrix } from 'boltzflow';
 * const data = Matrix.from([[1, 0, 1], [0, 1, 0]]);
 * const start = centeredStart(createRbm({ nVisible: 3, nHidden: 2, seed: 1, data }));
 * const e = await lastValueFrom(
 *   from([data, data]).pipe(clampVisible(start), gibbsStep({ k: 1, chains: 'persistent' }), collectStats(), applyUpdate({ learningRate: 0.1 }), last()),
 * );
 * console.log(e.step, Array.from(e.state.offsets!.hidden, (x) => x.toFixed(3)).length); // 2 2
 * ```
 */
export function centeredStart(rbm: Rbm, sliding = DEFAULT_OFFSET_SLIDING): RunState<Rbm, ParamBuffers, RbmChains> {
  return { ...startState<Rbm, ParamBuffers, RbmChains>(rbmKind, rbm), offsets: initialOffsets(rbm.params, sliding) };
}
