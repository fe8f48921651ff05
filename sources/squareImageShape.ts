/**
 * The image shape a data set of `cols` values per record is taken to have when it says nothing:
 * square (`[side, side]`) where `cols` is a square number, else null (no images).
 *
 * @example
 * ```ts
 * import { squareImageShape } from '#internal/sources/squareImageShape.js';
 * console.log(squareImageShape(784), squareImageShape(10)); // [28, 28] null
 * ```
 */
export function squareImageShape(cols: number): [number, number] | null {
  const side = Math.round(Math.sqrt(cols));
  return cols > 0 && side * side === cols ? [side, side] : null;
}
