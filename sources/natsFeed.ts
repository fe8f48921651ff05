import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { checkRecord } from './checkRecord.js';
import { BAD_RECORD_KINDS, type BadRecordKind, type FeedItem } from './DataRecord.js';
import type { NatsAddress } from './natsAddress.js';
import { natsConnect, natsJetStream } from './natsConnect.js';
import type { Feed } from './openFeed.js';
import { tryParseRecord, type LineFormat } from './parseRecord.js';
import { sequenceRanges, sequencesOf } from './sequenceRanges.js';

export interface NatsFeedOptions {
  /** Message format (default `auto`: NDJSON when a message starts with `[`, else CSV). */
  format?: LineFormat | 'auto';
  /** Messages pulled at once (default 500): what waits on this side of the broker. */
  capacity?: number;
  /** Stops pulling; what was pulled is still delivered, then the feed ends. */
  signal?: AbortSignal;
  /** Values per record when known (a resumed model's); else the first record's. */
  nVisible?: number;
  /** A bad record: passed on in its place for the consumer to fail on (`fail`, default), or skipped and counted. */
  onBadRecord?: 'fail' | 'skip';
  /**
   * Stream sequences a resumed snapshot had learned (or skipped) whose acknowledgement was not
   * confirmed when it was written, as `sequenceRanges`: on arrival they are acknowledged, never
   * learned again.
   */
  learned?: readonly number[];
  /** When the consumer is created here: seconds before the server redelivers an unacknowledged message (default 60) … */
  ackWaitSeconds?: number;
  /** … and the most messages it lets be unacknowledged, over all workers (default 20,000). */
  maxAckPending?: number;
  /** A line about the connection's state for people (lost, reconnected). */
  onStatus?: (line: string) => void;
}

/** A JetStream feed: a {@link Feed} whose records are acknowledged once a snapshot holds them. */
export interface NatsFeed extends Feed {
  readonly broker: {
    /** Messages acknowledged by this run (confirmed by the server), learned or skipped. */
    readonly acknowledged: number;
    /** Messages that came again while this run held them, or that a resumed snapshot had already learned (acknowledged, not learned again). */
    readonly duplicates: number;
    /** Records delivered here after another delivery elsewhere (a worker that died or was slow). */
    readonly redelivered: number;
    readonly reconnects: number;
    /** The consumer's limit on unacknowledged messages, and the records after which this feed asks for a snapshot (see `due`). */
    readonly maxAckPending: number;
    readonly ackEvery: number;
    /** The consumer's ack wait: how long the server waits before it redelivers what a worker holds unacknowledged. */
    readonly ackWaitSeconds: number;
  };
  /** Records taken by the consumer and not yet acknowledged. */
  readonly unacknowledged: number;
  /** Whether so many records wait for their acknowledgement that a snapshot should be written now (the consumer would stall). */
  due(): boolean;
  /**
   * The first `learned` records this run took (and the bad ones among them) are in a durable
   * snapshot: acknowledges their messages. Returns once the server confirmed them (and every earlier acknowledgement).
   */
  acknowledge(learned: number): Promise<void>;
  /** What a snapshot holding the first `learned` records must record: the sequences it holds whose acknowledgement is not confirmed (`sequenceRanges`). */
  unconfirmed(learned: number): number[];
  /** The consumer's own counts: messages not yet delivered, and delivered but not acknowledged (over all workers). */
  pending(): Promise<{ pending: number; ackPending: number }>;
  /** Gives back (`nak`) what no snapshot holds, so that the server redelivers it at once; flushes the acknowledgements and closes the connection. */
  closeAsync(): Promise<void>;
}

/** How long one pull waits for messages (the client checks the server's heartbeats every half of it). */
const PULL_MS = 5000;

interface Held {
  readonly seq: number;
  readonly good: boolean;
  msgs: JsMsg[];
}

/**
 * Opens a durable pull consumer of a JetStream stream as a feed (`nats://HOST:PORT/STREAM?consumer=NAME`):
 * the consumer is created if missing (explicit acknowledgement; every worker that names it shares
 * it, so each record goes to one of them). Records come in the order pulled, `capacity` at a time;
 * none is acknowledged when taken: the trainer calls `acknowledge` once a snapshot holding it is
 * on disk, so a worker that dies loses nothing (the server redelivers what it had not
 * acknowledged, after `ackWaitSeconds`). While a record waits, its acknowledgement deadline is
 * renewed (`working`), so a slow minibatch is not redelivered to another worker. What a resumed
 * snapshot already learned (`learned`) is acknowledged on arrival, not learned twice.
 *
 * @example
 * ```ts
 * import { Matrix, natsAddress, openNatsFeed, publishRecords } from 'boltzflow';
 * const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'; // a server started with nats-server -js
 * await publishRecords(natsAddress(`${url}/example`, '--to'), Matrix.from([[0, 1], [1, 0]]));
 * const feed = await openNatsFeed(natsAddress(`${url}/example?consumer=reader`, '--data', 'required'));
 * let n = 0;
 * for await (const r of feed) if (++n === 2) break;
 * await feed.acknowledge(2); // as a trainer does once a snapshot holds both
 * console.log(n, feed.broker.acknowledged); // 2 2
 * await feed.closeAsync();
 * ```
 */
