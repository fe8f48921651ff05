import test from 'ava';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { availableBackends } from '../kernels/selectBackend.js';

const k0 = (rng: Rng) => 0.01 * rng.normal();

/** Σⱼ softplus(β·(x[i,j] + bias[j])) per row, each term by log1p in float64: the plain definition. */
function plain(x: Matrix, bias: Float32Array, beta: number): Float64Array {
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++)
    for (let j = 0; j < x.cols; j++) {
      const z = beta * (x.get(i, j) + bias[j]);
      out[i] += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    }
  return out;
}

for (const [name, backend] of Object.entries(availableBackends()))
  test(`${name}: softplusRowSumPair gives softplusRowSums at both inverse temperatures, within 1e-12 relative, on rows of 1, 511, 512, 513 and 1,300 values up to ±60`, (t) => {
    const rng = Rng.fromSeed(3);
    for (const cols of [1, 511, 512, 513, 1300]) {
      const x = Matrix.zeros(5, cols),
        bias = new Float32Array(cols);
      // Row 0 near 0 (every factor near 2: 1,300 of them overflow a double without the folds), the others large.
      for (let k = 0; k < x.data.length; k++) x.data[k] = (k < cols ? 0.01 : 30) * rng.normal() * (k % 7 === 0 ? 2 : 1);
      for (let j = 0; j < cols; j++) bias[j] = k0(rng);
      for (const [ba, bb] of [
        [1, 0.9999],
        [0.37, 0],
        [0, 1],
      ]) {
        const outA = new Float64Array(5),
          outB = new Float64Array(5);
        backend.softplusRowSumPair(x, bias, ba, bb, outA, outB);
        const [wantA, wantB] = [plain(x, bias, ba), plain(x, bias, bb)];
        for (let i = 0; i < 5; i++) {
          t.true(
            Math.abs(outA[i] - wantA[i]) <= 1e-12 * Math.max(1, Math.abs(wantA[i])),
            `${cols} cols, β ${ba}: ${outA[i]} vs ${wantA[i]}`,
          );
          t.true(
            Math.abs(outB[i] - wantB[i]) <= 1e-12 * Math.max(1, Math.abs(wantB[i])),
            `${cols} cols, β ${bb}: ${outB[i]} vs ${wantB[i]}`,
          );
        }
      }
    }
    const x = Matrix.zeros(2, 3);
    t.throws(() => backend.softplusRowSumPair(x, new Float32Array(2), 1, 0, new Float64Array(2), new Float64Array(2)), { message: /bias/ });
    t.throws(() => backend.softplusRowSumPair(x, new Float32Array(3), 1, 0, new Float64Array(2), new Float64Array(1)), {
      message: /softplusRowSumPair outB/,
    });
  });
