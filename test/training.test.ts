import test from 'ava';
import { last, lastValueFrom, tap } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { exactRbmLogProbability } from '../models/exactRbm.js';
import { mean } from '../models/logProbability.js';
import { createRbm } from '../models/rbm.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { decodeSnapshot } from '../schemas/snapshot.js';
import { toSnapshot } from '../sinks/stateSnapshot.js';
import { encodeSnapshot } from '../schemas/snapshot.js';
import { parseWith } from '../schemas/parseWith.js';
import { trainConfigSchema, type TrainConfigInput } from '../schemas/trainConfig.js';
import type { StepEvent } from '../operators/phases.js';
import type { Snapshot } from '../schemas/snapshot.js';
import { binaryData, bytesOf } from './helpers.js';

// Bars and stripes on a 3×3 grid: 14 patterns, a classic small data set for exact likelihoods.
function barsAndStripes(): Matrix {
  const rows: number[][] = [];
  for (let m = 0; m < 8; m++) {
    const bits = [m & 1, (m >> 1) & 1, (m >> 2) & 1];
    const horizontal = bits.flatMap((b) => [b, b, b]);
    const vertical = [0, 1, 2].flatMap(() => bits);
    for (const p of [horizontal, vertical]) if (!rows.some((r) => r.join() === p.join())) rows.push(p);
  }
  return Matrix.from(rows);
}

// PCD keeps only 14 fantasy chains here, so it needs the smaller learning rate to stay stable.
const settings = {
  cd: { nHidden: 8, method: 'cd', learningRate: 0.5, batchSize: 7, epochs: 400 },
  pcd: { nHidden: 16, method: 'pcd', learningRate: 0.05, batchSize: 14, epochs: 2000 },
} as const;

for (const method of ['cd', 'pcd'] as const)
  test(`${method.toUpperCase()}-1 training raises the exact log-likelihood of bars-and-stripes by more than 1.5 nats`, async (t) => {
    const data = barsAndStripes();
    const config = { ...settings[method], learningRateSchedule: 'constant' as const, k: 1, momentum: 0.5, weightDecay: 0, seed: 3 };
    const before = createRbm({ nVisible: 9, nHidden: config.nHidden, seed: 3, visibleMeans: columnMeans(data) });
    const start = mean(exactRbmLogProbability(before.params, data));
    const final = await lastValueFrom(trainRbm({ data, config }).pipe(last()));
    const end = mean(exactRbmLogProbability(final.model.params, data));
    t.log(
      `${method}: mean log-likelihood ${start.toFixed(3)} → ${end.toFixed(3)} nats (uniform ${(-9 * Math.LN2).toFixed(3)}, perfect ${(-Math.log(14)).toFixed(3)})`,
    );
    t.true(end > start + 1.5, `${start} → ${end}`);
  });

function columnMeans(m: Matrix): number[] {
  return Array.from({ length: m.cols }, (_, j) => m.toArrays().reduce((s, r) => s + r[j], 0) / m.rows);
}

const data = binaryData(90, 12, 7);
const base: TrainConfigInput = {
  nHidden: 5,
  k: 2,
  learningRate: 0.05,
  momentum: 0.7,
  weightDecay: 1e-3,
  batchSize: 20,
  epochs: 3,
  seed: 11,
};

async function finalWeights(config: TrainConfigInput): Promise<Buffer> {
  const e = await lastValueFrom(trainRbm({ data, config }).pipe(last()));
  return Buffer.from(bytesOf(e.model.params.weights.data));
}

test('the same seed gives the same weights, byte for byte; another seed does not', async (t) => {
  const a = await finalWeights(base),
    b = await finalWeights(base),
    c = await finalWeights({ ...base, seed: 12 });
  t.true(a.equals(b));
  t.false(a.equals(c));
});

