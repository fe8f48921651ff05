/** One record read from a data source: its values and where it came from (for error messages). */
export interface DataRecord {
  readonly values: Float32Array;
  /** Human-readable position, e.g. `digits.csv line 12` or `train-images-idx3-ubyte record 5`. */
  readonly where: string;
}
