import test from 'ava';
import { linearDecay } from '../operators/applyUpdate.js';

// The learning-rate schedule that PCD trains with: exactly 1 at the first step (index 0), falling by
// 1/total a step, 0 after `total` steps and never below. An off-by-one (starting at 1 − 1/total, or
// reaching 0 a step early) changes every update of a run.

test('linearDecay(4) is 1, 0.75, 0.5, 0.25 for steps 0..3 and 0 from step 4 on; exact', (t) => {
  const f = linearDecay(4);
  t.deepEqual([0, 1, 2, 3, 4, 5, 100].map(f), [1, 0.75, 0.5, 0.25, 0, 0, 0]);
});
