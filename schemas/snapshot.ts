import { Packr } from 'msgpackr';
import { z } from 'zod';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { parseWith } from './parseWith.js';
import { storedTrainConfigSchema } from './trainConfig.js';

export const SNAPSHOT_FORMAT = 'boltzflow-snapshot';
export const SNAPSHOT_VERSION = 1;

/** What a snapshot may hold: the reader refuses anything larger, so the writer never writes it. */
export interface SnapshotLimits {
  /** Visible units. */
  maxVisible: number;
  /** Hidden units (the same bound as `trainConfigSchema`'s nHidden). */
  maxHidden: number;
  /** Bytes of the encoded file. */
  maxBytes: number;
}

/**
 * The one set of limits shared by the snapshot writer (`snapshotSink`, checked before training
 * starts and again on the encoded bytes) and the reader (`readSnapshot`, `snapshotSchema`).
 */
export const SNAPSHOT_LIMITS: Readonly<SnapshotLimits> = Object.freeze({ maxVisible: 1_000_000, maxHidden: 100_000, maxBytes: 1 << 30 });

/** The shape of a model to be saved: enough to bound its snapshot's size. */
export interface SnapshotShape {
  nVisible: number;
  nHidden: number;
  /** Persistent chains (PCD: the batch size), 0 for CD. */
  chains: number;
  /** Gaussian visible units keep a log-variance per unit. */
  gaussian?: boolean;
}

/** Room for the config, data description, counters and metrics besides the tensors. */
const OVERHEAD_BYTES = 64 * 1024;

/** An upper bound on the encoded size of a snapshot of this shape: parameters and velocity (float32), chains (visible and hidden), the standardisation, centering's offsets, and the rest. */
export function snapshotBytesBound(s: SnapshotShape): number {
  const params = s.nVisible * s.nHidden + s.nVisible * (s.gaussian ? 2 : 1) + s.nHidden;
  // Gaussian runs also keep the data's standardisation (a mean and a std per visible unit).
  // Centered runs keep their offsets (one per unit).
  const floats = 2 * params + s.chains * (s.nVisible + s.nHidden) + (s.gaussian ? 2 * s.nVisible : 0) + s.nVisible + s.nHidden;
  return 4 * floats + 16 * 8 + OVERHEAD_BYTES;
}

/**
 * Refuses, before any work is done, a model whose snapshot the reader would refuse: too many
 * visible or hidden units, or a file past `limits.maxBytes`.
 *
 * @example
 * ```ts
 * import { assertSnapshotFits } from '#internal/schemas/snapshot.js';
 * assertSnapshotFits({ nVisible: 784, nHidden: 500, chains: 100 }); // fine
 * try { assertSnapshotFits({ nVisible: 1_000_001, nHidden: 10, chains: 0 }); }
 * catch (e) { console.log((e as Error).message); } // nVisible: got 1000001, expected at most 1000000 …
 * ```
 */
export function assertSnapshotFits(s: SnapshotShape, limits: Readonly<SnapshotLimits> = SNAPSHOT_LIMITS): void {
  const why = 'so that its snapshots can be read back';
  if (s.nVisible > limits.maxVisible)
    throw new BoltzflowError('nVisible', s.nVisible, `at most ${limits.maxVisible} visible units (values per record), ${why}`);
  if (s.nHidden > limits.maxHidden) throw new BoltzflowError('nHidden', s.nHidden, `at most ${limits.maxHidden}, ${why}`);
  const bytes = snapshotBytesBound(s);
  if (bytes > limits.maxBytes)
    throw new BoltzflowError(
      'model',
      `rbm ${s.nVisible}→${s.nHidden}${s.chains ? ` with ${s.chains} persistent chains` : ''}, whose snapshot needs about ${bytes} bytes`,
      `a snapshot of at most ${limits.maxBytes} bytes (the reader's limit): fewer hidden units, fewer visible units${s.chains ? ', or a smaller --batch' : ''}`,
    );
}

const f32 = z.custom<Float32Array>((v) => v instanceof Float32Array, { error: 'a Float32Array' });
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The per-column standardisation fitted on a Gaussian run's training data (see `fitStandardization`):
 * the model sees (x − mean) / std. Lengths (nVisible), finiteness and std > 0 are checked by
 * {@link checkStandardization} against the model it belongs to.
 */
export const standardizationSchema = z.strictObject({ mean: f32, std: f32 });

/** Issues of a standardisation for `nVisible` columns (empty when fine), as [path within it, expected]. */
export function checkStandardization(s: z.output<typeof standardizationSchema>, nVisible: number): [string, string][] {
  const issues: [string, string][] = [];
  for (const key of ['mean', 'std'] as const) {
    const a = s[key];
    if (a.length !== nVisible) issues.push([key, `length ${nVisible} (nVisible)`]);
    else if (!allFinite(a)) issues.push([key, 'finite values only (found NaN or ±Infinity)']);
    else if (key === 'std' && a.some((x) => !(x > 0))) issues.push([key, 'values > 0 only']);
  }
  return issues;
}

