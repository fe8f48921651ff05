import test from 'ava';
import { availableBackends } from '../kernels/selectBackend.js';

for (const [name, backend] of Object.entries(availableBackends()))
  test(`${name}: signStep moves by ±size only where |g| > threshold; maskedDifference differs where the mask says, with Σ|d| and the count; exact`, (t) => {
    const g = Float32Array.of(0.5, 0.25, 0.1, 0, -0.1, -0.25, -0.5, 0.2500001, -0.2500001);
    const v = new Float32Array(g.length).fill(9);
    backend.signStep(g, 0.25, 2, v);
    t.deepEqual(Array.from(v), [2, 0, 0, 0, 0, 0, -2, 2, -2]);
    const a = Float64Array.of(0.5, 0.2, 0.4, 0.9),
      b = Float64Array.of(0.4, 0.5, 0.1, 0.1);
    const out = new Float32Array(4).fill(7);
    const { sum, count } = backend.maskedDifference(a, b, Uint8Array.of(1, 0, 1, 0), out);
    t.deepEqual(Array.from(out), [Math.fround(0.5 - 0.4), 0, Math.fround(0.4 - 0.1), 0]);
    t.is(count, 2);
    t.true(Math.abs(sum - (0.1 + 0.3)) < 1e-12, `${sum}`);
    const all = backend.maskedDifference(a, b, null, out);
    t.is(all.count, 4);
    t.is(out[3], Math.fround(0.8));
    t.throws(() => backend.maskedDifference(a, b, null, new Float32Array(3)), { message: /maskedDifference out/ });
  });
