import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI. */
export const bin = fileURLToPath(new URL('../cli/boltzflow.js', import.meta.url));

/** A running `boltzflow` child whose `--json` stdout is read event by event. */
export interface CliRun {
  child: ChildProcessWithoutNullStreams;
  /** Every event so far. */
  events: Record<string, unknown>[];
  /** Resolves with the first event (past or future) that satisfies `match`. */
  waitFor(match: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when the child exits: its code (null when killed by a signal), signal and stderr. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Spawns `boltzflow ARGS` (which should include `--json`); `cli` is another build's `boltzflow.js` to run instead. */
export function runCli(args: readonly string[], cli = bin): CliRun {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const events: Record<string, unknown>[] = [];
  const waiters: Array<{ match: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }> = [];
  let rest = '',
    stderr = '';
  child.stdin.on('error', () => {}); // EPIPE once the child has exited
  child.stderr.on('data', (c) => (stderr += c));
  child.stdout.on('data', (c) => {
    rest += c;
    let at;
    while ((at = rest.indexOf('\n')) >= 0) {
      const e = JSON.parse(rest.slice(0, at)) as Record<string, unknown>;
      rest = rest.slice(at + 1);
      events.push(e);
      for (const w of waiters.splice(0))
        if (w.match(e)) w.resolve(e);
        else waiters.push(w);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    child,
    events,
    exited,
    waitFor(match, timeoutMs = 60_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
        void exited.then(() => setTimeout(() => reject(new Error(`exited without a matching event; stderr: ${stderr}`)), 50));
      });
    },
  };
}

/** Record i of a 16-unit feed of four repeating stripes, as NDJSON lines. */
export const stripes = (from: number, n: number): string =>
  Array.from({ length: n }, (_, i) => JSON.stringify(Array.from({ length: 16 }, (_, j) => ((from + i + j) % 4 === 0 ? 1 : 0)))).join('\n') +
  '\n';