/** Describes the data a run was trained on (so `eval` and `sample` can match it). */
export const dataInfoSchema = z.strictObject({
  name: z.string().max(4096),
  rows: z.int().min(1),
  imageShape: z.tuple([z.int().min(1), z.int().min(1)]).nullable(),
  binarize: z.enum(['none', 'threshold', 'stochastic']),
  /** Gaussian runs of the CLI: the standardisation fitted on the training data, applied to all data given to the model. */
  standardization: standardizationSchema.optional(),
  /**
   * Online runs from a broker (`nats://`): the stream sequences this snapshot holds (learned, or
   * skipped as bad) whose acknowledgement the server had not confirmed when it was written, as
   * `sequenceRanges`; a resumed worker acknowledges them on arrival instead of learning them again.
   */
  unconfirmed: z.array(z.int().min(1)).max(1_000_000).optional(),
  /** Online runs that average parameters with other workers (`--average-every`): the last round this worker took part in. */
  round: z.int().min(0).optional(),
});
export type DataInfo = z.output<typeof dataInfoSchema>;

const paramsShape = z.strictObject({
  weights: f32,
  visibleBias: f32,
  hiddenBias: f32,
  /** Gaussian visible units only: ln σᵢ². */
  logVariance: f32.optional(),
});

/** The visible units' kind (see `VisibleUnits`); absent in snapshots of Bernoulli RBMs. */
export const visibleUnitsSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('bernoulli'),
    softmaxGroups: z
      .array(z.strictObject({ start: z.int().min(0), size: z.int().min(2) }).readonly())
      .max(100_000)
      .readonly()
      .optional(),
  }),
  z.strictObject({ type: z.literal('gaussian'), learnVariance: z.boolean() }),
]);

/**
 * The complete training state of an RBM run: enough to continue it bit for bit. Tensors are
 * checked by type and length (never element by element through zod); finiteness separately.
 */
export const snapshotSchema = z
  .strictObject({
    format: z.literal(SNAPSHOT_FORMAT),
    version: z.literal(SNAPSHOT_VERSION),
    model: z.literal('rbm'),
    nVisible: z.int().min(1).max(SNAPSHOT_LIMITS.maxVisible),
    nHidden: z.int().min(1).max(SNAPSHOT_LIMITS.maxHidden),
    visibleUnits: visibleUnitsSchema.optional(),
    config: storedTrainConfigSchema,
    data: dataInfoSchema,
    params: paramsShape,
    /** The optimiser's velocity; null before the first step. */
    velocity: paramsShape.nullable(),
    /**
     * Persistent chains' visible states (PCD), flattened N×V, and the hidden states where their next
     * step starts, flattened N×H (absent in snapshots from before they were kept: the resumed run
     * then samples them); null for CD. Parallel tempering (`tempered`, absent otherwise): `states` are
     * the β = 1 replicas, `tempered.states` the other M − 1 replicas' flattened ((M − 1)·N×V, replica
     * by replica), at the inverse temperatures `betas` (M, from 1 down), after `rounds` swap rounds.
     */
    chains: z
      .strictObject({
        rows: z.int().min(1),
        states: f32,
        hidden: f32.optional(),
        tempered: z.strictObject({ states: f32, betas: f32, rounds: count }).optional(),
      })
      .nullable(),
    /** Centered runs (`config.centering`, absent otherwise): the offsets μ (nVisible) and λ (nHidden), and their sliding factor. */
    offsets: z.strictObject({ visible: f32, hidden: f32, sliding: z.number().gt(0).max(1) }).optional(),
    /** The run's generator (xoshiro128** state words). */
    rng: z.array(z.int().min(0).max(0xffffffff)).length(4),
    /** `step` updates done; the next minibatch is number `index` of epoch `epoch`. */
    counters: z.strictObject({ step: count, epoch: count, index: count }),
    metrics: z.record(z.string(), z.number()),
    savedAt: z.string(),
  })
  .superRefine((s, ctx) => {
    const expect = (path: (string | number)[], got: Float32Array, n: number) => {
      if (got.length !== n) ctx.addIssue({ code: 'custom', path, message: `length ${n}` });
      else if (!allFinite(got)) ctx.addIssue({ code: 'custom', path, message: 'finite values only (found NaN or ±Infinity)' });
    };
    for (const [name, p] of [
      ['params', s.params],
      ['velocity', s.velocity],
    ] as const) {
      if (!p) continue;
      expect([name, 'weights'], p.weights, s.nVisible * s.nHidden);
      expect([name, 'visibleBias'], p.visibleBias, s.nVisible);
      expect([name, 'hiddenBias'], p.hiddenBias, s.nHidden);
      if (s.visibleUnits?.type === 'gaussian') {
        if (!p.logVariance)
          ctx.addIssue({ code: 'custom', path: [name, 'logVariance'], message: `length ${s.nVisible} (Gaussian visible units)` });
        else expect([name, 'logVariance'], p.logVariance, s.nVisible);
      } else if (p.logVariance)
        ctx.addIssue({ code: 'custom', path: [name, 'logVariance'], message: 'absent (only Gaussian visible units have one)' });
    }
    let end = 0;
    for (const [k, g] of (s.visibleUnits?.type === 'bernoulli' ? (s.visibleUnits.softmaxGroups ?? []) : []).entries()) {
      if (g.start < end || g.start + g.size > s.nVisible)
        ctx.addIssue({
          code: 'custom',
          path: ['visibleUnits', 'softmaxGroups', k],
          message: `a block inside 0..${s.nVisible - 1}, starting at ${end} or later`,
        });
      end = g.start + g.size;
    }
    if (s.data.standardization) {
      if (s.visibleUnits?.type !== 'gaussian')
        ctx.addIssue({
          code: 'custom',
          path: ['data', 'standardization'],
          message: 'absent (only Gaussian visible units take standardised data)',
        });
      for (const [key, message] of checkStandardization(s.data.standardization, s.nVisible))
        ctx.addIssue({ code: 'custom', path: ['data', 'standardization', key], message });
    }
    if (s.chains) expect(['chains', 'states'], s.chains.states, s.chains.rows * s.nVisible);
    if (s.chains?.hidden) expect(['chains', 'hidden'], s.chains.hidden, s.chains.rows * s.nHidden);
    const t = s.chains?.tempered;
    if (s.chains && t) {
      const b = t.betas;
      if (b.length < 2 || b.length > 1000)
        ctx.addIssue({ code: 'custom', path: ['chains', 'tempered', 'betas'], message: 'length 2 to 1000 (one per replica)' });
      else if (b[0] !== 1 || b.some((x, a) => !(x >= 0 && (a === 0 || x < b[a - 1]))))
        ctx.addIssue({
          code: 'custom',
          path: ['chains', 'tempered', 'betas'],
          message: 'values falling from 1 to ≥ 0 (inverse temperatures)',
        });
      else expect(['chains', 'tempered', 'states'], t.states, (b.length - 1) * s.chains.rows * s.nVisible);
    }
    if (s.offsets) {
      expect(['offsets', 'visible'], s.offsets.visible, s.nVisible);
      expect(['offsets', 'hidden'], s.offsets.hidden, s.nHidden);
    }
    if (!s.offsets !== !s.config.centering)
      ctx.addIssue({
        code: 'custom',
        path: ['offsets'],
        message: s.config.centering ? 'present (config.centering is true)' : 'absent (config.centering is false)',
      });
    if (s.config.nHidden !== s.nHidden)
      ctx.addIssue({ code: 'custom', path: ['config', 'nHidden'], message: `${s.nHidden} (nHidden), got ${s.config.nHidden}` });
    if (s.rng.every((w) => w === 0)) ctx.addIssue({ code: 'custom', path: ['rng'], message: 'not all zero' });
  });

