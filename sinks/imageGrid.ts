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
  const { height: h, width: w, scale = 'unit' } = options;
  if (h * w !== images.cols) throw new BoltzflowError('image shape', `${h}×${w}`, `a shape with ${images.cols} pixels`);
  const n = images.rows;
  const cols = options.columns ?? Math.max(1, Math.ceil(Math.sqrt(n)));
  const rows = Math.max(1, Math.ceil(n / cols));
  const width = cols * (w + 1) + 1,
    height = rows * (h + 1) + 1;
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
    const x0 = (k % cols) * (w + 1) + 1,
      y0 = Math.floor(k / cols) * (h + 1) + 1;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v = (img[y * w + x] - lo) / (hi - lo);
        pixels[(y0 + y) * width + x0 + x] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
  }
  return { width, height, pixels };
}
