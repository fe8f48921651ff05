import { accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { notAFolder, outputError, statOrUndefined } from './outputError.js';

/**
 * Refuses, before any work is done, an output path that cannot be written: one that is a folder,
 * one under a regular file, or one whose nearest existing folder is not writable (read-only
 * disk, permissions). Folders still missing are fine (the writer creates them). The write itself
 * still reports what this cannot foresee (a full disk, a path that changes meanwhile).
 */
export function checkOutputPath(path: string, field = 'output'): void {
  const where = `a path where a file can be written`;
  if (statOrUndefined(path)?.isDirectory()) throw new BoltzflowError(field, path, `${where} (it is a folder)`);
  const notFolder = notAFolder(path);
  if (notFolder) throw new BoltzflowError(field, path, `${where} (${notFolder})`);
  let dir = dirname(resolve(path));
  while (!statOrUndefined(dir)) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw outputError(path, e, field);
  }
}
