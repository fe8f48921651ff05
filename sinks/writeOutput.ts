import { outputError } from './outputError.js';
import { writeAtomic } from './writeAtomic.js';

/**
 * Writes an output file atomically (see {@link writeAtomic}); a filesystem error (a read-only
 * disk, a folder in the way, a full disk) becomes a one-line error naming `field` and the path.
 */
export function writeOutput(path: string, bytes: Uint8Array, field = 'output'): void {
  try {
    writeAtomic(path, bytes);
  } catch (e) {
    throw outputError(path, e, field);
  }
}
