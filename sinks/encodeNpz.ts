import { zipSync } from 'fflate';
import type { ModelArray } from './modelArrays.js';

/**
 * An array in NumPy's `.npy` format (version 1.0): the magic string, a header dict giving the
 * dtype (little-endian float32, `<f4`), C order and the shape, padded so that the data start on a
 * 64-byte boundary, then the values.
 */
export function encodeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = 10 + header.length + 1; // magic (6) + version (2) + length (2), the header, its newline
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

/**
 * Named arrays as a NumPy `.npz` archive (a zip of `.npy` files, stored uncompressed), what
 * `numpy.load` reads: `np.load('model.npz')['weights']`.
 *
 * @example
 * ```ts
 * import { encodeNpz } from 'boltzflow';
 * const bytes = encodeNpz([{ name: 'weights', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }]);
 * console.log(bytes[0] === 0x50 && bytes[1] === 0x4b); // true
 * ```
 */
export function encodeNpz(arrays: readonly ModelArray[]): Uint8Array {
  return zipSync(Object.fromEntries(arrays.map((a) => [`${a.name}.npy`, encodeNpy(a.shape, a.data)])), { level: 0 });
}
