import { lstatSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';

/** What makes a folder hold a run: a `--resume`, or `--overwrite`, is needed to write into it. */
const RUN_FILES = ['snapshot.msgpack', 'snapshots', 'metrics.ndjson', 'log.msgpack'] as const;
/** What `--overwrite` deletes: the run's files, its images, and pointer links left by a killed run. */
const OLD_RUN = [...RUN_FILES, 'filters.png', 'samples.png', 'curves.png', 'curves-held-out.png', 'run.json', 'pretraining.ndjson'];

/**
 * The folder of the run a snapshot belongs to: `DIR` for `DIR/snapshots/step-N.msgpack` (a run's
 * own snapshot files) and for `DIR/snapshot.msgpack` (its latest pointer), or any file's folder.
 */
export function runFolderOf(snapshotPath: string): string {
  const folder = dirname(snapshotPath);
  return basename(folder) === 'snapshots' && /^step-\d+\.msgpack$/.test(basename(snapshotPath)) ? dirname(folder) : folder;
}

export interface RunFolderOptions {
  /** The snapshot being resumed, and its step. */
  resume?: { path: string; step: number };
  /** Start afresh: the earlier run's files are deleted (when the returned function is called). */
  overwrite?: boolean;
}

/**
 * Decides whether a run may write into `dir` (which its lock already holds), so that nothing of an
 * earlier run is overwritten or mixed with it: a folder holding a run (a `snapshot.msgpack`
 * pointer, `snapshots/`, `metrics.ndjson` or `log.msgpack`) is refused unless this run resumes it
 * (its own folder, from its latest snapshot, or an older one with nothing newer), or `overwrite` is
 * given. Checks only, writing nothing; returns the function that, called once every other check has
 * passed and just before training starts, deletes the earlier run's files for `overwrite`.
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { checkRunFolder } from 'boltzflow';
 * const dir = mkdtempSync(join(tmpdir(), 'run-'));
 * writeFileSync(join(dir, 'metrics.ndjson'), '');
 * try { checkRunFolder(dir); } catch (e) { console.log((e as Error).message); } // --out: got "…", expected a folder without a run …
 * checkRunFolder(dir, { overwrite: true })(); // metrics.ndjson deleted
 * ```
 */
export function checkRunFolder(dir: string, options: RunFolderOptions = {}): () => void {
  // An empty metrics file is no run (one stopped before its first step left it): a fresh run may start there.
  const held = RUN_FILES.filter((f) => exists(join(dir, f)) && !(f === 'metrics.ndjson' && emptyFile(join(dir, f))));
  const { resume, overwrite = false } = options;
  const clear = () => {
    for (const f of readdirSync(dir))
      if (OLD_RUN.includes(f) || /^snapshot\.msgpack\.\d+\.tmp$/.test(f)) rmSync(join(dir, f), { recursive: true, force: true });
  };
  if (held.length === 0 || overwrite) return overwrite && held.length > 0 ? clear : () => {};
  const pointer = join(dir, 'snapshot.msgpack');
  const holds = `it holds ${held.join(', ')} of an earlier run`;
  if (!resume)
    throw new BoltzflowError(
      '--out',
      dir,
      `a folder without a run (${holds}): pass --resume ${pointer} to continue it, or --overwrite to delete it and start afresh`,
    );
  const own = runFolderOf(resume.path);
  if (real(own) !== real(dir))
    throw new BoltzflowError(
      '--out',
      dir,
      `a folder without a run, or the resumed run's own folder ${own} (${holds}): pass another --out, or --overwrite to delete that run`,
    );
  if (resolve(resume.path) === resolve(pointer)) return () => {};
  // An older snapshot of this run: continuing it here would overwrite the newer ones.
  const newer = snapshotFiles(join(dir, 'snapshots')).filter((s) => s.step > resume.step);
  if (newer.length > 0) {
    const latest = join(dir, 'snapshots', newer.at(-1)!.name);
    throw new BoltzflowError(
      '--resume',
      resume.path,
      `the run's latest snapshot (${latest} is newer, and continuing from step ${resume.step} in ${dir} would overwrite it): resume ${pointer}, or pass --out NEWDIR to continue step ${resume.step} there, or --overwrite to replace the run`,
    );
  }
  return () => {};
}

function snapshotFiles(folder: string): { name: string; step: number }[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .flatMap((name) => (/^step-(\d+)\.msgpack$/.exec(name) ? [{ name, step: Number(name.slice(5, -8)) }] : []))
    .sort((a, b) => a.step - b.step);
}

function emptyFile(path: string): boolean {
  try {
    return lstatSync(path).isFile() && lstatSync(path).size === 0;
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path); // a dangling pointer link counts too
    return true;
  } catch {
    return false;
  }
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
