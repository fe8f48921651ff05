import { map, type OperatorFunction } from 'rxjs';
import type { Matrix } from '../kernels/Matrix.js';
import { annealStates, type AnnealSchedule, type Bm } from '../models/bm.js';
import { gibbsBuffers, gibbsChain, type Rbm } from '../models/rbm.js';
import { annealStepSchema } from '../schemas/gibbsOptions.js';
import { parseWith } from '../schemas/parseWith.js';
import { z } from 'zod';

/**
 * Simulated annealing as an operator: each incoming batch of states (rows; all units of a general
 * BM, or the visible units of an RBM) is copied and annealed through `schedule` — sequential
 * Glauber sweeps for a BM (units with `clamped[i] = 1` held), block Gibbs steps at β = 1/T for
 * an RBM — and the annealed copy is emitted. It is the stream form of `annealStates` (which anneals
 * one matrix of BM states in place); to find a low-energy state, use `annealMinimum` (the best of
 * several random restarts).
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { anneal, maxCutMachine, Matrix } from 'boltzflow';
 * const bm = maxCutMachine(3, [[0, 1, 1], [1, 2, 1]], 1);
 * of(Matrix.from([[1, 1, 1]]))
 *   .pipe(anneal(bm, [{ temperature: 1, sweeps: 10 }, { temperature: 0.01, sweeps: 10 }]))
 *   .subscribe((s) => console.log(s.toArrays())); // [[1, -1, 1]] or [[-1, 1, -1]]: both edges cut
 * ```
 */
export function anneal(model: Bm | Rbm, schedule: AnnealSchedule, clamped: Uint8Array | null = null): OperatorFunction<Matrix, Matrix> {
  parseWith(z.array(annealStepSchema).min(1), schedule, { fieldName: (p) => `schedule.${p.join('.')}` });
  return map((states) => {
    const out = states.clone();
    if (model.kind === 'bm') annealStates(model, out, schedule, clamped);
    else {
      const buffers = gibbsBuffers(model.params, out.rows);
      for (const step of schedule) gibbsChain(model, out, step.sweeps, buffers, 1 / step.temperature);
    }
    return out;
  });
}
