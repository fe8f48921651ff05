import { say } from './output.js';

/** The signals that ask a run to stop: Ctrl-C, `kill`/`docker stop`/systemd, a closed terminal. */
export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/**
 * Listens for SIGINT, SIGTERM and SIGHUP while a run is on. The first aborts `signal` (the run
 * finishes or abandons its step, saves a snapshot and exits 0); a second one exits at once with
 * status 130. Nothing is corrupted by that: snapshots are written atomically, so the pointer is
 * on the last complete one. `dispose()` stops listening.
 *
 * @example
 * ```ts
 * const stop = shutdownSignals();
 * stop.signal.addEventListener('abort', () => console.log(`stopping on ${stop.received}`));
 * stop.dispose();
 * ```
 */
export function shutdownSignals(): { signal: AbortSignal; readonly received: ShutdownSignal | null; dispose(): void } {
  const controller = new AbortController();
  let received: ShutdownSignal | null = null;
  const on = (name: ShutdownSignal) => {
    if (received) {
      say(`boltzflow: ${name} again: exiting now (the last snapshot on disk is complete)`);
      process.exit(130);
    }
    received = name;
    controller.abort();
  };
  const handlers = SHUTDOWN_SIGNALS.map((name) => [name, () => on(name)] as const);
  for (const [name, handler] of handlers) process.on(name, handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      for (const [name, handler] of handlers) process.removeListener(name, handler);
    },
  };
}
