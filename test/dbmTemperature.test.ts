import test from 'ava';
import { lastValueFrom, of } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { createDbm, dbmEnergy, type Dbm } from '../models/dbm.js';
import { clampVisible } from '../operators/clampVisible.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import { logSumExp } from './helpers.js';

// The DBM's negative phase at a temperature: gibbsStep({ temperature: T }) runs block Gibbs over
// alternate layers at β = 1/T, so that random chains after enough sweeps sample the exact visible
// marginal of e^{−βE(v, h¹, h²)}, enumerated on a 3-2-2 DBM (128 joint states).

const SIZES = [3, 2, 2];

function randomDbm(seed: number, scale: number): Dbm {
  const dbm = createDbm({ sizes: SIZES, seed });
  const rng = Rng.fromSeed(seed + 1000);
  for (const w of dbm.params.weights) for (let k = 0; k < w.data.length; k++) w.data[k] = scale * rng.normal();
  for (const b of dbm.params.biases) for (let k = 0; k < b.length; k++) b[k] = scale * rng.normal();
  return dbm;
}

/** P_β(v) for the 8 visible states, by enumerating every joint state (float64). */
function visibleMarginal(dbm: Dbm, beta: number): number[] {
  const total = SIZES.reduce((a, b) => a + b, 0);
  const logWeight = Array.from({ length: 1 << total }, (_, s) => {
    let bit = 0;
    return (
      -beta *
      dbmEnergy(
        dbm.params,
        SIZES.map((n) => Array.from({ length: n }, () => (s >>> bit++) & 1)),
      )
    );
  });
  const lz = logSumExp(logWeight);
  return Array.from({ length: 1 << SIZES[0] }, (_, v) => Math.exp(logSumExp(logWeight.filter((_, s) => (s & 7) === v)) - lz));
}

test('gibbsStep (DBM) at temperature 2: 20,000 random chains after 60 sweeps sample the exact visible marginal at β = 0.5 (total variation < 0.02), which is > 0.08 from β = 1', async (t) => {
  const dbm = randomDbm(7, 1.5);
  const n = 20_000;
  const neg = await lastValueFrom(
    of(Matrix.from([[1, 0, 1]])).pipe(clampVisible(dbm), gibbsStep({ k: 60, temperature: 2, chains: 'random', nChains: n })),
  );
  const v = neg.negativeStates[0];
  const counts = new Array<number>(8).fill(0);
  for (let r = 0; r < n; r++) counts[v.get(r, 0) + 2 * v.get(r, 1) + 4 * v.get(r, 2)] += 1 / n;
  const hot = visibleMarginal(dbm, 0.5),
    cold = visibleMarginal(dbm, 1);
  const tv = (a: number[], b: number[]) => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0) / 2;
  t.true(tv(hot, cold) > 0.08, `teeth: β = 0.5 and β = 1 differ by ${tv(hot, cold)}`);
  t.true(tv(counts, hot) < 0.02, `total variation ${tv(counts, hot)} from the exact marginal at β = 0.5`);
  t.log(`total variation ${tv(counts, hot).toFixed(4)} (β = 1 is ${tv(hot, cold).toFixed(3)} away)`);
});
