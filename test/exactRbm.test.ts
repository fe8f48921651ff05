import test from 'ava';
import { Matrix } from '../kernels/Matrix.js';
import { exactRbmGradient, exactRbmLogProbability, exactRbmLogPartition, exactRbmVisibleLogProbs } from '../models/exactRbm.js';
import { mean } from '../models/logProbability.js';
import { rbmEnergy, zeroRbmParams, type RbmParams } from '../models/rbm.js';
import { allStates, binaryData, centralDifference, logSumExp, randomRbm } from './helpers.js';

/** ln Z by brute force over every joint state, from the energy alone. */
function bruteLogZ(p: RbmParams): number {
  const V = allStates(p.nVisible),
    H = allStates(p.nHidden);
  const terms: number[] = [];
  for (let v = 0; v < V.rows; v++) for (let h = 0; h < H.rows; h++) terms.push(-rbmEnergy(p, V.row(v), H.row(h)));
  return logSumExp(terms);
}

test('exact ln Z matches brute force, enumerating hidden (5v·3h) or visible (3v·5h), within 1e-9', (t) => {
  for (const [nv, nh, seed] of [
    [5, 3, 1],
    [3, 5, 2],
    [4, 4, 3],
    [1, 6, 4],
  ] as const) {
    const p = randomRbm(nv, nh, seed).params;
    t.true(Math.abs(exactRbmLogPartition(p) - bruteLogZ(p)) < 1e-9, `${nv}v·${nh}h`);
  }
  t.true(Math.abs(exactRbmLogPartition(zeroRbmParams(3, 2)) - 5 * Math.log(2)) < 1e-12);
});

test('exact ln Z is finite and right for large weights (scale 60: e^{−E} overflows float64 without log-space)', (t) => {
  for (const [nv, nh] of [
    [6, 4],
    [4, 6],
  ] as const) {
    const p = randomRbm(nv, nh, 9, 60).params;
    const z = exactRbmLogPartition(p);
    t.true(Number.isFinite(z));
    t.true(Math.abs(z - bruteLogZ(p)) < 1e-9 * Math.abs(z), `${z}`);
  }
});

test('exact visible log-probabilities sum to 1', (t) => {
  const lp = exactRbmVisibleLogProbs(randomRbm(6, 3, 5).params);
  t.true(Math.abs(Math.exp(logSumExp(lp)) - 1) < 1e-12);
});

test('the exact gradient matches central finite differences of the exact log-likelihood (h = 1e-2, tolerance 2e-4)', (t) => {
  for (const [nv, nh] of [
    [5, 3],
    [3, 5],
  ] as const) {
    const p = randomRbm(nv, nh, 7, 0.7).params;
    const data = binaryData(20, nv, 3);
    const g = exactRbmGradient(p, data);
    const h = 1e-2;
    const fd = (arr: Float32Array, i: number) => centralDifference(arr, i, () => mean(exactRbmLogProbability(p, data)), h);
    const check = (name: string, arr: Float32Array, grad: Float64Array) => {
      for (let i = 0; i < arr.length; i++) {
        const want = fd(arr, i);
        t.true(Math.abs(grad[i] - want) < 2e-4, `${nv}v·${nh}h ${name}[${i}]: exact ${grad[i]} vs FD ${want}`);
      }
    };
    check('weights', p.weights.data, g.weights);
    check('visibleBias', p.visibleBias, g.visibleBias);
    check('hiddenBias', p.hiddenBias, g.hiddenBias);
  }
});

test('the exact ln P(v) of each row is its entry in the exact visible distribution', (t) => {
  const p = randomRbm(4, 3, 11).params;
  const lp = exactRbmVisibleLogProbs(p);
  const data = Matrix.from([
    [1, 0, 0, 1],
    [0, 0, 0, 0],
    [1, 1, 1, 1],
  ]);
  const got = exactRbmLogProbability(p, data);
  t.is(got.length, 3);
  [lp[0b1001], lp[0], lp[0b1111]].forEach((want, r) => t.true(Math.abs(got[r] - want) < 1e-12, `row ${r}: ${got[r]} vs ${want}`));
});
