import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real `nats-server -js` on a loopback port, with its own store folder (removed by `stop`). */
export interface NatsServer {
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then waits for it) and removes its store. */
  stop(): Promise<void>;
  /** Stops the server, waits `downMs`, and starts it again on the same port with the same store (a server that goes away and comes back). */
  restart(downMs: number): Promise<void>;
}

/** Whether Debian's `nats-server` is on this machine (`.ci/run` installs it; without it the NATS tests fail, naming it). */
export function natsServerInstalled(): boolean {
  return spawnSync('nats-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A free loopback port (bound, then let go). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts `nats-server -js` on 127.0.0.1 and resolves once it accepts clients (its log says so). */
export async function startNatsServer(): Promise<NatsServer> {
  if (!natsServerInstalled()) throw new Error('nats-server is not installed: run scripts/debian-packages.sh nats-server (.ci/run does)');
  const store = mkdtempSync(join(tmpdir(), 'boltzflow-nats-'));
  const port = await freePort();
  let running = await launch(port, store);
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    async stop() {
      await running.stop();
      rmSync(store, { recursive: true, force: true });
    },
    async restart(downMs: number) {
      await running.stop();
      await new Promise((r) => setTimeout(r, downMs));
      running = await launch(port, store);
    },
  };
}

/** One server process on `port` with its store in `store`, once it is ready. */
async function launch(port: number, store: string): Promise<{ stop(): Promise<void> }> {
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not start in 10 s:\n${log}`)), 10_000);
    child.stderr.on('data', (c: Buffer) => {
      log += c.toString();
      if (log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`nats-server exited:\n${log}`)));
  });
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
