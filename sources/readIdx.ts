import { readFile } from 'node:fs/promises';
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

/**
 * Reads an IDX file: its header, and its records as an async iterable (one record per index of
 * the first dimension, flattened). Unsigned-byte values are scaled to [0, 1] (pixel / 255);
 * other types are returned as stored. The magic number and the sizes in the header are checked
 * against the file's length.
 *
 * @example
 * ```ts
 * import { readIdx, mnistPath } from 'boltzflow';
 * const { header, records } = await readIdx(mnistPath('test'));
 * console.log(header.dims); // [10000, 28, 28]
 * for await (const r of records) { console.log(r.values.length); break; } // 784
 * ```
 */
export async function readIdx(path: string): Promise<{ header: IdxHeader; records: AsyncIterable<DataRecord> }> {
  const buf = await readFile(path).catch((e: unknown) => {
    throw fileError(path, e);
  });
  const name = basename(path);
  const header = parseIdxHeader(buf, name);
  const type = TYPES[buf[2]];
  const [count, ...rest] = header.dims;
  const recordSize = rest.reduce((a, b) => a * b, 1);
  const offset = 4 + 4 * header.dims.length;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  async function* records(): AsyncGenerator<DataRecord> {
    for (let r = 0; r < count; r++) {
      const values = new Float32Array(recordSize);
      let p = offset + r * recordSize * type.size;
      for (let i = 0; i < recordSize; i++, p += type.size) values[i] = readValue(view, buf[2], p);
      yield { values, where: `${name} record ${r}` };
    }
  }
  return { header, records: records() };
}

/** Checks an IDX buffer's magic number and sizes; returns its header. */
export function parseIdxHeader(buf: Uint8Array, name: string): IdxHeader {
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
  const expected = 4 + 4 * nd + dims.reduce((a, b) => a * b, 1) * type.size;
  if (buf.length !== expected)
    throw new BoltzflowError(
      `${name} size`,
      `${buf.length} bytes`,
      `${expected} bytes for ${dims.join('×')} ${type.name} values (header and file disagree)`,
    );
  return { type: type.name, dims };
}

function readValue(view: DataView, code: number, p: number): number {
  switch (code) {
    case 0x08: return view.getUint8(p) / 255;
    case 0x09: return view.getInt8(p);
    case 0x0b: return view.getInt16(p, false);
    case 0x0c: return view.getInt32(p, false);
    case 0x0d: return view.getFloat32(p, false);
    default: return view.getFloat64(p, false);
  }
}
