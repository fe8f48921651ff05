import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { NatsObjectAddress } from '../sources/natsAddress.js';
import { openObjectStore } from '../sources/natsObjects.js';

/** One averaging round, as a worker saw it. */
export interface AveragingRound {
  readonly round: number;
  /** Workers whose parameters went into the average (this one included), by name. */
  readonly contributors: readonly string[];
  /** How long this worker waited for the others. */
  readonly waitedMs: number;
  /** Whether the deadline came before every expected worker did. */
  readonly timedOut: boolean;
}

export interface Averager {
  /**
   * Puts `params` (this worker's, in a fixed order) for the next round, waits for the other workers'
   * (or the deadline), and writes the mean of what arrived into `params`, in place.
   */
  average(params: readonly Float32Array[]): Promise<AveragingRound>;
  /** The last round this worker took part in (0 before the first). */
  readonly round: number;
  close(): Promise<void>;
}

export interface AveragerOptions {
  /** This worker's name in the rounds (letters, digits, - and _), unique among the workers. */
  worker: string;
  /** The longest a round waits for the other workers (default 10 s): a dead or slow worker never stalls the rest for longer. */
  deadlineMs?: number;
  /** The round a resumed worker had reached (its snapshot says). */
  startRound?: number;
  onStatus?: (line: string) => void;
}

const NAME = /^r(\d{9})-([A-Za-z0-9_-]+)$/;
const objectName = (round: number, worker: string) => `r${String(round).padStart(9, '0')}-${worker}`;

/**
 * Parameter averaging between workers that learn one model from a shared consumer (parallelised
 * SGD, Zinkevich et al. 2010; federated averaging, McMahan et al. 2017), through a JetStream object
 * store (a parameter set exceeds the 1 MB message limit). A round: each worker puts its parameters
 * as `r<round>-<worker>`, waits until every worker seen in the last three rounds has put its own
 * (or `deadlineMs` passes), and takes the mean of those present, summed in the workers' name order,
 * so that every worker of a round computes the same bits. A worker that joins late, or falls
 * behind, enters the newest round it finds; one that dies is waited for until the deadline of two
 * rounds, then no more; one that `close`s is not waited for at all (its last rounds' objects go with
 * it). Each worker deletes its own objects three rounds old.
 *
 * @example
 * ```ts
 * import { natsObjectAddress, openAverager } from 'boltzflow';
 * const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222'; // a server started with nats-server -js
 * const bucket = natsObjectAddress(`${url}/example-rounds`, '--average-every');
 * const [a, b] = await Promise.all(['a', 'b'].map((worker) => openAverager(bucket, { worker, deadlineMs: 2000 })));
 * const pa = [Float32Array.of(1, 2)], pb = [Float32Array.of(3, 6)];
 * await Promise.all([a.average(pa), b.average(pb)]); // the first round: each may not know of the other yet
 * pa[0].set([1, 2]); pb[0].set([3, 6]);
 * const [ra] = await Promise.all([a.average(pa), b.average(pb)]);
 * console.log(ra.contributors, pa[0], pb[0]); // [ 'a', 'b' ] Float32Array(2) [ 2, 4 ] Float32Array(2) [ 2, 4 ]
 * await Promise.all([a.close(), b.close()]);
 * ```
 */
export async function openAverager(address: NatsObjectAddress, options: AveragerOptions): Promise<Averager> {
  const field = '--average-every';
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(options.worker))
    throw new BoltzflowError('worker', options.worker, 'a name of letters, digits, - and _ (at most 100)');
  const deadlineMs = options.deadlineMs ?? 10_000;
  const { link, store } = await openObjectStore(address, { field, create: true, onStatus: options.onStatus });
  let round = options.startRound ?? 0;
  const present = async () => {
    const byRound = new Map<number, Set<string>>();
    for (const o of await store.list()) {
      const m = NAME.exec(o.name);
      if (!m || o.deleted) continue;
      const r = Number(m[1]);
      if (!byRound.has(r)) byRound.set(r, new Set());
      byRound.get(r)!.add(m[2]);
    }
    return byRound;
  };
  /** A worker's parameters as stored (copied: the client may hand back a view into a larger buffer). */
  const parametersOf = async (name: string): Promise<Float32Array> => {
    const bytes = (await store.getBlob(name)) ?? new Uint8Array(0);
    const copy = new Uint8Array(bytes.length - (bytes.length % 4));
    copy.set(bytes.subarray(0, copy.length));
    return new Float32Array(copy.buffer);
  };
  return {
    get round() {
      return round;
    },
    async average(params) {
      const start = performance.now();
      let total = 0;
      for (const p of params) total += p.length;
      const mine = new Float32Array(total);
      let at = 0;
      for (const p of params) {
        mine.set(p, at);
        at += p.length;
      }
      // The next round, or the newest one under way when this worker is behind (it joined late or was slow).
      let seen = await present();
      const newest = Math.max(0, ...seen.keys());
      round = Math.max(round + 1, newest);
      await store.putBlob({ name: objectName(round, options.worker) }, new Uint8Array(mine.buffer));
      let timedOut = false;
      let here: Set<string>;
      for (;;) {
        seen = await present();
        here = seen.get(round) ?? new Set([options.worker]);
        const expected = new Set<string>([options.worker]);
        for (let r = round - 2; r <= round; r++) for (const w of seen.get(r) ?? []) expected.add(w);
        if ([...expected].every((w) => here.has(w))) break;
        if (performance.now() - start >= deadlineMs) {
          timedOut = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const contributors = [...here].sort();
      const sum = new Float64Array(total);
      for (const w of contributors) {
        const theirs = w === options.worker ? mine : await parametersOf(objectName(round, w));
        if (theirs.length !== total)
          throw new BoltzflowError(
            `${field} round ${round}, worker ${w}`,
            `${theirs.length} parameters`,
            `${total}, as this worker's model has`,
          );
        for (let i = 0; i < total; i++) sum[i] += theirs[i];
      }
      at = 0;
      for (const p of params) {
        for (let i = 0; i < p.length; i++) p[i] = sum[at + i] / contributors.length;
        at += p.length;
      }
      const old = objectName(round - 3, options.worker);
      if (round > 3) await store.delete(old).catch(() => {});
      return { round, contributors, waitedMs: performance.now() - start, timedOut };
    },
    async close() {
      // Leaving: the others stop waiting for this worker at once (they expect whoever put parameters in the last rounds).
      for (let r = Math.max(1, round - 2); r <= round; r++) await store.delete(objectName(r, options.worker)).catch(() => {});
      await link.close();
    },
  };
}
