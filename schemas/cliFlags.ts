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

/** What `boltzflow train --help` says of each config flag (its range and default come from `trainConfigSchema`). */
export const trainConfigFlagHelp: Record<keyof typeof trainConfigFlags, { description: string; defaultText?: string; group?: string }> = {
  hidden: { description: 'hidden units' },
  method: { description: 'cd: contrastive divergence (chains start at the data); pcd: persistent chains; pt: parallel tempering' },
  k: { description: 'Gibbs steps per minibatch' },
  lr: { description: 'learning rate', defaultText: '0.1, or 0.001 with --visible gaussian' },
  'lr-schedule': { description: 'linear: falling to 0 at the end of the last epoch (online runs: constant)' },
  momentum: { description: 'momentum of the parameter updates' },
  'weight-decay': { description: 'L2 weight decay' },
  batch: { description: 'minibatch size' },
  epochs: { description: 'passes over the data (offline runs)' },
  seed: { description: "the run's generator: initial weights, sampling, shuffling, stochastic binarisation" },
  backend: { description: 'compute backend: auto picks the fastest available' },
  'snapshot-every': { description: 'a snapshot every this many steps (0: at the end of each epoch)', group: 'run folder and snapshots' },
  visible: { description: 'bernoulli: values in [0, 1]; gaussian: real values, standardised per column by the run' },
  'learn-variance': { description: "Gaussian visible units: learn each unit's variance too" },
  'keep-hidden': { description: "PCD: keep the chains' hidden states between steps" },
  replicas: { description: 'parallel tempering: replicas of each chain (β from 1 down to 0)' },
  centering: {
    description: 'centering (Melchior et al. 2016): the gradient around offsets that follow the data means',
    defaultText: 'on for Bernoulli visible units; --no-centering turns it off',
  },
  'offset-sliding': { description: "centering: the offsets' sliding factor (how far they move toward each minibatch's means)" },
};

const group = {
  data: 'data',
  model: 'model and training',
  run: 'run folder and snapshots',
  online: 'online training (--online)',
  nats: 'scale-out over NATS JetStream',
  watch: 'monitoring',
  output: 'output',
} as const;

const binarize = z.enum(['none', 'threshold', 'stochastic']);
const count = (min: number) => z.int().min(min).max(10_000_000);
const binarizeHelp = 'binarise [0, 1] values: at 0.5 (threshold) or by sampling each with its value as probability (stochastic)';
const lineBytes = z
  .int()
  .min(1)
  .max(256 * 1024 * 1024);
const lineBytesHelp = {
  description: 'the longest line of a CSV or NDJSON file or feed, in bytes; a longer one is a bad record',
  defaultText: '16 MiB',
};
const json = z.boolean().default(false).meta({ description: 'NDJSON on stdout: one event per line, a summary last', group: group.output });

const zoom = z
  .int()
  .min(1)
  .max(100)
  .optional()
  .meta({ description: 'PNG pixels per image pixel', defaultText: 'the smallest that makes the grid 600 pixels wide or more' });

