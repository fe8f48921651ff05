import type { Matrix } from '../kernels/Matrix.js';
import { encodePng } from './encodePng.js';
import { imageGrid, type ImageGridOptions } from './imageGrid.js';
import { writeOutput } from './writeOutput.js';

/**
 * Writes the rows of `images` as a PNG grid (see {@link imageGrid}), atomically. A path that
 * cannot be written is a {@link BoltzflowError} naming `field` (a flag, or `output`) and the path.
 *
 * @example
 * ```ts
 * import { createRbm, rbmFilters, writeImageGrid } from 'boltzflow';
 * const rbm = createRbm({ nVisible: 784, nHidden: 100, seed: 1 });
 * writeImageGrid('filters.png', rbmFilters(rbm.params, 100), { height: 28, width: 28, scale: 'each' });
 * ```
 */
export function writeImageGrid(path: string, images: Matrix, options: ImageGridOptions, field = 'output'): void {
  const g = imageGrid(images, options);
  writeOutput(path, encodePng(g.width, g.height, g.pixels), field);
}
