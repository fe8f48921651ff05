/**
 * Stream sequences as sorted, merged inclusive ranges, flattened `[first, last, first, last, …]`:
 * what a snapshot records of a broker feed (runs of consecutive sequences stay two numbers).
 *
 * @example
 * ```ts
 * import { sequenceRanges, sequencesOf } from 'boltzflow';
 * console.log(sequenceRanges([7, 3, 4, 5, 9, 8])); // [ 3, 5, 7, 9 ]
 * console.log(sequencesOf([3, 5, 7, 7])); // [ 3, 4, 5, 7 ]
 * ```
 */
export function sequenceRanges(seqs: Iterable<number>): number[] {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const out: number[] = [];
  for (const s of sorted) {
    if (out.length > 0 && out[out.length - 1] === s - 1) out[out.length - 1] = s;
    else out.push(s, s);
  }
  return out;
}

/** The sequences of `sequenceRanges` output, in order. */
export function sequencesOf(ranges: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < ranges.length; i += 2) for (let s = ranges[i]; s <= ranges[i + 1]; s++) out.push(s);
  return out;
}
