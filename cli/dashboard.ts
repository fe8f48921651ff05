import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { dashboardFlagsSchema } from '../schemas/cliFlags.js';
import { serveDashboard } from '../sinks/dashboardServer.js';
import { isRunFolder, runFolderUpdates } from '../sources/runFolderUpdates.js';
import { emit, say } from './output.js';
import { parseFlags } from './parseFlags.js';
import { shutdownSignals } from './shutdownSignals.js';

/**
 * The run folders a `dashboard` argument names: the folder itself when it holds a run, else the
 * runs in its subfolders (as `tensorboard --logdir` takes a folder of runs), by name.
 */
function runsIn(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new BoltzflowError('dashboard', dir, 'a run folder (what train --out writes)');
  if (isRunFolder(dir)) return [dir];
  const inside = readdirSync(dir)
    .sort()
    .map((name) => join(dir, name))
    .filter((d) => statSync(d).isDirectory() && isRunFolder(d));
  if (inside.length === 0)
    throw new BoltzflowError('dashboard', dir, 'a run folder, or a folder of them (none here has metrics.ndjson, as train --out writes)');
  return inside;
}

/**
 * `boltzflow dashboard RUN_DIR [RUN_DIR…]`: serves the dashboard of finished or running runs from
 * their folders, overlaid, until Ctrl-C; running ones update as they go.
 */
export async function dashboardCommand(args: readonly string[]): Promise<void> {
  const first = args.findIndex((a) => a.startsWith('-'));
  const dirs = first < 0 ? args : args.slice(0, first);
  const flags = parseFlags(first < 0 ? [] : args.slice(first), dashboardFlagsSchema, { command: 'dashboard' });
  if (dirs.length === 0) throw new BoltzflowError('dashboard', undefined, 'one or more run folders (what train --out writes)');
  const folders = [...new Set(dirs.flatMap(runsIn))];
  const runs = folders.map((dir) => ({ name: dir.replace(/\/+$/, ''), updates: runFolderUpdates(dir) }));
  const shutdown = shutdownSignals();
  try {
    const server = await serveDashboard(runs, {
      port: flags.port,
      host: flags.host,
      allowRemote: flags.remote,
      warn: (line) => process.stderr.write(`warning: ${line}\n`),
    });
    if (flags.json) emit({ event: 'dashboard', url: server.url, runs: runs.map((r) => r.name) });
    else say(`boltzflow dashboard · ${runs.length} run(s): ${runs.map((r) => r.name).join(', ')}\n  ${server.url}  (Ctrl-C stops)`);
    await firstValueFrom(shutdown.requested$);
    await server.close();
  } finally {
    shutdown.dispose();
  }
}