export type Snapshot = z.output<typeof snapshotSchema>;

const packr = new Packr({ moreTypes: true, useRecords: false, maxIncompleteBufferSize: SNAPSHOT_LIMITS.maxBytes });

/** Encodes a snapshot with msgpackr (`moreTypes`, so typed arrays survive). Returns a fresh copy. */
export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  return packSnapshot(snapshot);
}

/** A snapshot of any kind as msgpack (`moreTypes`, so typed arrays survive): a fresh copy. */
export function packSnapshot(snapshot: object): Uint8Array {
  return Uint8Array.from(packr.pack(snapshot));
}

/**
 * Decodes and fully validates a snapshot; any problem is a {@link BoltzflowError} naming `where`.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { decodeSnapshot } from 'boltzflow';
 * const snap = decodeSnapshot(readFileSync('runs/mnist/snapshot.msgpack'), 'snapshot.msgpack');
 * console.log(snap.nVisible, snap.nHidden, snap.counters.step);
 * ```
 */
export function decodeSnapshot(bytes: Uint8Array, where: string): Snapshot {
  return parseWith(snapshotSchema, unpackSnapshot(bytes, where), { fieldName: (path) => `${where} ${path.map(String).join('.')}` });
}

/**
 * The msgpack of a snapshot of any kind, decoded, once its `format` and `version` are checked (the
 * rest is for a schema to check); any problem is a {@link BoltzflowError} naming `where`.
 */
export function unpackSnapshot(bytes: Uint8Array, where: string): unknown {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (e) {
    throw new BoltzflowError(where, `${bytes.length} bytes that are not valid msgpack`, 'a boltzflow snapshot', { cause: e });
  }
  if (!raw || typeof raw !== 'object' || (raw as { format?: unknown }).format !== SNAPSHOT_FORMAT)
    throw new BoltzflowError(`${where} format`, (raw as { format?: unknown } | null)?.format, `"${SNAPSHOT_FORMAT}"`);
  if ((raw as { version?: unknown }).version !== SNAPSHOT_VERSION)
    throw new BoltzflowError(`${where} version`, (raw as { version?: unknown }).version, `${SNAPSHOT_VERSION}`);
  return raw;
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
