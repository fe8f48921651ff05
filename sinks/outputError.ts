import { statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';

/**
 * Turns a filesystem error (EROFS, ENOTDIR, EISDIR, EACCES, ENOSPC, …) met while writing the
 * output `path` into a {@link BoltzflowError} naming the flag (or `output`), the path and the OS
 * reason, so that the CLI prints one line instead of an internal error; other errors pass through.
 */
export function outputError(path: string, e: unknown, field = 'output'): unknown {
  if (e instanceof BoltzflowError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('E')) return e;
  return new BoltzflowError(field, path, `a path where a file can be written (${notAFolder(path) ?? osReason(e as Error)})`, { cause: e });
}

/** `"a/b" is a file, not a folder` for the nearest existing folder above `path` that is not one. */
export function notAFolder(path: string): string | undefined {
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    const stat = statOrUndefined(dir);
    if (stat) return stat.isDirectory() ? undefined : `${JSON.stringify(relativeShown(path, dir))} is a file, not a folder`;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The path's stat, or undefined where there is none to be had (ENOENT, ENOTDIR, EACCES…). */
export function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** "EISDIR: illegal operation on a directory, rename 'x.tmp' -> 'x'" → "EISDIR: illegal operation on a directory". */
function osReason(e: Error): string {
  return e.message.split(', ')[0];
}

/** The folder as the user wrote it: the prefix of `path` that resolves to `dir`, if there is one. */
function relativeShown(path: string, dir: string): string {
  for (let p = dirname(path); p !== dirname(p); p = dirname(p)) if (resolve(p) === dir) return p;
  return dir;
}
