import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { NatsObjectAddress } from './natsAddress.js';
import { natsConnect } from './natsConnect.js';

/**
 * Connects to the server of `address` and opens its object store bucket (`@nats-io/obj`; created
 * if `create` and missing). A bucket that cannot be opened is one error naming `field`, and the
 * connection is closed again.
 */
export async function openObjectStore(
  address: Pick<NatsObjectAddress, 'server' | 'bucket'>,
  options: { field: string; create: boolean; onStatus?: (line: string) => void },
) {
  const { field, create } = options;
  const link = await natsConnect(address, { field, onStatus: options.onStatus });
  const { Objm, setSha256Backend } = await import('@nats-io/obj');
  setSha256Backend('native'); // node:crypto: the pure-JS default costs ~50 ms a 1.5 MB object each way
  try {
    const objm = new Objm(link.nc);
    return { link, store: create ? await objm.create(address.bucket) : await objm.open(address.bucket) };
  } catch (cause) {
    await link.close();
    throw new BoltzflowError(
      field,
      `nats://${address.server}/${address.bucket}`,
      `${create ? 'an object store bucket that can be made' : 'an object store bucket that exists'} (${(cause as Error).message}${/jetstream not enabled/i.test((cause as Error).message) ? '; the server needs JetStream: nats-server -js' : ''})`,
      { cause },
    );
  }
}

/**
 * The bytes of one object of a JetStream object store (`nats://HOST:PORT/BUCKET[/NAME]`, NAME
 * `latest` by default), at most `maxBytes`; an error naming `field` and the object when it is missing.
 *
 * @example
 * ```ts
 * import { natsObjectAddress, readObject } from 'boltzflow';
 * const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'; // a server started with nats-server -js
 * await readObject(natsObjectAddress(`${url}/nowhere`, '--model'), '--model', 1024).catch((e: Error) => console.log(e.message.split(':')[0])); // --model
 * ```
 */
export async function readObject(address: NatsObjectAddress, field: string, maxBytes: number): Promise<Uint8Array> {
  const { link, store } = await openObjectStore(address, { field, create: false });
  try {
    const where = `nats://${address.server}/${address.bucket}/${address.object}`;
    const info = await store.info(address.object);
    if (!info || info.deleted) throw new BoltzflowError(field, where, `an object in the bucket (it has none named ${address.object})`);
    if (info.size > maxBytes) throw new BoltzflowError(field, `${where}: ${info.size} bytes`, `at most ${maxBytes} bytes`);
    const bytes = await store.getBlob(address.object);
    if (!bytes) throw new BoltzflowError(field, where, 'an object that can be read whole');
    return bytes;
  } finally {
    await link.close();
  }
}
