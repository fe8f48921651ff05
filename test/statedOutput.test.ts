import test from 'ava';
import { outputPattern, printedMatches } from './statedOutput.js';

test('stated outputs: values are held exactly, ≈ within 2% or 0.02, … matches anything, prose is left unchecked', (t) => {
  const check = (comment: string, printed: string[]) => printedMatches(outputPattern(comment)!, printed);
  t.true(check('10 0 (V1 and V2 are not connected)', ['10 0']));
  t.false(check('10 1', ['10 0']));
  t.true(check('≈ [[0.5, 0.5]]', ['[ [ 0.5015, 0.4952 ] ]']));
  t.false(check('≈ [[0.5, 0.5]]', ['[ [ 0.5015, 0.45 ] ]']), 'the second number is about too, and 0.45 is not about 0.5');
  t.true(check("['784×500', '500×1000']", ["[ '784×500', '500×1000' ]"]));
  t.true(check('50 …', ['50 31.52']));
  t.true(check('0 2 · 1 2 · 2 1', ['0 2', '1 2', '2 1']), 'successive calls');
  t.is(outputPattern('binary 2×3'), null);
  t.is(outputPattern('low-energy states'), null);
});
