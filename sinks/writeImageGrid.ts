import type { Matrix } from '../kernels/Matrix.js';
import { encodePng } from './encodePng.js';
import { imageGrid, type ImageGridOptions } from './imageGrid.js';
import { writeAtomic } from './writeAtomic.js';

/**
 * Writes the rows of `images` as a PNG grid (see {@link imageGrid}), atomically.
 *
 * @example
 * ```ts
 * import { createRbm, rbmFilters, writeImageGrid } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 784, nHidden: 100, seed: 1 });
 * writeImageGrid('filters.png', rbmFilters(rbm.params, 100), { height: 28, width: 28, scale: 'each' });
 * ```
 */
export function writeImageGrid(path: string, images: Matrix, options: ImageGridOptions): void {
  const g = imageGrid(images, options);
  writeAtomic(path, encodePng(g.width, g.height, g.pixels));
}
