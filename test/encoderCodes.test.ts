import test from 'ava';
import { createBm, encoderMask, type Bm } from '../models/bm.js';
import { codesDistinct, defaultCodeDistance, distinctCodes, hiddenCodes } from '../models/encoderCodes.js';
import { median, summarizeEncoderRuns } from '../models/encoderSummary.js';
import { encoderPatterns } from '../pipelines/trainEncoder.js';

/** A V-H-V encoder whose weights give pattern p the hidden code `codes[p]` (±4 per bit from V1, bias −1 on every hidden unit). */
function withCodes(visible: number, hidden: number, codes: readonly string[]): Bm {
  const bm = createBm({ nVisible: 2 * visible, nHidden: hidden, seed: 1, mask: encoderMask(visible, hidden, visible) });
  const n = bm.params.nUnits,
    w = bm.params.weights.data;
  for (let j = 0; j < hidden; j++) {
    const h = 2 * visible + j;
    bm.params.bias[h] = -1;
    for (let p = 0; p < visible; p++) w[h * n + p] = w[p * n + h] = codes[p][j] === '1' ? 4 : -4;
  }
  return bm;
}

test('hidden codes on hand-made weights: the most probable hidden state of each clamped pattern, exactly', (t) => {
  t.deepEqual(hiddenCodes(withCodes(4, 2, ['00', '01', '10', '11']), encoderPatterns(4)), ['00', '01', '10', '11']);
  t.deepEqual(hiddenCodes(withCodes(4, 3, ['000', '011', '101', '110']), encoderPatterns(4)), ['000', '011', '101', '110']);
  // V2 speaks too: its weight to the hidden unit adds to V1's (pattern 0's field −1 + 4 − 6 < 0).
  const bm = withCodes(2, 1, ['1', '0']);
  const n = bm.params.nUnits;
  bm.params.weights.data[2 * n + 4] = bm.params.weights.data[4 * n + 2] = -6;
  t.deepEqual(hiddenCodes(bm, encoderPatterns(2)), ['0', '0']);
  // All weights 0 (the start): every hidden unit ties, no pattern has a code.
  t.deepEqual(hiddenCodes(createBm({ nVisible: 8, nHidden: 2, seed: 1, mask: encoderMask(4, 2, 4) }), encoderPatterns(4)), [
    null,
    null,
    null,
    null,
  ]);
});

test('code distinctness: distinct codes pass, collapsed ones fail, codes one bit apart fail where two bits are asked (4-3-4), a tie fails', (t) => {
  const patterns = encoderPatterns(4);
  const distinct = hiddenCodes(withCodes(4, 2, ['00', '01', '10', '11']), patterns);
  t.true(codesDistinct(distinct, 1));
  t.false(codesDistinct(distinct, 2), 'four 2-bit codes cannot all be two bits apart');
  const collapsed = hiddenCodes(withCodes(4, 2, ['00', '01', '01', '11']), patterns);
  t.false(codesDistinct(collapsed, 1));
  t.is(distinctCodes(collapsed), 3);
  const spaced = hiddenCodes(withCodes(4, 3, ['000', '011', '101', '110']), patterns);
  t.true(codesDistinct(spaced, 2));
  const oneBitApart = hiddenCodes(withCodes(4, 3, ['000', '011', '101', '111']), patterns); // 011 and 111 differ in one bit
  t.true(codesDistinct(oneBitApart, 1));
  t.false(codesDistinct(oneBitApart, 2));
  const tied = withCodes(4, 2, ['00', '01', '10', '11']);
  tied.params.bias[8] = 4; // hidden unit 8's field: 4 − 4 = 0 for the patterns whose first bit is 0, a tie
  t.deepEqual(hiddenCodes(tied, patterns), [null, null, '10', '11']);
  t.false(codesDistinct(hiddenCodes(tied, patterns), 1));
  t.deepEqual([defaultCodeDistance(4, 2), defaultCodeDistance(4, 3), defaultCodeDistance(8, 3), defaultCodeDistance(40, 10)], [1, 2, 1, 2]);
});

test('hidden codes refuse a model whose hidden units are connected to each other (their argmax is no longer unit by unit)', (t) => {
  const bm = createBm({ nVisible: 4, nHidden: 2, seed: 1 });
  t.throws(() => hiddenCodes(bm, encoderPatterns(2)), { message: /^mask\[4\]\[5\]: got 1, expected 0 \(hidden units not connected/ });
});

test('the median is the true median: the mean of the two middle values for an even count; the summary counts the unsolved apart and as ∞', (t) => {
  t.is(median([760, 340]), 550);
  t.is(median([5, 1, 3]), 3);
  t.is(median([4, 1, 3, 2]), 2.5);
  t.is(median([]), null);
  const run = { cycles: 100, codesPass: true, distinctCodes: 4, recovered: 4, completion: 1 };
  const runs = [760, 340, null, 120].map((solvedAt, i) => ({ ...run, seed: i + 1, solvedAt }));
  const s = summarizeEncoderRuns([...runs, { ...run, seed: 5, solvedAt: null, codesPass: false, recovered: 3 }], 4);
  t.like(s, { seeds: 5, solved: 3, medianCycles: 340, maxCycles: 760, unsolved: 2, codesAtEnd: 4, recalledAtEnd: 4 });
  t.is(s.medianAll, 760, 'with the two unsolved as ∞: 120 340 760 ∞ ∞');
  t.is(summarizeEncoderRuns(runs.slice(0, 2), 4).medianCycles, 550);
  t.is(summarizeEncoderRuns([runs[2], runs[0]], 4).medianAll, null, 'half unsolved: the median is halfway to ∞');
});
