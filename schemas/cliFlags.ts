import { z } from 'zod';
import { BACKEND_NAMES } from '../kernels/selectBackend.js';
import type { TrainConfigInput } from './trainConfig.js';

/** `boltzflow train` flags that set a training-config field (ranges live in `trainConfigSchema`). */
export const trainConfigFlags = {
  hidden: 'nHidden',
  method: 'method',
  k: 'k',
  lr: 'learningRate',
  'lr-schedule': 'learningRateSchedule',
  momentum: 'momentum',
  'weight-decay': 'weightDecay',
  batch: 'batchSize',
  epochs: 'epochs',
  seed: 'seed',
  backend: 'backend',
  'snapshot-every': 'snapshotEvery',
  /** `bernoulli` (values in [0, 1]) or `gaussian` (real values, standardised by the run). */
  visible: 'visibleUnits',
  'learn-variance': 'learnVariance',
  /** PCD: keep the chains' hidden states between steps. */
  'keep-hidden': 'keepHidden',
  /** PT (`--method pt`): replicas of each chain. */
  replicas: 'replicas',
  /** Centering (Melchior et al. 2016): the gradient around offsets that follow the data's means (the default for Bernoulli units; `--no-centering` turns it off). */
  centering: 'centering',
  /** Centering: the offsets' sliding factor. */
  'offset-sliding': 'offsetSliding',
} as const satisfies Record<string, keyof TrainConfigInput>;

const binarize = z.enum(['none', 'threshold', 'stochastic']);
const count = (min: number) => z.int().min(min).max(10_000_000);

/** `boltzflow train` flags that are not config fields. */
export const trainFlagsSchema = z.strictObject({
  /** Default `mnist`, or the resumed run's data. */
  data: z.string().min(1).optional(),
  /** The model kind (dbn and dbm go to their own command, see cli/trainDeep.ts). */
  model: z.literal('rbm').optional(),
  /** Default `runs/rbm`, or the resumed snapshot's folder. */
  out: z.string().min(1).optional(),
  resume: z.string().min(1).optional(),
  /** Start afresh in an --out folder that holds an earlier run: its snapshots, pointer, metrics and log are deleted first. */
  overwrite: z.boolean().default(false),
  /** Train the ordinary (uncentered) gradient: centering is the default for Bernoulli visible units. */
  'no-centering': z.boolean().default(false),
  /** Default `none`, or the resumed run's. */
  binarize: binarize.optional(),
  limit: count(1).optional(),
  'sample-steps': count(0).default(1000),
  /** Held-out data for the metric taps (pseudo-likelihood, free-energy gap), and how often (steps). */
  validation: z.string().min(1).optional(),
  'eval-every': count(1).optional(),
  /** Snapshots: also every this many seconds (default: 60 online, 0 — epoch ends only — offline); files kept. */
  'snapshot-seconds': z.number().min(0).max(31_536_000).optional(),
  keep: count(1).default(3),
  /** Also put each snapshot in a JetStream object store, `nats://HOST:PORT/BUCKET` (created if missing), as its step and as `latest`. */
  'snapshot-store': z.string().min(1).optional(),
  /** Publish each step's metrics on this NATS subject (`nats://HOST:PORT/SUBJECT`, or SUBJECT on the server of a nats:// feed). */
  'metrics-subject': z.string().min(1).max(1000).optional(),
  /** Online training from a feed (`--data -`, a file with --follow, tcp://HOST:PORT, http://HOST:PORT). */
  online: z.boolean().default(false),
  follow: z.boolean().default(false),
  format: z.enum(['auto', 'ndjson', 'csv']).default('auto'),
  buffer: count(1).default(1000),
  overflow: z.enum(['block', 'drop-oldest', 'fail']).default('block'),
  'bad-records': z.enum(['fail', 'skip']).default('fail'),
  /** Online: end cleanly, with a snapshot, once no record has arrived for this many seconds. */
  'stop-when-idle': z.number().positive().max(31_536_000).optional(),
  /** Online from NATS (`nats://…?consumer=NAME`), when this worker creates the consumer: seconds before an unacknowledged record is redelivered. */
  'ack-wait': z.number().min(1).max(86_400).default(60),
  /** Online from NATS: average the parameters with the other workers of the consumer every this many steps (through a JetStream object store). */
  'average-every': count(1).optional(),
  /** Averaging: the longest a round waits for the other workers, in seconds. */
  'average-deadline': z.number().positive().max(3600).default(10),
  /** Averaging: this worker's name among the workers (default: host name and run folder). */
  worker: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/)
    .optional(),
  /** Online: after a signal, how long to go on learning what was already received before the final snapshot. */
  'drain-seconds': z.number().min(0).max(86_400).default(30),
  /** HTTP feeds: the largest body taken (413 past it). */
  'max-body-bytes': z
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .default(64 << 20),
  /** TCP feeds: connect again, with backoff, when the producer goes away. */
  reconnect: z.boolean().default(false),
  /** The longest line of a CSV/NDJSON file or feed, in bytes (default 16 MiB); a longer one is a bad record. At most 256 MiB (a JavaScript string's reach). */
  'max-line-bytes': z
    .int()
    .min(1)
    .max(256 * 1024 * 1024)
    .optional(),
  /** A msgpack log of metrics or whole snapshots, `<out>/log.msgpack`, every N steps. */
  log: z.enum(['metrics', 'snapshots']).optional(),
  'log-every': count(1).default(1),
  /** The live dashboard: served on 127.0.0.1 at this port (0: any free one); another host needs --dashboard-remote. */
  dashboard: z.boolean().default(false),
  'dashboard-port': z.int().min(0).max(65535).default(0),
  'dashboard-host': z.string().min(1).max(255).default('127.0.0.1'),
  'dashboard-remote': z.boolean().default(false),
  json: z.boolean().default(false),
});