export async function openNatsFeed(address: NatsAddress, options: NatsFeedOptions = {}): Promise<NatsFeed> {
  const field = '--data';
  if (!address.consumer) throw new BoltzflowError(field, `nats://${address.server}/${address.name}`, 'a consumer: ?consumer=NAME');
  const consumerName = address.consumer;
  const { format = 'auto', capacity = 500, signal, onBadRecord = 'fail' } = options;
  const link = await natsConnect(address, { field, onStatus: options.onStatus });
  let consumer: Consumer;
  let maxAckPending: number, ackWaitMs: number, ackFloor: number;
  try {
    const { jsm, js } = await natsJetStream(link, address, field);
    await jsm.streams.info(address.name).catch((e: Error) => {
      throw new BoltzflowError(
        field,
        `stream ${address.name}`,
        `a stream on nats://${address.server} (${e.message}); boltzflow publish --to creates one`,
      );
    });
    const info = await ensureConsumer(jsm, address.name, consumerName, options);
    maxAckPending = info.config.max_ack_pending ?? 1000;
    ackWaitMs = (info.config.ack_wait ?? 30e9) / 1e6;
    ackFloor = info.ack_floor.stream_seq;
    consumer = await js.consumers.get(address.name, consumerName);
  } catch (e) {
    await link.close();
    throw e;
  }
  const name = `nats://${address.server}/${address.name}?consumer=${consumerName}`;
  // A consumer without a limit (-1) still gets a snapshot, and its acknowledgements, every 5,000 records.
  const ackEvery = maxAckPending > 0 ? Math.max(1, Math.min(5000, Math.floor(maxAckPending / 8))) : 5000;
  const carried = new Set(sequencesOf(options.learned ?? []).filter((s) => s > ackFloor));
  const skipped = Object.fromEntries(BAD_RECORD_KINDS.map((k) => [k, 0])) as Record<BadRecordKind, number>;
  const held: Held[] = []; // taken, in order, not yet acknowledged
  const heldBySeq = new Map<number, Held>();
  const acking = new Set<number>(); // acknowledgement sent, not yet confirmed
  let width = options.nVisible ?? 0,
    received = 0,
    ackedGood = 0,
    acknowledged = 0,
    duplicates = 0,
    redelivered = 0;
  // A held record's deadline is renewed well before the server would redeliver it.
  const renew = setInterval(
    () => {
      for (const h of held) h.msgs[h.msgs.length - 1].working();
    },
    Math.max(200, ackWaitMs / 3),
  );
  renew.unref();
  const decoder = new TextDecoder();
  // Acknowledgements are sent as they come (plain acks, no reply each: one per record would cost as much as
  // learning it) and confirmed together by a round trip to the server, which reads a connection in order.
  const inflight = new Set<Promise<void>>();
  const ackAll = (entries: Array<{ seq: number; msgs: JsMsg[] }>): Promise<void> => {
    if (entries.length === 0) return Promise.resolve();
    for (const { seq, msgs } of entries) {
      acking.add(seq);
      // The latest delivery's acknowledgement is the one the server waits for; earlier ones are acknowledged too, harmlessly.
      for (const m of msgs) m.ack();
    }
    const p: Promise<void> = link.nc.flush().then(
      () => {
        for (const { seq } of entries) acking.delete(seq);
        acknowledged += entries.length;
        inflight.delete(p);
      },
      () => inflight.delete(p), // not confirmed: they stay in what the next snapshot records
    ) as Promise<void>;
    inflight.add(p);
    return p;
  };

  /** One message as what the trainer takes (null: nothing to take, a duplicate or a skipped bad record). */
  let chosen: LineFormat | null = format === 'auto' ? null : format;
  const take = (m: JsMsg): FeedItem | null => {
    const seq = m.seq;
    const again = heldBySeq.get(seq);
    if (again) {
      again.msgs.push(m); // the server's deadline ran out while this run held it: still one record
      duplicates++;
      return null;
    }
    if (carried.has(seq)) {
      carried.delete(seq);
      duplicates++;
      void ackAll([{ seq, msgs: [m] }]);
      return null;
    }
    if (m.redelivered) redelivered++;
    const where = `${address.name} seq ${seq}`;
    const text = decoder.decode(m.data).trim();
    chosen ??= text.startsWith('[') ? 'ndjson' : 'csv';
    const parsed = tryParseRecord(text, chosen, where);
    const item: FeedItem = parsed instanceof Float32Array ? { values: parsed, where } : parsed;
    if (item.values) width ||= item.values.length;
    const problem = item.values ? checkRecord(item, width) : item;
    const h: Held = { seq, good: !problem, msgs: [m] };
    held.push(h);
    heldBySeq.set(seq, h);
    if (!problem) {
      received++;
      return item;
    }
    if (onBadRecord === 'fail') return problem;
    skipped[problem.kind]++;
    return null;
  };

  async function* items(): AsyncGenerator<FeedItem> {
    while (!signal?.aborted) {
      // One pull of at most `capacity` messages, drained to its end before the next: nothing is left in flight
      // between pulls, so a stop (or a trainer that stops early) leaves no message unseen until the ack wait.
      let batch;
      try {
        batch = (await consumer.fetch({ max_messages: capacity, expires: PULL_MS }))[Symbol.asyncIterator]();
      } catch (e) {
        options.onStatus?.(`${name}: pulling failed (${(e as Error).message}); trying again in 1 s`);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      const next = () =>
        batch.next().catch((e: Error) => {
          options.onStatus?.(`${name}: a pull ended early (${e.message}); pulling again`);
          return { done: true, value: undefined } as const;
        });
      let ended = false;
      try {
        for (let r = await next(); !r.done; r = await next()) {
          const item = take(r.value);
          if (item) yield item;
        }
        ended = true;
      } finally {
        // The trainer stopped early: the rest of this pull goes back at once.
        if (!ended) for (let r = await next(); !r.done; r = await next()) r.value.nak();
      }
    }
  }

  const feed: NatsFeed = {
    get name() {
      return name;
    },
    dropped: 0,
    get received() {
      return received;
    },
    skipped,
    torn: 0,
    http: null,
    broker: {
      get acknowledged() {
        return acknowledged;
      },
      get duplicates() {
        return duplicates;
      },
      get redelivered() {
        return redelivered;
      },
      get reconnects() {
        return link.reconnects;
      },
      maxAckPending,
      ackEvery,
      ackWaitSeconds: ackWaitMs / 1000,
    },
    get unacknowledged() {
      return held.length;
    },
    due: () => held.length >= ackEvery,
    async acknowledge(learned: number) {
      const done: Held[] = [];
      while (held.length > 0) {
        const h = held[0];
        if (ackedGood >= learned) break; // a bad record after the last one learned waits for the next snapshot
        if (h.good) ackedGood++;
        held.shift();
        heldBySeq.delete(h.seq);
        done.push(h);
      }
      void ackAll(done);
      await Promise.all(inflight); // these and every earlier acknowledgement still in flight
    },
    unconfirmed(learned: number) {
      const seqs = [...carried, ...acking];
      let good = ackedGood;
      for (const h of held) {
        if (good >= learned) break;
        if (h.good) good++;
        seqs.push(h.seq);
      }
      return sequenceRanges(seqs);
    },
    async pending() {
      const info = await consumer.info();
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    },
    close() {
      void feed.closeAsync();
    },
    async closeAsync() {
      clearInterval(renew);
      // What no snapshot holds goes back to the consumer at once, for this or another worker (not after the ack wait).
      for (const h of held.splice(0)) for (const m of h.msgs) m.nak();
      heldBySeq.clear();
      await link.close();
    },
    [Symbol.asyncIterator]: () => items(),
  };
  return feed;
}

type Jsm = Awaited<ReturnType<typeof natsJetStream>>['jsm'];

/** The durable consumer's info, creating it (explicit acks, all messages) if it does not exist. */
async function ensureConsumer(jsm: Jsm, stream: string, name: string, options: NatsFeedOptions) {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (e) {
    if (!/consumer not found/i.test((e as Error).message)) throw e;
  }
  const { AckPolicy, DeliverPolicy } = await import('@nats-io/jetstream');
  try {
    return await jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: (options.ackWaitSeconds ?? 60) * 1e9,
      max_ack_pending: options.maxAckPending ?? 20_000,
    });
  } catch (e) {
    // Another worker created it a moment ago.
    if (/already (exists|in use)/i.test((e as Error).message)) return await jsm.consumers.info(stream, name);
    throw e;
  }
}