/** `boltzflow train` flags that are not config fields. */
export const trainFlagsSchema = z.strictObject({
  data: z.string().min(1).optional().meta({
    description:
      'training data: mnist, mnist:test, an IDX file, a CSV of numeric rows or NDJSON (one array per line); with --online a feed: -, FILE, tcp://HOST:PORT, http://HOST:PORT or nats://HOST:PORT/STREAM?consumer=NAME',
    placeholder: 'mnist|PATH|FEED',
    defaultText: "mnist, or the resumed run's data",
    group: group.data,
  }),
  binarize: binarize.optional().meta({ description: binarizeHelp, defaultText: "none, or the resumed run's", group: group.data }),
  limit: count(1).optional().meta({ description: 'use only the first N records', group: group.data }),
  'max-line-bytes': lineBytes.optional().meta({ ...lineBytesHelp, group: group.data }),
  validation: z.string().min(1).optional().meta({
    description: 'held-out data (1,000 rows) for the pseudo-likelihood and free-energy-gap curves',
    placeholder: 'PATH',
    group: group.data,
  }),
  'eval-every': count(1)
    .optional()
    .meta({ description: 'with --validation: evaluate every this many steps', defaultText: '1% of an epoch', group: group.data }),
  model: z.literal('rbm').optional().meta({
    description: 'the model kind: rbm, or dbn|dbm for a deep model (their flags: boltzflow train --model dbn --help)',
    placeholder: 'rbm|dbn|dbm',
    defaultText: 'rbm',
    group: group.model,
  }),
  'no-centering': z.boolean().default(false).meta({ description: 'train the ordinary (uncentered) gradient', group: group.model }),
  'sample-steps': count(0)
    .default(1000)
    .meta({ description: 'Gibbs steps for samples.png at the end (0: no samples)', group: group.model }),
  scale: zoom.meta({ ...zoom.meta(), description: 'filters.png and samples.png: PNG pixels per image pixel', group: group.output }),
  out: z.string().min(1).optional().meta({
    description: 'the run folder: snapshots, metrics.ndjson, images',
    placeholder: 'DIR',
    defaultText: "runs/rbm, or the resumed snapshot's folder",
    group: group.run,
  }),
  resume: z.string().min(1).optional().meta({
    description: 'continue from a snapshot (a file or nats://HOST:PORT/BUCKET[/NAME]) with its config; --epochs may extend it',
    placeholder: 'SNAPSHOT',
    group: group.run,
  }),
  overwrite: z.boolean().default(false).meta({
    description: 'start afresh in an --out folder that holds an earlier run (its snapshots, metrics and log are deleted first)',
    group: group.run,
  }),
  'snapshot-seconds': z
    .number()
    .min(0)
    .max(31_536_000)
    .optional()
    .meta({ description: 'also a snapshot every this many seconds', defaultText: '60 online, 0 offline', group: group.run }),
  keep: count(1).default(3).meta({ description: 'snapshot files kept (the newest)', group: group.run }),
  online: z.boolean().default(false).meta({ description: 'learn from a feed as records arrive (see --data)', group: group.online }),
  follow: z.boolean().default(false).meta({ description: 'a file feed: keep reading what is appended, as tail -f', group: group.online }),
  format: z.enum(['auto', 'ndjson', 'csv']).default('auto').meta({ description: "the feed's record format", group: group.online }),
  buffer: count(1).default(1000).meta({ description: 'records held between the feed and the trainer', group: group.online }),
  overflow: z.enum(['block', 'drop-oldest', 'fail']).default('block').meta({
    description: 'when the buffer is full: make the producer wait, drop the oldest record (counted), or fail',
    group: group.online,
  }),
  'bad-records': z
    .enum(['fail', 'skip'])
    .default('fail')
    .meta({ description: 'a record that does not parse or fit: end the run naming it, or skip and count it', group: group.online }),
  'stop-when-idle': z
    .number()
    .positive()
    .max(31_536_000)
    .optional()
    .meta({ description: 'end cleanly, with a snapshot, once no record has arrived for this many seconds', group: group.online }),
  'drain-seconds': z.number().min(0).max(86_400).default(30).meta({
    description: 'after a signal: how long to go on learning what was already received before the final snapshot',
    group: group.online,
  }),
  'max-body-bytes': z
    .int()
    .min(1)
    .max(2 ** 31 - 1)
    .default(64 << 20)
    .meta({ description: 'HTTP feeds: the largest request body taken (413 past it)', group: group.online }),
  reconnect: z
    .boolean()
    .default(false)
    .meta({ description: 'TCP feeds: connect again, with backoff, when the producer goes away', group: group.online }),
  'ack-wait': z.number().min(1).max(86_400).default(60).meta({
    description: 'a nats:// feed whose consumer this worker creates: seconds before an unacknowledged record is redelivered',
    group: group.nats,
  }),
  'average-every': count(1).optional().meta({
    description: "a nats:// feed: average the parameters with the consumer's other workers every this many steps",
    group: group.nats,
  }),
  'average-deadline': z
    .number()
    .positive()
    .max(3600)
    .default(10)
    .meta({ description: 'averaging: the longest a round waits for the other workers, in seconds', group: group.nats }),
  worker: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/)
    .optional()
    .meta({
      description: "averaging: this worker's name among the workers (letters, digits, - and _)",
      placeholder: 'NAME',
      defaultText: 'host name and run folder',
      group: group.nats,
    }),
  'snapshot-store': z.string().min(1).optional().meta({
    description: 'also put each snapshot in a JetStream object store (created if missing), as its step and as latest',
    placeholder: 'nats://HOST:PORT/BUCKET',
    group: group.nats,
  }),
  'metrics-subject': z.string().min(1).max(1000).optional().meta({
    description: "publish each step's metrics on a NATS subject, for boltzflow watch (a bare SUBJECT: on the server of a nats:// feed)",
    placeholder: 'nats://HOST:PORT/SUBJECT',
    group: group.nats,
  }),
  log: z
    .enum(['metrics', 'snapshots'])
    .optional()
    .meta({ description: 'a msgpack log of metrics or of whole snapshots, <out>/log.msgpack', group: group.watch }),
  'log-every': count(1).default(1).meta({ description: 'with --log: every this many steps', group: group.watch }),
  dashboard: z.boolean().default(false).meta({ description: 'serve the live dashboard', group: group.watch }),
  'dashboard-port': z
    .int()
    .min(0)
    .max(65535)
    .default(0)
    .meta({ description: "the dashboard's port (0: any free one)", group: group.watch }),
  'dashboard-host': z.string().min(1).max(255).default('127.0.0.1').meta({
    description: 'the interface it listens on; another than loopback needs --dashboard-remote',
    placeholder: 'HOST',
    group: group.watch,
  }),
  'dashboard-remote': z
    .boolean()
    .default(false)
    .meta({ description: 'allow a non-loopback --dashboard-host (the page has no authentication)', group: group.watch }),
  'dashboard-exit': z.boolean().default(false).meta({
    description: 'stop serving the dashboard when the run ends',
    defaultText: 'it serves the finished run until Ctrl-C',
    group: group.watch,
  }),
  json,
});