/** `boltzflow publish` flags. */
export const publishFlagsSchema = z.strictObject({
  /** `nats://HOST:PORT/STREAM`: the stream, created if missing (its subject is its name). */
  to: z.string().min(1),
  /** Default `mnist`: what `train --data` takes (an IDX file, CSV, NDJSON, mnist, mnist:test). */
  data: z.string().min(1).default('mnist'),
  limit: count(1).optional(),
  binarize: binarize.default('none'),
  /** Seeds `--binarize stochastic`. */
  seed: z.int().min(0).max(0xffffffff).default(1),
  /** Publications awaiting the server's acknowledgement at most. */
  window: z.int().min(1).max(65_536).default(256),
  'max-line-bytes': z
    .int()
    .min(1)
    .max(256 * 1024 * 1024)
    .optional(),
  json: z.boolean().default(false),
});

/** `boltzflow watch` flags. */
export const watchFlagsSchema = z.strictObject({
  /** Stop after this many steps (default: until Ctrl-C). */
  count: count(1).optional(),
  /** Also serve the live dashboard's curves for the followed run, on 127.0.0.1 at this port (0: any free one). */
  dashboard: z.boolean().default(false),
  'dashboard-port': z.int().min(0).max(65535).default(0),
  json: z.boolean().default(false),
});

/** `boltzflow eval` flags. */
export const evalFlagsSchema = z.strictObject({
  model: z.string().min(1),
  data: z.string().min(1),
  /**
   * Default `pseudo-likelihood`, or `reconstruction` for a model with Gaussian visible units. `raise`
   * is the conservative log-probability by reverse annealing; `ais,raise` gives both (the sandwich).
   */
  metric: z.enum(['reconstruction', 'pseudo-likelihood', 'free-energy', 'exact', 'ais', 'raise', 'ais,raise']).optional(),
  /** AIS: annealing runs, and steps (Salakhutdinov & Murray's 14,500 by default; RAISE walks the same schedule). */
  'ais-runs': count(2).default(100),
  'ais-steps': count(3).default(14_500),
  /** RAISE: reverse chains per data row (each row costs as much as this many AIS runs). */
  'raise-runs': count(1).default(1),
  binarize: binarize.optional(),
  limit: count(1).optional(),
  seed: z.int().min(0).max(0xffffffff).default(1),
  backend: z.enum(BACKEND_NAMES).default('auto'),
  json: z.boolean().default(false),
});

/** `boltzflow sample` flags. */
export const sampleFlagsSchema = z.strictObject({
  model: z.string().min(1),
  n: count(1).default(100),
  steps: count(0).default(1000),
  out: z.string().min(1).optional(),
  seed: z.int().min(0).max(0xffffffff).default(1),
  backend: z.enum(BACKEND_NAMES).default('auto'),
  json: z.boolean().default(false),
});
