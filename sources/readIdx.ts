import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { DataRecord } from './DataRecord.js';
import { fileError } from './fileError.js';

/** The header of an IDX file (LeCun's MNIST format). */
export interface IdxHeader {
  /** Element type: ubyte, sbyte, int16, int32, float32 or float64. */
  readonly type: string;
  /** Dimensions, first = number of records (e.g. [60000, 28, 28]). */
  readonly dims: readonly number[];
}

const TYPES: Record<number, { name: string; size: number }> = {
  0x08: { name: 'ubyte', size: 1 },
  0x09: { name: 'sbyte', size: 1 },
  0x0b: { name: 'int16', size: 2 },
  0x0c: { name: 'int32', size: 4 },
  0x0d: { name: 'float32', size: 4 },
  0x0e: { name: 'float64', size: 8 },
};

/** The most values an IDX file may hold in all (the largest a typed array safely takes here). */
const MAX_VALUES = 2 ** 31 - 1;

/**
 * Reads an IDX file: its header, and its records as an async iterable (one record per index of
 * the first dimension, flattened). Unsigned-byte values are scaled to [0, 1] (pixel / 255);
 * other types are returned as stored. The file is read front to back as a stream (no seek, so a
 * FIFO works): the header is checked before anything else is read (magic number, no zero
 * dimension, at most 2³¹−1 values, and a size matching the file's length where the length is
 * known); a stream that ends before its last record, or goes on past it, is an error naming it.
 *
 * @example
 * ```ts
 * import { readIdx, mnistPath } from 'boltzflow';
 * const { header, records } = await readIdx(mnistPath('test'));
 * console.log(header.dims); // [10000, 28, 28]
 * for await (const r of records) { console.log(r.values.length); break; } // 784
 * ```
 */
export async function readIdx(
  path: string,
  options: { bytes?: AsyncIterable<Uint8Array> } = {},
): Promise<{ header: IdxHeader; records: AsyncIterable<DataRecord> }> {
  const name = basename(path);
  const input = new ByteReader(options.bytes ?? (createReadStream(path) as AsyncIterable<Buffer>), path);
  const magic = await input.read(4);
  const plausible = magic.length === 4 && magic[0] === 0 && magic[1] === 0 && TYPES[magic[2]] !== undefined && magic[3] >= 1;
  const head = plausible ? Buffer.concat([magic, await input.read(4 * magic[3])]) : magic;
  const size = await stat(path).then(
    (s) => (s.isFile() ? s.size : null),
    () => null,
  );
  let header: IdxHeader;
  try {
    header = parseIdxHeader(head, name, size);
  } catch (e) {
    await input.close();
    throw e;
  }
  const code = magic[2];
  const type = TYPES[code];
  const [count, ...rest] = header.dims;
  const recordSize = rest.reduce((a, b) => a * b, 1);
  const expected = () =>
    `${4 + 4 * header.dims.length + count * recordSize * type.size} bytes for ${header.dims.join('×')} ${type.name} values`;
  async function* records(): AsyncGenerator<DataRecord> {
    try {
      yield* decode();
    } finally {
      await input.close();
    }
  }
  async function* decode(): AsyncGenerator<DataRecord> {
    for (let r = 0; r < count; r++) {
      const bytes = await input.read(recordSize * type.size);
      if (bytes.length < recordSize * type.size)
        throw new BoltzflowError(`${name} size`, `a stream that ends in record ${r} of ${count}`, `${expected()} (the file is short)`);
      const values = new Float32Array(recordSize);
      if (code === 0x08) for (let i = 0; i < recordSize; i++) values[i] = bytes[i] / 255;
      else {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let i = 0, p = 0; i < recordSize; i++, p += type.size) values[i] = readValue(view, code, p);
      }
      yield { values, where: `${name} record ${r}` };
    }
    if ((await input.read(1)).length > 0)
      throw new BoltzflowError(`${name} size`, 'more bytes after the last record', `${expected()} (header and file disagree)`);
  }
  return { header, records: records() };
}

/**
 * Checks an IDX header — magic number, dimensions (none zero, at most 2³¹−1 values in all), and,
 * when `fileSize` is not null, that the file holds exactly what the header declares — and returns
 * it. `buf` holds at least the header; `fileSize` defaults to its length (a whole file).
 */
export function parseIdxHeader(buf: Uint8Array, name: string, fileSize: number | null = buf.length): IdxHeader {
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || !TYPES[buf[2]] || buf[3] < 1)
    throw new BoltzflowError(
      `${name} magic number`,
      buf.length < 4 ? `a ${buf.length}-byte file` : `0x${Buffer.from(buf.subarray(0, 4)).toString('hex')}`,
      'an IDX header 0x0000TTDD (TT: 08, 09, 0B, 0C, 0D or 0E; DD ≥ 1 dimensions)',
    );
  const nd = buf[3];
  if (buf.length < 4 + 4 * nd)
    throw new BoltzflowError(`${name} header`, `${buf.length} bytes`, `at least ${4 + 4 * nd} bytes for ${nd} dimensions`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < nd; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const type = TYPES[buf[2]];
  const values = dims.reduce((a, b) => a * b, 1);
  if (dims.includes(0) || values > MAX_VALUES)
    throw new BoltzflowError(
      `${name} header`,
      `dimensions ${dims.join('×')}`,
      `dimensions of at least 1 each and at most ${MAX_VALUES} ${type.name} values in all`,
    );
  const expected = 4 + 4 * nd + values * type.size;
  if (fileSize !== null && fileSize !== expected)
    throw new BoltzflowError(
      `${name} size`,
      `${fileSize} bytes`,
      `${expected} bytes for ${dims.join('×')} ${type.name} values (header and file disagree)`,
    );
  return { type: type.name, dims };
}

/** Reads exact byte counts from a stream of chunks, front to back; a read error names the file. */
class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private chunk: Buffer = Buffer.alloc(0);
  private at = 0;
  private done = false;

  constructor(
    chunks: AsyncIterable<Uint8Array>,
    private readonly path: string,
  ) {
    this.it = chunks[Symbol.asyncIterator]();
  }

  /** Stops reading (closes the file). */
  async close(): Promise<void> {
    this.done = true;
    await this.it.return?.();
  }

  /** The next `n` bytes, or fewer where the stream ends first. */
  async read(n: number): Promise<Buffer> {
    if (this.chunk.length - this.at >= n) return this.chunk.subarray(this.at, (this.at += n));
    const parts = [this.chunk.subarray(this.at)];
    let have = parts[0].length;
    this.chunk = Buffer.alloc(0);
    this.at = 0;
    while (have < n && !this.done) {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await this.it.next();
      } catch (e) {
        throw fileError(this.path, e);
      }
      if (r.done) {
        this.done = true;
        break;
      }
      const c = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      const take = Math.min(n - have, c.length);
      parts.push(c.subarray(0, take));
      have += take;
      this.chunk = c;
      this.at = take;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, have);
  }
}

function readValue(view: DataView, code: number, p: number): number {
  switch (code) {
    case 0x08:
      return view.getUint8(p) / 255;
    case 0x09:
      return view.getInt8(p);
    case 0x0b:
      return view.getInt16(p, false);
    case 0x0c:
      return view.getInt32(p, false);
    case 0x0d:
      return view.getFloat32(p, false);
    default:
      return view.getFloat64(p, false);
  }
}
