import type { NatsObjectAddress } from '../sources/natsAddress.js';
import { openObjectStore } from '../sources/natsObjects.js';

/** A run's snapshots, also put in a JetStream object store. */
export interface SnapshotStore {
  /** Puts one snapshot (its file's name and bytes); returns at once, the upload runs behind. */
  put(name: string, bytes: Uint8Array): void;
  /** Snapshots put in the store so far, and the name `latest` names now. */
  readonly stored: number;
  readonly latest: string | null;
  /** Waits for the upload in progress (and the one waiting), then closes the connection. */
  close(): Promise<void>;
}

/**
 * Opens a JetStream object store bucket (`nats://HOST:PORT/BUCKET`, created if missing) for a
 * run's snapshots: each one put is stored under its file's name (`step-NNNNNNNNN.msgpack`) and then
 * as `latest`, which a put replaces atomically (a reader gets the old object or the new one, never
 * a mix); the `keep` newest step objects are kept. Uploads run behind training, one at a time: a
 * snapshot that comes while one uploads waits, and is replaced by a newer one if it comes too (the
 * store gets the latest, not a backlog). A failed upload is told to `onStatus` and counted; the
 * run's own files are its record either way.
 *
 * @example
 * ```ts
 * import { natsObjectAddress, openSnapshotStore, readObject } from 'boltzflow';
 * const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'; // a server started with nats-server -js
 * const store = await openSnapshotStore(natsObjectAddress(`${url}/example-models`, '--snapshot-store'));
 * store.put('step-000000001.msgpack', Uint8Array.of(1, 2, 3));
 * await store.close();
 * console.log(await readObject(natsObjectAddress(`${url}/example-models`, '--model'), '--model', 1024)); // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 */
export async function openSnapshotStore(
  address: NatsObjectAddress,
  options: { field?: string; keep?: number; onStatus?: (line: string) => void } = {},
): Promise<SnapshotStore> {
  const field = options.field ?? '--snapshot-store';
  const keep = options.keep ?? 3;
  const { link, store } = await openObjectStore(address, { field, create: true, onStatus: options.onStatus });
  let stored = 0,
    latest: string | null = null;
  // Step objects an earlier run put here (a resumed run's) count toward `keep` too.
  const names = (await store.list().catch(() => []))
    .filter((o) => /^step-\d+$/.test(o.name) && !o.deleted)
    .map((o) => o.name)
    .sort();
  let waiting: { name: string; bytes: Uint8Array } | null = null;
  let running: Promise<void> | null = null;
  const upload = async (name: string, bytes: Uint8Array) => {
    await store.putBlob({ name }, bytes);
    await store.putBlob({ name: 'latest', description: name }, bytes);
    stored++;
    latest = name;
    names.push(name);
    for (const old of names.splice(0, Math.max(0, names.length - keep))) await store.delete(old);
  };
  const pump = (): Promise<void> | null => {
    if (!waiting) return null;
    const { name, bytes } = waiting;
    waiting = null;
    return upload(name, bytes)
      .catch((e: Error) => options.onStatus?.(`${field}: could not put ${name} (${e.message}); the run's own files keep it`))
      .then(() => {
        running = pump();
      });
  };
  return {
    put(name, bytes) {
      waiting = { name: name.replace(/\.msgpack$/, ''), bytes: bytes.slice() };
      running ??= pump();
    },
    get stored() {
      return stored;
    },
    get latest() {
      return latest;
    },
    async close() {
      while (running) await running;
      await link.close();
    },
  };
}
