import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { BadRecord, DataRecord } from './DataRecord.js';

/**
 * Checks a record for Bernoulli visible units: `nVisible` values, each in [0, 1]. Returns null
 * when it is learnable, else the {@link BadRecord} that stands in its place (kind `width` or `range`).
 *
 * @example
 * ```ts
 * import { checkRecord } from '#internal/sources/checkRecord.js';
 * console.log(checkRecord({ values: Float32Array.of(0, 1), where: 'feed line 1' }, 2)); // null
 * console.log(checkRecord({ values: Float32Array.of(0, 2), where: 'feed line 2' }, 2)?.kind); // range
 * ```
 */
export function checkRecord(record: DataRecord, nVisible: number): BadRecord | null {
  const v = record.values;
  const bad = (kind: BadRecord['kind'], error: BoltzflowError): BadRecord => ({ values: null, where: record.where, kind, error });
  if (v.length !== nVisible)
    return bad('width', new BoltzflowError(record.where, `${v.length} values`, `${nVisible} values, as the model's visible units`));
  for (let i = 0; i < v.length; i++)
    if (!(v[i] >= 0 && v[i] <= 1))
      return bad('range', new BoltzflowError(`${record.where}, value ${i + 1}`, v[i], 'a value in [0, 1] (Bernoulli visible units)'));
  return null;
}
