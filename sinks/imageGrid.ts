import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';

export interface ImageGridOptions {
  /** Each row of the matrix is one image of height × width pixels, row-major. */
  height: number;
  width: number;
  /** Images per grid row (default ⌈√n⌉). */
  columns?: number;
  /**
   * `unit`: values are intensities in [0, 1] (samples). `each`: each image is stretched to its own
   * min..max (filters, whose weights have no fixed range).
   */
  scale?: 'unit' | 'each';
  /** Screen pixels per image pixel, each way (an integer ≥ 1; default 1); the borders stay 1 pixel. See {@link readableZoom}. */
  zoom?: number;
}

/**
 * The smallest zoom that makes a grid of `columns` images `width` pixels wide at least `minWidth`
 * (default 600) pixels wide, at most 100: what the CLI draws by default (28×28 digits ten to a row: 3, an 851-pixel grid).
 *
 * @example
 * ```ts
 * import { readableZoom } from 'boltzflow';
 * console.log(readableZoom(10, 28), readableZoom(10, 4)); // 3 15
 * ```
 */
export function readableZoom(columns: number, width: number, minWidth = 600): number {
  if (columns < 1 || width < 1) return 1;
  return Math.min(100, Math.max(1, Math.ceil((minWidth - columns - 1) / (columns * width))));
}

/**
 * Lays the rows of `images` out as a grid of greyscale tiles with 1-pixel mid-grey borders,
 * ready for {@link encodePng}.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { imageGrid, encodePng, Matrix } from 'boltzflow';
 * const g = imageGrid(Matrix.from([[0, 1, 1, 0], [1, 0, 0, 1]]), { height: 2, width: 2 });
 * writeFileSync('grid.png', encodePng(g.width, g.height, g.pixels));
 * ```
 */
export function imageGrid(images: Matrix, options: ImageGridOptions): { width: number; height: number; pixels: Uint8Array } {
  const { height: h, width: w, scale = 'unit', zoom = 1 } = options;
  if (h * w !== images.cols) throw new BoltzflowError('image shape', `${h}×${w}`, `a shape with ${images.cols} pixels`);
  if (!Number.isInteger(zoom) || zoom < 1 || zoom > 100) throw new BoltzflowError('zoom', zoom, 'an integer 1 to 100');
  const z = zoom;
  const n = images.rows;
  const cols = options.columns ?? Math.max(1, Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / cols));
  const width = cols * (w * z + 1) + 1,
    height = rows * (h * z + 1) + 1;
  const pixels = new Uint8Array(width * height).fill(128);
  for (let k = 0; k < n; k++) {
    const img = images.row(k);
    let lo = 0,
      hi = 1;
    if (scale === 'each') {
      lo = Infinity;
      hi = -Infinity;
      for (const x of img) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
      if (hi - lo < 1e-12) hi = lo + 1;
    }
    const x0 = (k % cols) * (w * z + 1) + 1,
      y0 = Math.floor(k / cols) * (h * z + 1) + 1;
    for (let y = 0; y < h * z; y++)
      for (let x = 0; x < w * z; x++) {
        const v = (img[Math.floor(y / z) * w + Math.floor(x / z)] - lo) / (hi - lo);
        pixels[(y0 + y) * width + x0 + x] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
  }
  return { width, height, pixels };
}
