import test from 'ava';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { meanFieldLowerBound } from '../models/dbmBound.js';
import { createDbm } from '../models/dbm.js';
import { exactRbmLogPartition, exactRbmLogProbability, exactRbmVisibleLogProbs } from '../models/exactRbm.js';
import { freeEnergy } from '../models/freeEnergy.js';
import { logProbability, mean } from '../models/logProbability.js';
import { pseudoLikelihood } from '../models/pseudoLikelihood.js';
import { rbmFromParams, type Rbm } from '../models/rbm.js';
import { reconstructionError } from '../models/reconstructionError.js';
import { allStates, binaryData, randomRbm } from './helpers.js';

// Every evaluation function takes a data matrix, returns one value per row (a Float64Array; `mean` is
// the companion for the data set's value) and refuses a matrix of the wrong width, or with no rows,
// with a message that names the function and the argument.

const V = 4;
const model = randomRbm(V, 3, 5, 0.8);
const logZ = exactRbmLogPartition(model.params);
/** A copy of `model` with a fresh generator at `seed`: the stochastic functions draw alike from it. */
// On the js reference backend, which draws one uniform per unit in order (wasm draws in lanes, so its draws depend on the chunk).
const fresh = (seed = 9): Rbm => rbmFromParams(model.params, Rng.fromSeed(seed), jsBackend);
const dbm = createDbm({ sizes: [V, 3, 2], seed: 1, weightStd: 0.5 });

const evaluations: Record<string, (v: Matrix) => Float64Array> = {
  freeEnergy: (v) => freeEnergy(fresh(), v),
  logProbability: (v) => logProbability(fresh(), v, logZ),
  pseudoLikelihood: (v) => pseudoLikelihood(fresh(), v),
  reconstructionError: (v) => reconstructionError(fresh(), v),
  meanFieldLowerBound: (v) => meanFieldLowerBound(dbm, v, 0),
  exactRbmLogProbability: (v) => exactRbmLogProbability(model.params, v),
};
const argument: Record<string, string> = { exactRbmLogProbability: 'data' };

for (const [name, evaluate] of Object.entries(evaluations)) {
  const arg = `${name}(${argument[name] ?? 'v'})`;
  test(`${name} refuses a matrix of the wrong width, naming ${arg}`, (t) => {
    for (const [rows, cols] of [
      [2, V + 1],
      [3, V - 1],
    ]) {
      const e = t.throws(() => evaluate(Matrix.zeros(rows, cols)), { name: 'BoltzflowError' });
      t.is(e?.message, `${arg}: got a ${rows}×${cols} matrix, expected at least 1 row of ${V} values (nVisible)`);
    }
  });

  test(`${name} refuses a matrix with no rows`, (t) => {
    const e = t.throws(() => evaluate(Matrix.zeros(0, V)), { name: 'BoltzflowError' });
    t.is(e?.message, `${arg}: got a 0×${V} matrix, expected at least 1 row of ${V} values (nVisible)`);
  });

  test(`${name} returns one finite value per row, the same as row by row, and mean of them is the mean of the rows`, (t) => {
    const data = binaryData(7, V, 3);
    const all = evaluate(data);
    t.true(all instanceof Float64Array);
    t.is(all.length, data.rows);
    t.true(all.every(Number.isFinite));
    // Row by row with one generator, so that the stochastic scores draw what the whole matrix drew.
    const one = fresh();
    const rows = Array.from({ length: data.rows }, (_, r) => {
      const v = data.rowRange(r, r + 1);
      if (name === 'pseudoLikelihood') return pseudoLikelihood(one, v)[0];
      if (name === 'reconstructionError') return reconstructionError(one, v)[0];
      return evaluate(v)[0];
    });
    rows.forEach((x, r) => t.true(Math.abs(all[r] - x) < 1e-9, `row ${r}: ${all[r]} vs ${x}`));
    t.true(Math.abs(mean(all) - rows.reduce((s, x) => s + x, 0) / rows.length) < 1e-9);
  });
}

test('the exact ln P(v) per row agrees with logProbability at the exact ln Z, and with the exact distribution over every state', (t) => {
  const data = binaryData(9, V, 4);
  const exact = exactRbmLogProbability(model.params, data);
  const approx = logProbability(model, data, logZ);
  exact.forEach((x, r) => t.true(Math.abs(x - approx[r]) < 1e-4, `row ${r}: ${x} vs ${approx[r]}`));
  const states = allStates(V);
  const lp = exactRbmVisibleLogProbs(model.params);
  const perState = exactRbmLogProbability(model.params, states);
  lp.forEach((x, s) => t.true(Math.abs(perState[s] - x) < 1e-12, `state ${s}: ${perState[s]} vs ${x}`));
});
