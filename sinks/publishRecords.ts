import type { Matrix } from '../kernels/Matrix.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { NatsAddress } from '../sources/natsAddress.js';
import { natsConnect, natsJetStream } from '../sources/natsConnect.js';

export interface PublishOptions {
  /** The flag the address came from, for errors (default `--to`). */
  field?: string;
  /** Publications awaiting the server's acknowledgement at most (default 256): the flow control. */
  window?: number;
  /** Called every `progressEvery` records (default 10,000) with the count so far. */
  onProgress?: (published: number) => void;
  progressEvery?: number;
  /** Stops publishing (what was sent is acknowledged first); the result counts what the stream took. */
  signal?: AbortSignal;
  onStatus?: (line: string) => void;
}

export interface PublishResult {
  readonly published: number;
  /** Whether the stream was created by this call (it did not exist). */
  readonly created: boolean;
  /** The stream sequences of the first and last record published (null when none was). */
  readonly firstSequence: number | null;
  readonly lastSequence: number | null;
}

/** One record as a message body: an NDJSON line, every float32 value exactly (9 significant digits). */
export function recordMessage(values: ArrayLike<number>): string {
  let s = '[';
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    s += (i ? ',' : '') + (x === 0 || x === 1 ? String(x) : String(Number(x.toPrecision(9))));
  }
  return s + ']';
}

/**
 * Publishes each row of `data` as one message (an NDJSON array, `recordMessage`) to the JetStream
 * stream of `address`, created if missing with the stream's name as its one subject. Each
 * publication is acknowledged by the server (stored) before it counts; at most `window` wait at
 * once, so a slow server slows the publisher. Ends with the count.
 *
 * @example
 * ```ts
 * import { Matrix, natsAddress, publishRecords } from 'boltzflow';
 * const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'; // a server started with nats-server -js
 * const r = await publishRecords(natsAddress(`${url}/pairs`, '--to', 'refused'), Matrix.from([[0, 1], [1, 0]]));
 * console.log(r.published); // 2
 * ```
 */
export async function publishRecords(address: NatsAddress, data: Matrix, options: PublishOptions = {}): Promise<PublishResult> {
  const field = options.field ?? '--to';
  const window = options.window ?? 256,
    every = options.progressEvery ?? 10_000;
  const link = await natsConnect(address, { field, onStatus: options.onStatus });
  try {
    const { jsm, js } = await natsJetStream(link, address, field);
    const created = await ensureStream(jsm, address, field);
    const subject = address.name;
    let published = 0,
      firstSequence: number | null = null,
      lastSequence: number | null = null;
    const waiting = new Set<Promise<void>>();
    let failure: unknown = null;
    for (let r = 0; r < data.rows && !options.signal?.aborted && failure === null; r++) {
      const body = recordMessage(data.data.subarray(r * data.cols, (r + 1) * data.cols));
      const p: Promise<void> = js.publish(subject, body).then(
        (ack) => {
          published++;
          firstSequence = firstSequence === null ? ack.seq : Math.min(firstSequence, ack.seq);
          lastSequence = lastSequence === null ? ack.seq : Math.max(lastSequence, ack.seq);
          if (published % every === 0) options.onProgress?.(published);
          waiting.delete(p);
        },
        (e) => {
          failure ??= e;
          waiting.delete(p);
        },
      );
      waiting.add(p);
      if (waiting.size >= window) await Promise.race(waiting);
    }
    await Promise.all(waiting);
    if (failure !== null)
      throw new BoltzflowError(
        field,
        `nats://${address.server}/${address.name}`,
        `a stream that stores the records (${(failure as Error).message}); ${published} were stored`,
        {
          cause: failure,
        },
      );
    return { published, created, firstSequence, lastSequence };
  } finally {
    await link.close();
  }
}

type Jsm = Awaited<ReturnType<typeof natsJetStream>>['jsm'];

/** Creates the stream (subject = its name) if it does not exist; refuses one that does not take that subject. */
export async function ensureStream(jsm: Jsm, address: NatsAddress, field: string): Promise<boolean> {
  try {
    const info = await jsm.streams.info(address.name);
    if (!info.config.subjects?.includes(address.name))
      throw new BoltzflowError(
        field,
        `stream ${address.name} on subjects ${(info.config.subjects ?? []).join(', ')}`,
        `a stream that takes the subject "${address.name}" (boltzflow publishes on the stream's name)`,
      );
    return false;
  } catch (e) {
    if (e instanceof BoltzflowError) throw e;
    if ((e as Error).name !== 'StreamNotFoundError' && !/stream not found/i.test((e as Error).message)) throw e;
    await jsm.streams.add({ name: address.name, subjects: [address.name] });
    return true;
  }
}
