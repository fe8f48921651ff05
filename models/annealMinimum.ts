import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { annealStates, bmEnergy, randomizeStates, type AnnealSchedule, type Bm } from './bm.js';

/**
 * Optimisation by simulated annealing: `restarts` independent chains start at random, are annealed
 * through `schedule` (finishing at T = 0 is sensible) and the lowest-energy final state is returned.
 * The optimiser of the three annealing functions: `annealStates` anneals given states in place and
 * keeps them all, and the `anneal` operator does that to each batch of a stream.
 *
 * @example
 * ```ts
 * import { maxCutMachine, annealMinimum, cutValue } from 'boltzflow';
 * const edges: Array<[number, number, number]> = [[0, 1, 1], [1, 2, 1], [2, 0, 1], [2, 3, 1]];
 * const bm = maxCutMachine(4, edges, 1);
 * const best = annealMinimum(bm, [{ temperature: 2, sweeps: 20 }, { temperature: 0.5, sweeps: 20 }, { temperature: 0.05, sweeps: 20 }]);
 * console.log(cutValue(edges, best.state)); // 3, the maximum cut
 * ```
 */
export function annealMinimum(bm: Bm, schedule: AnnealSchedule, restarts = 10): { state: Float32Array; energy: number } {
  const n = bm.params.nUnits;
  const states = Matrix.zeros(restarts, n);
  randomizeStates(bm, states);
  annealStates(bm, states, schedule);
  let best = 0,
    bestEnergy = Infinity;
  for (let r = 0; r < restarts; r++) {
    const e = bmEnergy(bm.params, states.row(r));
    if (e < bestEnergy) {
      bestEnergy = e;
      best = r;
    }
  }
  return { state: states.row(best).slice(), energy: bestEnergy };
}

/**
 * The Ising machine whose ground states are the maximum cuts of a weighted graph: ±1 units (the
 * two sides), wᵢⱼ = −weight of edge (i, j), so that E(s) = Σ weightᵢⱼ sᵢ sⱼ = W_total − 2·cut(s).
 */
export function maxCutMachine(n: number, edges: ReadonlyArray<readonly [number, number, number]>, seed: number): Bm {
  const mask = new Uint8Array(n * n);
  const weights = Matrix.zeros(n, n);
  for (const [i, j, w] of edges) {
    weights.data[i * n + j] -= w;
    weights.data[j * n + i] -= w;
    mask[i * n + j] = mask[j * n + i] = 1;
  }
  return { kind: 'bm', params: { nUnits: n, nVisible: n, weights, bias: new Float32Array(n), mask, spin: true }, rng: Rng.fromSeed(seed) };
}

/** Total weight of the edges whose ends are on different sides (state values > 0 vs ≤ 0). */
export function cutValue(edges: ReadonlyArray<readonly [number, number, number]>, state: ArrayLike<number>): number {
  let cut = 0;
  for (const [i, j, w] of edges) if (state[i] > 0 !== state[j] > 0) cut += w;
  return cut;
}
