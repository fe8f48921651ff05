import { BoltzflowError } from '../kernels/BoltzflowError.js';

/**
 * Turns a filesystem error (ENOENT, EACCES, EISDIR, …) met while reading `path` into a
 * {@link BoltzflowError} naming the file; other errors pass through unchanged.
 */
export function fileError(path: string, e: unknown, field = '--data', what = 'a readable file'): unknown {
  if (e instanceof BoltzflowError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && code.startsWith('E'))
    return new BoltzflowError(field, path, `${what} (${(e as Error).message})`, { cause: e });
  return e;
}
