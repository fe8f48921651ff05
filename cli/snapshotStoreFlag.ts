import { openSnapshotStore, type SnapshotStore } from '../sinks/snapshotStore.js';
import { natsAddress } from '../sources/natsAddress.js';

/** `--snapshot-store nats://HOST:PORT/BUCKET`: the run's object store for its snapshots (null without the flag). */
export async function snapshotStoreFlag(
  spec: string | undefined,
  keep: number,
  onStatus: (line: string) => void,
): Promise<SnapshotStore | null> {
  if (!spec) return null;
  const { server, name } = natsAddress(spec, '--snapshot-store', 'refused');
  return openSnapshotStore({ server, bucket: name, object: 'latest' }, { keep, onStatus });
}

/** What a summary says of the store: its bucket, the snapshots put there, and what `latest` names. */
export function storeSummary(spec: string | undefined, store: SnapshotStore | null) {
  return store ? { snapshotStore: { bucket: spec, stored: store.stored, latest: store.latest } } : {};
}
