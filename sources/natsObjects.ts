import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { NatsObjectAddress } from './natsAddress.js';
import { natsConnect, type NatsLink } from './natsConnect.js';

/** A JetStream object store of a connection (`@nats-io/obj`), created if `create` and missing. */
export async function objectStore(link: NatsLink, address: NatsObjectAddress, field: string, create: boolean) {
  const { Objm, setSha256Backend } = await import('@nats-io/obj');
  setSha256Backend('native'); // node:crypto: the pure-JS default costs ~50 ms a 1.5 MB object each way
  const objm = new Objm(link.nc);
  try {
    return create ? await objm.create(address.bucket) : await objm.open(address.bucket);
  } catch (cause) {
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
  const link = await natsConnect(address, { field });
  try {
    const store = await objectStore(link, address, field, false);
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