const natsTo = 'nats://HOST:PORT/STREAM';

/** `boltzflow publish` flags. */
export const publishFlagsSchema = z.strictObject({
  to: z.string().min(1).meta({ description: 'the stream, created if missing (its subject is its name)', placeholder: natsTo }),
  data: z
    .string()
    .min(1)
    .default('mnist')
    .meta({ description: 'what train --data takes: mnist, mnist:test, an IDX file, CSV or NDJSON', placeholder: 'mnist|PATH' }),
  limit: count(1).optional().meta({ description: 'publish only the first N records' }),
  binarize: binarize.default('none').meta({ description: binarizeHelp }),
  seed: z.int().min(0).max(0xffffffff).default(1).meta({ description: 'seeds --binarize stochastic' }),
  window: z.int().min(1).max(65_536).default(256).meta({ description: "publications awaiting the server's acknowledgement at most" }),
  'max-line-bytes': lineBytes.optional().meta(lineBytesHelp),
  json: json.meta({ description: 'NDJSON on stdout: one event per line, a summary last' }),
});

/** `boltzflow watch` flags. */
export const watchFlagsSchema = z.strictObject({
  count: count(1).optional().meta({ description: 'stop after this many steps', defaultText: 'until Ctrl-C' }),
  dashboard: z
    .boolean()
    .default(false)
    .meta({ description: "also serve the dashboard's curves for the followed run (after --count steps, until Ctrl-C)" }),
  'dashboard-port': z.int().min(0).max(65535).default(0).meta({ description: "the dashboard's port on 127.0.0.1 (0: any free one)" }),
  json: json.meta({ description: "the run's own step records on stdout, one JSON object per line" }),
});

/** `boltzflow dashboard` flags. */
export const dashboardFlagsSchema = z.strictObject({
  port: z.int().min(0).max(65535).default(7007).meta({ description: 'the port (0: any free one)' }),
  host: z.string().min(1).max(255).default('127.0.0.1').meta({
    description: 'the interface it listens on; another than loopback needs --remote',
    placeholder: 'HOST',
  }),
  remote: z.boolean().default(false).meta({ description: 'allow a non-loopback --host (the page has no authentication)' }),
  json: json.meta({ description: 'NDJSON on stdout: the address as a dashboard event' }),
});

const seed = z.int().min(0).max(0xffffffff).default(1).meta({ description: 'seeds the sampling' });
const backend = z.enum(BACKEND_NAMES).default('auto').meta({ description: 'compute backend: auto picks the fastest available' });
const snapshotPath = {
  description: 'a snapshot: a file, or nats://HOST:PORT/BUCKET[/NAME] (an object store; latest without NAME)',
  placeholder: 'SNAPSHOT',
};
const outputJson = json.meta({ description: 'NDJSON on stdout: one event per line, a summary last' });

