import type { BoltzflowError } from '../kernels/BoltzflowError.js';

/** One record read from a data source: its values and where it came from (for error messages). */
export interface DataRecord {
  readonly values: Float32Array;
  /** Human-readable position, e.g. `digits.csv line 12` or `train-images-idx3-ubyte record 5`. */
  readonly where: string;
}

/** Why a record could not be learned (each kind is counted separately when bad records are skipped). */
export type BadRecordKind = 'unparseable' | 'nonFinite' | 'width' | 'range' | 'tooLong';

/** Every {@link BadRecordKind}, in the order metrics and summaries list them. */
export const BAD_RECORD_KINDS: readonly BadRecordKind[] = ['unparseable', 'nonFinite', 'width', 'range', 'tooLong'];

/**
 * A line of a feed that is not a learnable record: it travels in the feed in its place, so that
 * the consumer decides (end the run naming it, or skip and count it) in arrival order.
 */
export interface BadRecord {
  readonly values: null;
  readonly where: string;
  readonly kind: BadRecordKind;
  /** Names the source, the line and the problem. */
  readonly error: BoltzflowError;
}

/** What a feed yields: records, and bad records in their places. */
export type FeedItem = DataRecord | BadRecord;
