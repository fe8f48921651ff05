import { map, type MonoTypeOperatorFunction } from 'rxjs';
import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Statistics } from './phases.js';

/** Which side of an RBM is two tied copies of one layer. */
export interface TiedCopies {
  /** The visible units are two copies: units i and V/2 + i share their weights and bias. */
  readonly visible?: boolean;
  /** The hidden units are two copies: units j and H/2 + j share their weights and bias. */
  readonly hidden?: boolean;
}

/**
 * Ties two copies of a layer of an RBM, placed between `collectStats` and `applyUpdate`: each
 * parameter the copies share gets the mean of the copies' gradients (the shared parameter's own
 * gradient, halved), so an RBM started with equal copies keeps them equal, bit for bit, update
 * after update, momentum and weight decay included. This is how the modified RBMs that pretrain a
 * DBM are trained (Salakhutdinov & Hinton 2009): doubled visible units are the bottom RBM's
 * "doubled input", doubled hidden units the top RBM's doubled top-down input (`pretrainDbm`).
 *
 * @example
 * ```ts
 * import { from, lastValueFrom } from 'rxjs';
 * import { clampVisible, collectStats, createRbm, gibbsStep, Matrix } from 'boltzflow';
 * import { tieCopies } from '#internal/operators/tieCopies.js';
 * const rbm = createRbm({ nVisible: 4, nHidden: 3, seed: 1 });
 * const s = await lastValueFrom(
 *   from([{ data: Matrix.from([[1, 0, 1, 0], [0, 1, 0, 1]]), epoch: 0, index: 0, batchesPerEpoch: 1, step: 0 }]).pipe(
 *     clampVisible(rbm), gibbsStep({ chains: 'data', k: 1 }), collectStats(), tieCopies({ visible: true }),
 *   ),
 * );
 * const g = s.gradient.weights;
 * console.log(g.row(0).every((x, j) => x === g.get(2, j))); // true
 * ```
 */
export function tieCopies(copies: TiedCopies): MonoTypeOperatorFunction<Statistics> {
  return map((s) => {
    const { nVisible: V, nHidden: H } = s.model.params;
    for (const [side, n] of [
      ['visible', V],
      ['hidden', H],
    ] as const)
      if (copies[side] && n % 2 !== 0) throw new BoltzflowError(`tieCopies ${side} units`, n, 'an even number (two copies of one layer)');
    const { weights, visibleBias, hiddenBias } = s.gradient;
    const tie = (a: Float32Array) => averageHalves(s.model.backend, a);
    if (copies.visible) {
      tie(weights.data);
      tie(visibleBias);
    }
    if (copies.hidden) {
      for (let i = 0; i < V; i++) tie(weights.data.subarray(i * H, (i + 1) * H));
      tie(hiddenBias);
    }
    return s;
  });
}

/** a[k] and a[n/2 + k] both become their mean, on the backend. */
function averageHalves(backend: Backend, a: Float32Array): void {
  const half = a.length / 2;
  const [first, second] = [a.subarray(0, half), a.subarray(half)];
  backend.axpby(0.5, first, 0.5, second);
  first.set(second);
}
