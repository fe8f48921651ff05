import { linkSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';

/** The content of `<dir>/lock`. */
export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

export interface RunLock {
  /** The lock file, `<dir>/lock`. */
  path: string;
  /** Removes the lock (if still this process's), and the folder if the run created it and left it empty. Also done at process exit. */
  release(): void;
}

export interface RunLockOptions {
  /** Told in one line when a stale lock (its process is gone) is taken over. */
  onTakeover?: (line: string) => void;
}

/**
 * Makes this process the one run that owns the output folder `dir`: creates `<dir>/lock` (the
 * folder too if missing) holding the pid, host and start time. The file appears whole (written
 * beside it, then hard-linked into place, which fails if a lock exists), so a reader never sees
 * half of one. A lock whose process is no longer alive on this host is stale and is taken over;
 * a live one (or one from another host, whose process cannot be checked) is refused with an error
 * naming its holder, and nothing in the folder is touched. The lock is released at process exit,
 * after an error too; a process killed outright leaves it stale for the next run to take over.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join, resolve } from 'node:path';
 * import { acquireRunLock } from 'boltzflow';
 * const dir = join(mkdtempSync(join(tmpdir(), 'run-')), 'out');
 * const lock = acquireRunLock(dir);
 * try { acquireRunLock(dir); } catch (e) { console.log((e as Error).message); } // --out: got "…", expected a folder no other run is using (pid … holds …/lock …)
 * lock.release();
 * ```
 */
export function acquireRunLock(dir: string, options: RunLockOptions = {}): RunLock {
  const path = join(dir, 'lock');
  let created = false;
  try {
    created = mkdirSync(dir, { recursive: true }) !== undefined;
  } catch (cause) {
    throw new BoltzflowError('--out', dir, `a folder that can be created (${(cause as Error).message})`, { cause });
  }
  const mine: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  const text = JSON.stringify(mine) + '\n';
  const refuse = (holder: LockInfo | null) => {
    const who = holder
      ? `pid ${holder.pid}${holder.host !== mine.host ? ` on host ${holder.host}` : ''} holds ${path} since ${holder.startedAt}`
      : `${path} exists but is not a boltzflow lock`;
    return new BoltzflowError(
      '--out',
      dir,
      `a folder no other run is using (${who}; wait for that run to end, or use another --out${holder?.host === mine.host ? '' : `, or remove ${path} if no run uses the folder`})`,
    );
  };
  const live = (holder: LockInfo | null) =>
    !holder || holder.host !== mine.host || (holder.pid === process.pid ? held.has(resolve(path)) : isAlive(holder.pid));
  // Refused before anything is written into the folder of a live run.
  const before = readLock(path);
  if (before && live(before.info)) throw refuse(before.info);
  // A few tries: each failure either refuses (a live holder) or removes a stale lock and retries.
  for (let attempt = 0; ; attempt++) {
    if (place(path, text)) break;
    const seen = readLock(path);
    if (seen === null) continue; // released in between: try again
    const holder = seen.info;
    if (live(holder) || attempt >= 3) throw refuse(holder);
    // Stale: remove it only if it is still the lock we saw (not one another process just placed).
    if (readLock(path)?.text !== seen.text) continue;
    rmSync(path, { force: true });
    options.onTakeover?.(`boltzflow: taking over ${path}: pid ${holder!.pid} (started ${holder!.startedAt}) is no longer running`);
  }
  held.add(resolve(path));
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    held.delete(resolve(path));
    if (readLock(path)?.text === text) rmSync(path, { force: true });
    if (created)
      try {
        rmdirSync(dir); // only if empty: a run refused before it wrote anything leaves no folder behind
      } catch {
        // not empty: the run's files stay
      }
  };
  process.once('exit', release);
  return { path, release };
}

/**
 * Who holds the run folder `dir`: the lock's pid, host and start time, and whether that process is
 * alive (null when it runs on another host, where it cannot be checked); null when no run holds it.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { acquireRunLock, runLockHolder } from 'boltzflow';
 * const dir = mkdtempSync(join(tmpdir(), 'run-'));
 * const lock = acquireRunLock(dir);
 * console.log(runLockHolder(dir)?.alive); // true
 * lock.release();
 * console.log(runLockHolder(dir)); // null
 * ```
 */
export function runLockHolder(dir: string): (LockInfo & { alive: boolean | null }) | null {
  const info = readLock(join(dir, 'lock'))?.info;
  if (!info) return null;
  return { ...info, alive: info.host === hostname() ? isAlive(info.pid) : null };
}

/** The locks this process holds (a pid in a lock equal to ours is a stale one from an earlier process, as in a restarted container, unless listed here). */
const held = new Set<string>();

/** Places the lock atomically; false if one exists. */
function place(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
  } catch (cause) {
    throw new BoltzflowError('--out', path, `a writable folder for the run's lock (${(cause as Error).message})`, { cause });
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // A file system without hard links: exclusive create instead.
    try {
      writeFileSync(path, text, { flag: 'wx' });
      return true;
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new BoltzflowError('--out', path, `a writable folder for the run's lock (${(e2 as Error).message})`, { cause: e2 });
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** The lock's text and what it says; null if there is no lock. */
function readLock(path: string): { text: string; info: LockInfo | null } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    const ok = Number.isSafeInteger(v.pid) && (v.pid as number) > 0 && typeof v.host === 'string' && typeof v.startedAt === 'string';
    return { text, info: ok ? (v as LockInfo) : null };
  } catch {
    return { text, info: null };
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
