import test from 'ava';
import { last, lastValueFrom } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { availableBackends, selectBackend } from '../kernels/selectBackend.js';
import { loadWasmBackend } from '../kernels/wasmBackend.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { binaryData, bytesOf, randomMatrix } from './helpers.js';

const wasm = loadWasmBackend();

test('the wasm backend is built by npm run build and is what auto selects', (t) => {
  t.truthy(wasm, 'dist/kernels/gemm.wasm loads');
  t.is(selectBackend('auto').name, 'wasm');
  t.deepEqual(Object.keys(availableBackends()), ['wasm', 'js']);
  t.is(selectBackend('js').name, 'js');
  t.throws(() => selectBackend('gpu'), { instanceOf: BoltzflowError, message: /backend: got "gpu", expected one of auto, wasm, js/ });
});

const shapes: Array<[number, number, number]> = [
  [1, 1, 1], [1, 7, 1], [7, 1, 1], [1, 1, 9], [3, 5, 7], [13, 17, 19], [33, 8, 65], [100, 31, 3], [4, 64, 4], [2, 3, 1], [9, 100, 13],
];

for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const)
  for (const density of [1, 0.2])
    test(`wasm gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} (left operand ${density * 100}% nonzero) matches the js reference within 1e-5 relative`, (t) => {
      const rng = Rng.fromSeed(7);
      for (const [m, k, n] of shapes)
        for (const [alpha, beta] of [[1, 0], [0.5, 1], [-2, 0.25]]) {
          const a = randomMatrix(ta ? k : m, ta ? m : k, rng, density);
          const b = randomMatrix(tb ? n : k, tb ? k : n, rng);
          const c = randomMatrix(m, n, rng);
          const want = c.clone(), got = c.clone();
          jsBackend.gemm(ta, tb, alpha, a, b, beta, want);
          wasm!.gemm(ta, tb, alpha, a, b, beta, got);
          let worst = 0;
          for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]) / (1 + Math.abs(want.data[i])));
          t.true(worst < 1e-5, `${m}×${k}×${n} α=${alpha} β=${beta}: ${worst}`);
        }
    });

test('wasm gemm grows its memory for large operands and refuses bad shapes like the reference', (t) => {
  const rng = Rng.fromSeed(3);
  const a = randomMatrix(300, 784, rng, 0.2), b = randomMatrix(784, 600, rng);
  const want = Matrix.zeros(300, 600), got = Matrix.zeros(300, 600);
  jsBackend.gemm(false, false, 1, a, b, 0, want);
  wasm!.gemm(false, false, 1, a, b, 0, got);
  t.true(want.data.every((x, i) => Math.abs(x - got.data[i]) < 1e-4 * (1 + Math.abs(x))));
  t.throws(() => wasm!.gemm(false, false, 1, Matrix.zeros(2, 3), Matrix.zeros(4, 5), 0, Matrix.zeros(2, 5)), { message: /gemm shapes/ });
});

test('on the wasm backend the same seed gives the same weights, byte for byte, and training stays close to js', async (t) => {
  const data = binaryData(80, 16, 2);
  const run = (backend: 'wasm' | 'js') =>
    lastValueFrom(trainRbm({ data, config: { nHidden: 8, batchSize: 20, epochs: 3, seed: 5, backend } }).pipe(last()));
  const [a, b, j] = [await run('wasm'), await run('wasm'), await run('js')];
  t.is(a.model.backend.name, 'wasm');
  t.true(bytesOf(a.model.params.weights.data).equals(bytesOf(b.model.params.weights.data)));
  let worst = 0;
  for (let i = 0; i < j.model.params.weights.data.length; i++) worst = Math.max(worst, Math.abs(a.model.params.weights.data[i] - j.model.params.weights.data[i]));
  t.log(`largest weight difference wasm vs js after 12 steps: ${worst.toExponential(2)}`);
  t.true(worst < 0.05, 'float rounding may flip a sample, but the runs stay close');
});
