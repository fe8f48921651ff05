import { BoltzflowError } from '../kernels/BoltzflowError.js';

/** Where a NATS JetStream resource lives: `nats://HOST:PORT/NAME[?consumer=C]`. */
export interface NatsAddress {
  /** `HOST:PORT`, as the client takes it. */
  readonly server: string;
  /** The stream (or bucket) name. */
  readonly name: string;
  /** The durable consumer's name, when given (`?consumer=NAME`). */
  readonly consumer: string | null;
}

/** JetStream's rule for stream, bucket and consumer names (no spaces, dots, `*`, `>`, path separators). */
const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Whether a data or model spec names a NATS server (`nats://…`). */
export const isNatsSpec = (spec: string): boolean => spec.startsWith('nats://');

/**
 * Parses `nats://HOST:PORT/NAME[?consumer=CONSUMER]` (the port defaults to NATS's 4222). `field`
 * names the flag in errors; `consumer: 'required'` asks for the `?consumer=` part (a training
 * worker), `'refused'` refuses it (a publisher, a bucket).
 *
 * @example
 * ```ts
 * import { natsAddress } from 'boltzflow';
 * console.log(natsAddress('nats://127.0.0.1:4222/digits?consumer=workers', '--data')); // { server: '127.0.0.1:4222', name: 'digits', consumer: 'workers' }
 * ```
 */
export function natsAddress(spec: string, field: string, consumer: 'required' | 'refused' | 'optional' = 'optional'): NatsAddress {
  const shape = `nats://HOST:PORT/NAME${consumer === 'required' ? '?consumer=NAME' : ''}`;
  const m = /^nats:\/\/([^/:?]+|\[[^\]]+\])(?::(\d{1,5}))?\/([^?]*)(?:\?(.*))?$/.exec(spec);
  if (!m) throw new BoltzflowError(field, spec, shape);
  const [, host, portText, name, query] = m;
  const port = portText ? Number(portText) : 4222;
  if (port < 1 || port > 65535) throw new BoltzflowError(`${field} port`, portText, 'a port from 1 to 65535');
  if (!NAME.test(name))
    throw new BoltzflowError(`${field} name`, name, 'a JetStream name: letters, digits, - and _ (no dots, spaces, * or >)');
  const params = new URLSearchParams(query ?? '');
  for (const key of params.keys()) if (key !== 'consumer') throw new BoltzflowError(`${field} query`, key, 'only consumer=NAME');
  const c = params.get('consumer');
  if (c !== null && !NAME.test(c))
    throw new BoltzflowError(`${field} consumer`, c, 'a JetStream name: letters, digits, - and _ (no dots, spaces, * or >)');
  if (consumer === 'required' && c === null) throw new BoltzflowError(field, spec, `${shape}: the durable consumer that the workers share`);
  if (consumer === 'refused' && c !== null) throw new BoltzflowError(`${field} consumer`, c, `no ?consumer= here (${shape})`);
  return { server: `${host}:${port}`, name, consumer: c };
}

/** An object of a JetStream object store: `nats://HOST:PORT/BUCKET[/NAME]` (NAME defaults to `latest`). */
export interface NatsObjectAddress {
  readonly server: string;
  readonly bucket: string;
  readonly object: string;
}

/**
 * Parses `nats://HOST:PORT/BUCKET[/NAME]`, an object store's bucket and one of its objects (`latest`
 * when no NAME is given: the snapshot a run put there last).
 *
 * @example
 * ```ts
 * import { natsObjectAddress } from 'boltzflow';
 * console.log(natsObjectAddress('nats://127.0.0.1:4222/models/step-000000600', '--model')); // { server: '127.0.0.1:4222', bucket: 'models', object: 'step-000000600' }
 * ```
 */
export function natsObjectAddress(spec: string, field: string): NatsObjectAddress {
  const m = /^(nats:\/\/[^/]+\/[^/?]+)(?:\/([^/?]+))?$/.exec(spec);
  if (!m) throw new BoltzflowError(field, spec, 'nats://HOST:PORT/BUCKET or nats://HOST:PORT/BUCKET/NAME');
  const { server, name } = natsAddress(m[1], field, 'refused');
  const object = m[2] ?? 'latest';
  if (!/^[A-Za-z0-9_.=-]{1,255}$/.test(object))
    throw new BoltzflowError(`${field} object`, object, 'an object name: letters, digits, ., -, _ and =');
  return { server, bucket: name, object };
}