/** `boltzflow eval` flags. */
export const evalFlagsSchema = z.strictObject({
  model: z.string().min(1).meta(snapshotPath),
  data: z.string().min(1).meta({ description: 'the data to evaluate on (as train --data)', placeholder: 'PATH' }),
  metric: z.enum(['reconstruction', 'pseudo-likelihood', 'free-energy', 'exact', 'ais', 'raise', 'ais,raise']).optional().meta({
    description:
      'exact: ln P(v) by enumeration (small models); ais: annealed importance sampling; raise: its conservative reverse; ais,raise: both',
    defaultText: 'pseudo-likelihood; reconstruction for Gaussian units; ais for a DBM',
  }),
  'ais-runs': count(2).default(100).meta({ description: 'AIS: annealing runs' }),
  'ais-steps': count(3).default(14_500).meta({ description: 'AIS and RAISE: intermediate distributions (Salakhutdinov & Murray 2008)' }),
  'raise-runs': count(1).default(1).meta({ description: 'RAISE: reverse chains per data row' }),
  binarize: binarize.optional().meta({ description: binarizeHelp, defaultText: "the model's training data's" }),
  limit: count(1).optional().meta({ description: 'evaluate only the first N records' }),
  seed,
  backend,
  json: outputJson,
});

/** `boltzflow sample` flags. */
export const sampleFlagsSchema = z.strictObject({
  model: z.string().min(1).meta(snapshotPath),
  n: count(1).default(100).meta({ description: 'samples' }),
  steps: count(0).default(1000).meta({ description: 'Gibbs steps from the visible biases' }),
  out: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'a PNG grid (image data), CSV or NDJSON of the samples', placeholder: 'FILE.png|.csv|.ndjson' }),
  scale: zoom,
  seed,
  backend,
  json: outputJson,
});

/** `boltzflow complete` flags. */
export const completeFlagsSchema = z.strictObject({
  model: z.string().min(1).meta(snapshotPath),
  data: z.string().min(1).meta({ description: 'images to complete (as train --data)', placeholder: 'PATH' }),
  n: z.int().min(1).max(1000).default(10).meta({ description: 'images completed (the first N records)' }),
  known: z.enum(['top', 'bottom', 'left', 'right']).default('top').meta({ description: 'the half of each image that is given' }),
  samples: z.int().min(1).max(100_000).default(30).meta({ description: 'chains per image' }),
  steps: z.int().min(1).max(100_000).default(100).meta({ description: 'sweeps per chain' }),
  out: z.string().min(1).optional().meta({ description: 'a PNG of cues, completions and originals', placeholder: 'FILE.png' }),
  scale: zoom,
  seed,
  json: outputJson,
});

/** `boltzflow hopfield` flags. */
export const hopfieldFlagsSchema = z.strictObject({
  units: z.int().min(2).max(2000).default(100).meta({ description: 'units of each network' }),
  'max-patterns': z.int().min(1).max(2000).default(30).meta({ description: 'the largest number of stored patterns tried' }),
  step: z.int().min(1).max(1000).default(5).meta({ description: 'stored patterns go up by this much per row' }),
  trials: z.int().min(1).max(1000).default(5).meta({ description: 'networks per row' }),
  noise: z.number().min(0).max(0.5).default(0.1).meta({ description: 'the fraction of bits flipped in each cue' }),
  seed: z.int().min(0).max(0xffffffff).default(1).meta({ description: 'seeds patterns and cues' }),
  json: outputJson,
});

/** `boltzflow export` flags. */
export const exportFlagsSchema = z.strictObject({
  model: z.string().min(1).meta(snapshotPath),
  out: z
    .string()
    .min(1)
    .meta({ description: 'the file (.npz, .json) or, with --format csv, the folder to write', placeholder: 'FILE|DIR' }),
  format: z
    .enum(['npz', 'csv', 'json'])
    .optional()
    .meta({ description: 'npz for numpy.load, csv (a file per array), or json (nested lists)', defaultText: "from --out's extension" }),
  json: outputJson,
});

/** `boltzflow transform` flags. */
export const transformFlagsSchema = z.strictObject({
  model: z.string().min(1).meta(snapshotPath),
  data: z.string().min(1).meta({ description: 'the records to transform (as train --data)', placeholder: 'PATH' }),
  out: z.string().min(1).meta({ description: 'the features: a .npy (float32), .csv or .ndjson (.jsonl) file', placeholder: 'FILE' }),
  binarize: binarize.optional().meta({ description: binarizeHelp, defaultText: "the model's training data's" }),
  limit: count(1).optional().meta({ description: 'transform only the first N records' }),
  backend,
  json: outputJson,
});
