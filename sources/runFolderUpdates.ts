import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Observable } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { DashboardUpdate, MetricsRow, RunInfo } from '../sinks/dashboardServer.js';
import { runLockHolder } from '../sinks/runLock.js';

export interface RunFolderUpdatesOptions {
  /** Milliseconds between looks at the folder (default 1000). */
  pollMs?: number;
}

/**
 * A run folder as dashboard updates (see `serveDashboard`): the step lines of `metrics.ndjson`,
 * then the lines appended to it while the run goes on (a file trimmed by a resume starts again);
 * `filters.png` and `samples.png` whenever they change; and the run's info from `run.json` (the
 * backend it used, its config and model) with its state from the folder's lock (running while the
 * lock's process is alive, stopped when it is gone without releasing it, ended when released). A
 * folder without `metrics.ndjson` or `run.json` is an error naming it.
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { take } from 'rxjs';
 * import { runFolderUpdates } from 'boltzflow';
 * const dir = mkdtempSync(join(tmpdir(), 'run-'));
 * writeFileSync(join(dir, 'metrics.ndjson'), '{"event":"step","step":1,"seconds":0.1,"reconstructionError":42}\n');
 * runFolderUpdates(dir).pipe(take(2)).subscribe((u) => console.log(u.kind)); // rows · info
 * ```
 */
export function runFolderUpdates(dir: string, options: RunFolderUpdatesOptions = {}): Observable<DashboardUpdate> {
  const metrics = join(dir, 'metrics.ndjson');
  if (!isRunFolder(dir)) throw new BoltzflowError('dashboard', dir, 'a run folder (one with metrics.ndjson, as train --out writes)');
  return new Observable<DashboardUpdate>((subscriber) => {
    let offset = 0;
    let partial = '';
    let infoText = '';
    const seen: Record<string, number> = {};
    const look = () => {
      let size = 0;
      try {
        size = statSync(metrics).size;
      } catch {
        // not written yet
      }
      if (size < offset) {
        offset = 0;
        partial = '';
        subscriber.next({ kind: 'reset' });
      }
      if (size > offset) {
        const fd = openSync(metrics, 'r');
        const bytes = Buffer.alloc(size - offset);
        try {
          readSync(fd, bytes, 0, bytes.length, offset);
        } finally {
          closeSync(fd);
        }
        offset = size;
        const text = partial + bytes.toString('utf8');
        const end = text.lastIndexOf('\n') + 1;
        partial = text.slice(end); // a line still being written
        const rows = stepRows(text.slice(0, end));
        if (rows.length > 0) subscriber.next({ kind: 'rows', rows });
      }
      for (const name of ['filters', 'samples'] as const) {
        const path = join(dir, `${name}.png`);
        try {
          const changed = statSync(path).mtimeMs;
          if (seen[name] === changed) continue;
          seen[name] = changed;
          subscriber.next({ kind: 'image', name, png: readFileSync(path) });
        } catch {
          // no image (yet)
        }
      }
      const info = runInfo(dir);
      const text = JSON.stringify(info);
      if (text !== infoText) {
        infoText = text;
        subscriber.next({ kind: 'info', info });
      }
    };
    look();
    const timer = setInterval(look, options.pollMs ?? 1000);
    timer.unref();
    return () => clearInterval(timer);
  });
}

/** Whether a folder holds a run: what `train --out` writes (`metrics.ndjson`, `run.json`). */
export function isRunFolder(dir: string): boolean {
  return existsSync(join(dir, 'metrics.ndjson')) || existsSync(join(dir, 'run.json'));
}

/** The step lines of `metrics.ndjson` text, parsed; other lines, and one cut by a kill, are left out. */
export function stepRows(text: string): MetricsRow[] {
  const rows: MetricsRow[] = [];
  for (const line of text.split('\n'))
    try {
      const row = JSON.parse(line) as MetricsRow;
      if (typeof row.step === 'number') rows.push(row);
    } catch {
      // not a step line
    }
  return rows;
}

/** What `run.json` says of the run, and its state from the lock. */
function runInfo(dir: string): RunInfo {
  let start: Record<string, unknown> = {};
  try {
    start = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    // a run from before run.json, or a library run: the curves only
  }
  const holder = runLockHolder(dir);
  const state = holder === null ? 'ended' : holder.alive === false ? 'stopped' : 'running';
  const { event: _event, ...rest } = start;
  return { folder: basename(resolve(dir)), ...rest, state };
}
