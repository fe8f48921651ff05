import { z } from 'zod';
import { dbmConfigSchema } from './dbmConfig.js';
import { parseWith } from './parseWith.js';
import {
  dataInfoSchema,
  packSnapshot,
  SNAPSHOT_FORMAT,
  SNAPSHOT_LIMITS,
  SNAPSHOT_VERSION,
  snapshotSchema,
  unpackSnapshot,
} from './snapshot.js';
import { storedTrainConfigSchema } from './trainConfig.js';

const f32 = z.custom<Float32Array>((v) => v instanceof Float32Array, { error: 'a Float32Array' });
const u8 = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { error: 'a Uint8Array' });
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const units = z
  .int()
  .min(1)
  .max(SNAPSHOT_LIMITS.maxHidden * 10);
const common = {
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(SNAPSHOT_VERSION),
  rng: z.array(z.int().min(0).max(0xffffffff)).length(4),
  counters: z.strictObject({ step: count, epoch: count, index: count }),
  metrics: z.record(z.string(), z.number()),
  savedAt: z.string(),
};

type Check = (path: (string | number)[], got: Float32Array | Uint8Array | undefined, n: number) => void;
function checker(ctx: z.RefinementCtx): Check {
  return (path, got, n) => {
    if (!got || got.length !== n) ctx.addIssue({ code: 'custom', path, message: `length ${n}` });
    else if (got instanceof Float32Array && !got.every(Number.isFinite))
      ctx.addIssue({ code: 'custom', path, message: 'finite values only (found NaN or ±Infinity)' });
  };
}

const bmTensors = z.strictObject({ weights: f32, bias: f32 });

/** A general Boltzmann machine's training state: parameters, velocity, persistent chains, generator, counters, and the run's options. */
export const bmSnapshotSchema = z
  .strictObject({
    ...common,
    model: z.literal('bm'),
    nUnits: units,
    nVisible: units,
    spin: z.boolean(),
    /** n×n connectivity. */
    mask: u8,
    params: bmTensors,
    velocity: bmTensors.nullable(),
    chains: z.strictObject({ rows: z.int().min(1), states: f32 }).nullable(),
    /** The options of the run (a pipeline's own, e.g. the encoder's), checked by the pipeline that resumes it. */
    config: z.record(z.string(), z.unknown()),
  })
  .superRefine((s, ctx) => {
    const expect = checker(ctx),
      n = s.nUnits;
    if (s.nVisible > n) ctx.addIssue({ code: 'custom', path: ['nVisible'], message: `at most nUnits (${n})` });
    expect(['mask'], s.mask, n * n);
    for (const [name, p] of [
      ['params', s.params],
      ['velocity', s.velocity],
    ] as const) {
      if (!p) continue;
      expect([name, 'weights'], p.weights, n * n);
      expect([name, 'bias'], p.bias, n);
    }
    if (s.chains) expect(['chains', 'states'], s.chains.states, s.chains.rows * n);
  });

const dbmTensors = z.strictObject({ weights: z.array(f32).min(2).max(100), biases: z.array(f32).min(3).max(101) });

/** A deep Boltzmann machine's training state: every layer's weights and biases, velocity, the chains of every layer, generator, counters, config. */
export const dbmSnapshotSchema = z
  .strictObject({
    ...common,
    model: z.literal('dbm'),
    sizes: z.array(units).min(3).max(101),
    params: dbmTensors,
    velocity: dbmTensors.nullable(),
    chains: z.strictObject({ rows: z.int().min(1), layers: z.array(f32) }).nullable(),
    config: dbmConfigSchema,
    data: dataInfoSchema,
  })
  .superRefine((s, ctx) => {
    const expect = checker(ctx),
      L = s.sizes.length;
    for (const [name, p] of [
      ['params', s.params],
      ['velocity', s.velocity],
    ] as const) {
      if (!p) continue;
      if (p.weights.length !== L - 1) ctx.addIssue({ code: 'custom', path: [name, 'weights'], message: `${L - 1} weight matrices` });
      if (p.biases.length !== L) ctx.addIssue({ code: 'custom', path: [name, 'biases'], message: `${L} bias vectors` });
      p.weights.forEach((w, l) => expect([name, 'weights', l], w, s.sizes[l] * (s.sizes[l + 1] ?? 0)));
      p.biases.forEach((b, l) => expect([name, 'biases', l], b, s.sizes[l] ?? 0));
    }
    if (s.chains) {
      if (s.chains.layers.length !== L) ctx.addIssue({ code: 'custom', path: ['chains', 'layers'], message: `${L} layers of states` });
      else s.chains.layers.forEach((c, l) => expect(['chains', 'layers', l], c, s.chains!.rows * s.sizes[l]));
    }
  });