for (const [method, learningRateSchedule, keepHidden] of [
  ['cd', 'constant', false],
  ['pcd', 'constant', false],
  ['pcd', 'linear', false],
  ['pcd', 'linear', true],
] as const)
  for (const at of [7, 10])
    // mid-epoch (5 minibatches per epoch: 90 rows / 20) and an epoch end
    test(`${method.toUpperCase()}${keepHidden ? ' keeping hidden states' : ''}, ${learningRateSchedule} learning rate: resuming from the snapshot after step ${at} gives the same final state, byte for byte`, async (t) => {
      const config = parseWith(trainConfigSchema, { ...base, method, learningRateSchedule, keepHidden });
      let saved: Snapshot | null = null;
      const straight = await lastValueFrom(
        trainRbm({ data, config }).pipe(
          tap((e: StepEvent) => {
            if (e.step === at)
              saved = decodeSnapshot(
                encodeSnapshot(toSnapshot(e, config, { name: 'test', rows: 90, imageShape: null, binarize: 'none' })),
                'test',
              );
          }),
          last(),
        ),
      );
      const snap = saved as Snapshot | null;
      if (!snap) return t.fail('no snapshot taken');
      t.is(snap.counters.step, at);
      const resumed = await lastValueFrom(trainRbm({ data, resume: snap }).pipe(last()));
      t.is(resumed.step, straight.step);
      t.true(bytesOf(resumed.params.weights.data).equals(bytesOf(straight.params.weights.data)));
      t.true(bytesOf(resumed.params.visibleBias).equals(bytesOf(straight.params.visibleBias)));
      t.true(bytesOf(resumed.params.hiddenBias).equals(bytesOf(straight.params.hiddenBias)));
      t.true(bytesOf(resumed.velocity.weights.data).equals(bytesOf(straight.velocity.weights.data)));
      t.deepEqual(resumed.model.rng.state(), straight.model.rng.state());
      if (method === 'pcd') {
        t.true(bytesOf(resumed.state.chains!.visible.data).equals(bytesOf(straight.state.chains!.visible.data)));
        if (!keepHidden) t.is(snap.chains!.hidden, undefined, 'chains without kept hidden states save none');
        else {
          t.is(snap.chains!.hidden?.length, snap.chains!.rows * snap.nHidden, "the chains' hidden states are saved with them");
          const { hidden: _, ...older } = snap.chains!;
          const fromOlder = await lastValueFrom(trainRbm({ data, resume: { ...snap, chains: older } }).pipe(last()));
          t.is(
            fromOlder.step,
            straight.step,
            'a snapshot saved before hidden states were kept still resumes (the first step samples them)',
          );
        }
      }
    });

test('trainRbm refuses a batch larger than the data and a bad config, naming the field', (t) => {
  t.throws(() => trainRbm({ data, config: { batchSize: 500 } }), { message: /config.batchSize: got 500, expected at most 90/ });
  t.throws(() => trainRbm({ data, config: { nHidden: 0 } }), { message: /config.nHidden: got 0/ });
  t.throws(() => trainRbm({ data, config: { learningRate: 0.1, lr: 3 } as never }), {
    message: /config.lr: got 3, expected no such field/,
  });
});

test('Gaussian (learned variance) and softmax-group RBMs: the snapshot keeps the visible units, ln σ² and its velocity, and resuming after step 7 gives the same bytes', async (t) => {
  const real = Matrix.zeros(90, 6);
  for (let k = 0; k < real.data.length; k++) real.data[k] = Math.sin(k * 0.37) * 1.3;
  const labelled = binaryData(90, 6, 3);
  for (let r = 0; r < 90; r++) labelled.data.set(r % 2 ? [0, 1] : [1, 0], r * 6 + 4);
  const cases = [
    {
      data: real,
      config: { nHidden: 3, batchSize: 20, epochs: 3, method: 'pcd', visibleUnits: 'gaussian', learnVariance: true, learningRate: 0.01 },
    },
    {
      data: labelled,
      config: { nHidden: 3, batchSize: 20, epochs: 3, method: 'pcd' },
      visibleUnits: { type: 'bernoulli', softmaxGroups: [{ start: 4, size: 2 }] },
    },
  ] as const;
  for (const { data, config: input, ...rest } of cases) {
    const config = parseWith(trainConfigSchema, input);
    const visibleUnits = 'visibleUnits' in rest ? rest.visibleUnits : undefined;
    let saved: Snapshot | null = null;
    const straight = await lastValueFrom(
      trainRbm({ data, config, visibleUnits }).pipe(
        tap((e: StepEvent) => {
          if (e.step === 7)
            saved = decodeSnapshot(
              encodeSnapshot(toSnapshot(e, config, { name: 'test', rows: 90, imageShape: null, binarize: 'none' })),
              'test',
            );
        }),
        last(),
      ),
    );
    const snap = saved as Snapshot | null;
    if (!snap) return t.fail('no snapshot taken');
    t.deepEqual(snap.visibleUnits, straight.params.visibleUnits);
    const resumed = await lastValueFrom(trainRbm({ data, resume: snap }).pipe(last()));
    t.deepEqual(resumed.params.visibleUnits, straight.params.visibleUnits);
    t.true(bytesOf(resumed.params.weights.data).equals(bytesOf(straight.params.weights.data)));
    t.deepEqual(resumed.model.rng.state(), straight.model.rng.state());
    if (straight.params.logVariance) {
      t.true(
        straight.params.logVariance.some((z) => z !== 0),
        'ln σ² was learned',
      );
      t.true(bytesOf(resumed.params.logVariance as Float32Array).equals(bytesOf(straight.params.logVariance)));
      t.true(bytesOf(resumed.velocity.logVariance!).equals(bytesOf(straight.velocity.logVariance!)));
    }
  }
});
