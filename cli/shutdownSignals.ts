import { fromEvent, of, type Observable } from 'rxjs';
import { say } from './output.js';

/** The signals that ask a run to stop: Ctrl-C, `kill`/`docker stop`/systemd, a closed terminal. */
export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

export interface Shutdown {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  /** Emits once the first signal has come (at once if it already has). */
  readonly requested$: Observable<unknown>;
  /** Which signal came first, or null. */
  readonly received: ShutdownSignal | null;
  /** What a second signal's exit leaves behind, said in its one line (e.g. the last snapshot on disk and what is not in it). */
  lastWords: () => string;
  dispose(): void;
}

/**
 * Listens for SIGINT, SIGTERM and SIGHUP while a command runs. The first aborts `signal` (the run
 * finishes or abandons its step, saves a snapshot and exits 0); a second one exits at once with
 * status 130, saying what that leaves behind (`lastWords`). Nothing is corrupted by that: snapshots
 * are written atomically, so the pointer is on the last complete one. `dispose()` stops listening.
 */
export function shutdownSignals(): Shutdown {
  const controller = new AbortController();
  let received: ShutdownSignal | null = null;
  const on = (name: ShutdownSignal) => {
    if (received) {
      say(`boltzflow: ${name} again: exiting now, without a final snapshot; ${shutdown.lastWords()}`);
      process.exit(130);
    }
    received = name;
    controller.abort();
  };
  const handlers = SHUTDOWN_SIGNALS.map((name) => [name, () => on(name)] as const);
  for (const [name, handler] of handlers) process.on(name, handler);
  const shutdown: Shutdown = {
    signal: controller.signal,
    get requested$() {
      return controller.signal.aborted ? of(true) : fromEvent(controller.signal, 'abort');
    },
    get received() {
      return received;
    },
    lastWords: () => 'nothing had been saved by this run',
    dispose() {
      for (const [name, handler] of handlers) process.removeListener(name, handler);
    },
  };
  return shutdown;
}
