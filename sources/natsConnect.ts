import type { NatsConnection } from '@nats-io/transport-node';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { NatsAddress } from './natsAddress.js';

/** A client connection and what it has been through. */
export interface NatsLink {
  readonly nc: NatsConnection;
  /** Times the client lost the server and connected again (its own backoff: about 1 s with jitter between tries). */
  readonly reconnects: number;
  /** Closes the connection after flushing what is buffered (acknowledgements included). */
  close(): Promise<void>;
}

/**
 * Connects to the NATS server of `address` with the official client (`@nats-io/transport-node`,
 * loaded only when a `nats://` spec is used), reconnecting for ever after a loss (the client's
 * own backoff), each loss and return told to `onStatus` and counted. A server that does not
 * answer the first time is one error naming `field` and the address (within `timeoutMs`).
 *
 * @example
 * ```ts
 * import { natsAddress, natsConnect } from 'boltzflow';
 * await natsConnect(natsAddress('nats://127.0.0.1:1/digits', '--to'), { field: '--to', timeoutMs: 500 }).catch((e: Error) => console.log(e.message.split(':')[0])); // --to
 * ```
 */
export async function natsConnect(
  address: Pick<NatsAddress, 'server'>,
  options: { field: string; onStatus?: (line: string) => void; timeoutMs?: number },
): Promise<NatsLink> {
  const { connect } = await import('@nats-io/transport-node');
  const where = `nats://${address.server}`;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: address.server,
      name: 'boltzflow',
      timeout: options.timeoutMs ?? 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
    });
  } catch (cause) {
    throw new BoltzflowError(
      options.field,
      where,
      `a NATS server that answers (${(cause as Error).message}); start one with: nats-server -js`,
      {
        cause,
      },
    );
  }
  let reconnects = 0;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') options.onStatus?.(`${where}: connection lost; the client reconnects with backoff`);
      else if (s.type === 'reconnect') options.onStatus?.(`${where}: reconnected (${++reconnects} in all)`);
    }
  })();
  return {
    nc,
    get reconnects() {
      return reconnects;
    },
    close: async () => {
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}

/** The JetStream manager of a connection, or one error saying that the server runs without JetStream (`-js`). */
export async function natsJetStream(link: NatsLink, address: NatsAddress, field: string) {
  const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
  try {
    return { jsm: await jetstreamManager(link.nc), js: jetstream(link.nc) };
  } catch (cause) {
    await link.close();
    throw new BoltzflowError(
      field,
      `nats://${address.server}`,
      `a server with JetStream enabled (nats-server -js): ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}