/** A trained layer of a DBN: an RBM's parameters. */
const dbnLayerSchema = z.strictObject({
  nVisible: units,
  nHidden: units,
  weights: f32,
  visibleBias: f32,
  hiddenBias: f32,
  logVariance: f32.optional(),
});

/**
 * A DBN trained greedily, mid-way: the layers done (parameters only), and the layer in training as
 * a full RBM snapshot (its parameters, velocity, chains, generator, counters), with every layer's config.
 */
export const dbnSnapshotSchema = z
  .strictObject({
    format: z.literal(SNAPSHOT_FORMAT),
    version: z.literal(SNAPSHOT_VERSION),
    model: z.literal('dbn'),
    /** One training config per layer, bottom first. */
    layers: z.array(storedTrainConfigSchema).min(1).max(100),
    /** The layers below the one in training. */
    trained: z.array(dbnLayerSchema).max(99),
    /** The layer in training (index `trained.length`). */
    current: snapshotSchema,
    data: dataInfoSchema,
    savedAt: z.string(),
  })
  .superRefine((s, ctx) => {
    const expect = checker(ctx);
    if (s.trained.length >= s.layers.length)
      ctx.addIssue({ code: 'custom', path: ['trained'], message: `fewer than ${s.layers.length} layers (one is in training)` });
    s.trained.forEach((l, i) => {
      expect(['trained', i, 'weights'], l.weights, l.nVisible * l.nHidden);
      expect(['trained', i, 'visibleBias'], l.visibleBias, l.nVisible);
      expect(['trained', i, 'hiddenBias'], l.hiddenBias, l.nHidden);
      if (l.logVariance) expect(['trained', i, 'logVariance'], l.logVariance, l.nVisible);
      if (l.nHidden !== s.layers[i]?.nHidden)
        ctx.addIssue({ code: 'custom', path: ['trained', i, 'nHidden'], message: `${s.layers[i]?.nHidden}, as layers[${i}] says` });
      if (i > 0 && l.nVisible !== s.trained[i - 1].nHidden)
        ctx.addIssue({
          code: 'custom',
          path: ['trained', i, 'nVisible'],
          message: `${s.trained[i - 1].nHidden}, the layer below's hidden units`,
        });
    });
    const below = s.trained[s.trained.length - 1];
    if (below && s.current.nVisible !== below.nHidden)
      ctx.addIssue({ code: 'custom', path: ['current', 'nVisible'], message: `${below.nHidden}, the layer below's hidden units` });
  });

/** The snapshot of any model kind's training state, told apart by `model`. */
export const modelSnapshotSchema = z.discriminatedUnion('model', [snapshotSchema, bmSnapshotSchema, dbmSnapshotSchema, dbnSnapshotSchema]);

export type BmSnapshot = z.output<typeof bmSnapshotSchema>;
export type DbmSnapshot = z.output<typeof dbmSnapshotSchema>;
export type DbnSnapshot = z.output<typeof dbnSnapshotSchema>;
export type ModelSnapshot = z.output<typeof modelSnapshotSchema>;

/** Encodes a snapshot of any kind (msgpackr with `moreTypes`: typed arrays survive). Returns a fresh copy. */
export function encodeModelSnapshot(snapshot: ModelSnapshot): Uint8Array {
  return packSnapshot(snapshot);
}

/**
 * Decodes and fully validates a snapshot of any model kind (rbm, bm, dbm, dbn); any problem is a
 * `BoltzflowError` naming `where`.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { decodeModelSnapshot } from 'boltzflow';
 * const snap = decodeModelSnapshot(readFileSync('runs/mnist/snapshot.msgpack'), 'snapshot.msgpack');
 * console.log(snap.model); // rbm
 * ```
 */
export function decodeModelSnapshot(bytes: Uint8Array, where: string): ModelSnapshot {
  return parseWith(modelSnapshotSchema, unpackSnapshot(bytes, where), { fieldName: (path) => `${where} ${path.map(String).join('.')}` });
}
