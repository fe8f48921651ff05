import { BoltzflowError } from '../kernels/BoltzflowError.js';

/**
 * The bench's positional argument `index` (0 = the first after the script) as a positive integer,
 * `fallback` where it is absent; anything else stops the bench with an error naming the argument.
 * A comma-separated list gives several (`10000,60000`).
 */
export function positiveIntegers(index: number, name: string, fallback: string): number[] {
  const raw = process.argv[2 + index] ?? fallback;
  return raw.split(',').map((part) => {
    const value = Number(part);
    if (!Number.isInteger(value) || value <= 0)
      throw new BoltzflowError(`argument ${index + 1} (${name})`, raw, 'a positive integer, or a comma-separated list of them');
    return value;
  });
}

/** The bench's positional argument `index` as one positive integer (see {@link positiveIntegers}). */
export const positiveInteger = (index: number, name: string, fallback: number): number =>
  positiveIntegers(index, name, String(fallback))[0];

/** Whether the bench was given the switch `name` (`--json`), taken out of argv so that the positional arguments keep their places. */
export function benchSwitch(name: string): boolean {
  const at = process.argv.indexOf(name);
  if (at >= 0) process.argv.splice(at, 1);
  return at >= 0;
}
