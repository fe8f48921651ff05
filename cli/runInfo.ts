import { basename, join, resolve } from 'node:path';
import type { RunInfo } from '../sinks/dashboardServer.js';
import { writeAtomic } from '../sinks/writeAtomic.js';

/** What a run's start event says that the dashboard shows: the backend used, its threads, the model, the folder. */
export function runInfoOf(
  header: { backend: string; threads?: number; model?: string },
  out: string,
): Partial<RunInfo> & { folder: string } {
  return {
    folder: basename(resolve(out)),
    backend: header.backend,
    threads: header.threads ?? 1,
    ...(header.model ? { model: header.model } : {}),
  };
}

/** `<out>/run.json`: the run's start event (backend used, config, data, model), read by `boltzflow dashboard`; replaced by a resumed run's. */
export function writeRunInfo(out: string, header: Record<string, unknown>): void {
  writeAtomic(join(out, 'run.json'), new TextEncoder().encode(JSON.stringify(header) + '\n'));
}
