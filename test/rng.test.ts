import test from 'ava';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Rng } from '../kernels/Rng.js';

test('the same seed gives the same sequence; different seeds differ', (t) => {
  const a = Rng.fromSeed(7),
    b = Rng.fromSeed(7),
    c = Rng.fromSeed(8);
  const xa = Array.from({ length: 100 }, () => a.nextUint32());
  const xb = Array.from({ length: 100 }, () => b.nextUint32());
  const xc = Array.from({ length: 100 }, () => c.nextUint32());
  t.deepEqual(xa, xb);
  t.notDeepEqual(xa, xc);
});

test('state() and fromState() continue the sequence exactly', (t) => {
  const a = Rng.fromSeed(3);
  for (let i = 0; i < 1000; i++) a.uniform();
  const b = Rng.fromState(a.state());
  for (let i = 0; i < 1000; i++) t.is(a.nextUint32(), b.nextUint32());
});

test('uniform draws lie in [0, 1) with mean 1/2 and variance 1/12 (tolerance 0.005 on 200k draws)', (t) => {
  const r = Rng.fromSeed(11);
  const n = 200_000;
  let s = 0,
    s2 = 0,
    min = 1,
    max = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    s += u;
    s2 += u * u;
    min = Math.min(min, u);
    max = Math.max(max, u);
  }
  t.true(min >= 0 && max < 1);
  t.true(Math.abs(s / n - 0.5) < 0.005);
  t.true(Math.abs(s2 / n - (s / n) ** 2 - 1 / 12) < 0.005);
});

test('normal draws have mean 0 and variance 1 (tolerance 0.02 on 100k draws)', (t) => {
  const r = Rng.fromSeed(5);
  const n = 100_000;
  let s = 0,
    s2 = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  t.true(Math.abs(s / n) < 0.02);
  t.true(Math.abs(s2 / n - 1) < 0.02);
});

test('permutation() is a permutation of 0..n-1 and depends on the seed', (t) => {
  const p = Rng.fromSeed(1).permutation(1000);
  t.deepEqual(
    [...p].sort((x, y) => x - y),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  t.notDeepEqual([...p], [...Rng.fromSeed(2).permutation(1000)]);
});

test('an all-zero state and a non-integer seed are refused with a BoltzflowError', (t) => {
  t.throws(() => Rng.fromState([0, 0, 0, 0]), { instanceOf: BoltzflowError, message: /rng.state/ });
  t.throws(() => Rng.fromSeed(1.5), { instanceOf: BoltzflowError, message: /seed: got 1.5/ });
});
