/**
 * Time to quality: test log-probability against training wall-clock minutes for the default recipe
 * and its alternatives (issue 21). Each recipe (an "arm", a `TrainConfigInput` over the defaults)
 * trains one 784→H RBM on MNIST for E epochs (digits binarised stochastically once, seed 1; test
 * digits seed 2; run seed 1; the auto backend, native where built), copying the parameters at the
 * end of each checkpoint epoch. The clock counts training only (the copies and the evaluation are
 * excluded). After an arm has trained, each checkpoint is evaluated on the 10,000 test digits with
 * AIS (100 runs, Salakhutdinov & Murray's 14,500 temperatures by default), with the range that ln Z's
 * ±3σ bounds give. With the default linear learning-rate decay, the checkpoint at epoch e of an
 * E-epoch run is not an e-epoch run: the curve is the run's learning curve, as the papers plot it.
 *
 * Prints one JSON line per (arm, checkpoint) and a Markdown table, and writes a PNG plot (x: training
 * minutes, log scale; y: test log-probability; the published −86.34 of CD-25 as a dashed line).
 *
 * Run: `npm run bench:likelihood -- [epochs=100] [aisSteps=14500] [arms=default,pcd1,plain,cd1,cd10,keephidden,pt]
 * [out=guides/img/time-to-quality.png] [checkpoints=1,2,5,10,20,50,100] [hidden=500]`; the last epoch
 * is always a checkpoint. A trial: `npm run bench:likelihood -- 2 1000 default,cd1` (minutes, not
 * hours). Not part of `npm test`; the papers' fixed-epoch table is bench/likelihood.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { lastValueFrom, tap } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { baseRateBias } from '../models/ais.js';
import type { Rbm } from '../models/rbm.js';
import { rbmKind } from '../models/rbmKind.js';
import type { StepEvent } from '../operators/phases.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { trainConfigSchema, type TrainConfigInput } from '../schemas/trainConfig.js';
import { loadDataset } from '../sources/loadDataset.js';
import { aisLogProb, formatRange, type AisLogProb } from './aisLogProb.js';
import { positiveInteger, positiveIntegers } from './args.js';
import { plotCurves } from '../sinks/plotCurves.js';

/** The recipes, by the name the command line gives; each config is laid over the defaults. Add an arm here. */
const ARMS: Record<string, { label?: string; config: TrainConfigInput }> = {
  default: { label: 'PCD-2, centered (the default)', config: {} },
  pcd1: { label: 'PCD-1, centered', config: { k: 1 } },
  plain: { label: 'PCD-1, not centered', config: { k: 1, centering: false } },
  cd1: { label: 'CD-1, not centered', config: { method: 'cd', k: 1, centering: false } },
  cd10: { label: 'CD-10, not centered', config: { method: 'cd', k: 10, centering: false } },
  keephidden: { label: 'PCD-1, not centered, chains keep h', config: { method: 'pcd', k: 1, keepHidden: true, centering: false } },
  pt: { label: 'parallel tempering (10 replicas, k 1), centered', config: { method: 'pt', k: 1 } },
};
const PUBLISHED = { y: -86.34, label: 'CD-25, Salakhutdinov & Murray 2008: −86.34' };
const AIS_RUNS = 100;

const epochs = positiveInteger(0, 'epochs', 100);
const aisSteps = positiveInteger(1, 'AIS temperatures', 14_500);
const armsArg = process.argv[4] ?? Object.keys(ARMS).join(',');
const armNames = armsArg.split(',');
for (const name of armNames)
  if (!Object.hasOwn(ARMS, name))
    throw new BoltzflowError('argument 3 (arms)', armsArg, `comma-separated names among ${Object.keys(ARMS).join(', ')}`);
const out = process.argv[5] ?? 'guides/img/time-to-quality.png';
if (!out.endsWith('.png')) throw new BoltzflowError('argument 4 (plot)', out, 'a path ending in .png');
const marks = new Set([...positiveIntegers(4, 'checkpoint epochs', '1,2,5,10,20,50,100').filter((e) => e <= epochs), epochs]);
const nHidden = positiveInteger(5, 'hidden units', 500);

const train = await loadDataset('mnist', { binarize: 'stochastic', seed: 1 });
const test = await loadDataset('mnist:test', { binarize: 'stochastic', seed: 2 });
const base = baseRateBias(train.data);
const backend = selectBackend('auto');
const setting = `784→${nHidden}, ${epochs} epoch${epochs === 1 ? '' : 's'}, AIS ${AIS_RUNS} runs × ${aisSteps} temperatures, ${backend.name} backend, ${availableParallelism()} cores`;
console.error(`time to quality: ${setting}; checkpoints at epochs ${[...marks].join(', ')}`);

/** Trains one arm, copying the model at each checkpoint epoch's last step; seconds count training alone. */
async function trainArm(config: TrainConfigInput): Promise<Array<{ epoch: number; seconds: number; model: Rbm }>> {
  const taken: Array<{ epoch: number; seconds: number; model: Rbm }> = [];
  let excluded = 0;
  const t0 = performance.now();
  const checkpoint = tap<StepEvent>((e) => {
    if (e.index !== e.batchesPerEpoch - 1 || !marks.has(e.epoch + 1)) return;
    const c = performance.now();
    taken.push({ epoch: e.epoch + 1, seconds: (c - t0 - excluded) / 1000, model: rbmKind.copy(e.model) });
    excluded += performance.now() - c;
  });
  await lastValueFrom(trainRbm({ data: train.data, config }).pipe(checkpoint));
  return taken;
}

const results: Array<{ label: string; points: Array<AisLogProb & { epoch: number; minutes: number }> }> = [];
for (const name of armNames) {
  const config = { ...ARMS[name].config, nHidden, epochs, seed: 1 };
  const parsed = trainConfigSchema.parse(config);
  const label = ARMS[name].label ?? `default (${parsed.method.toUpperCase()}-${parsed.k}${parsed.keepHidden ? ', chains keep h' : ''})`;
  const taken = await trainArm(config);
  console.error(`${label}: trained in ${taken.at(-1)!.seconds.toFixed(1)} s; evaluating ${taken.length} checkpoints`);
  const points = taken.map(({ epoch, seconds, model }) => {
    const r = aisLogProb(model, test.data, { base, steps: aisSteps, runs: AIS_RUNS });
    const point = { epoch, minutes: seconds / 60, ...r };
    console.log(
      JSON.stringify({
        arm: name,
        label,
        epoch,
        epochs,
        trainSeconds: seconds,
        ...r,
        ...(Number.isFinite(r.logZLow)
          ? {}
          : { logZLow: null, note: "ln Z's lower 3σ bound is undefined (r̂ − 3σ̂ ≤ 0): the range has no upper end" }),
        aisRuns: AIS_RUNS,
        aisSteps,
        backend: backend.name,
        config: parsed,
      }),
    );
    return point;
  });
  results.push({ label, points });
}

const note = [
  `points: checkpoints of one ${epochs}-epoch run per recipe (its learning curve);`,
  'with the linear learning-rate decay, epoch e of it is not an e-epoch run',
];
console.log(`\n${setting}; ${note.join(' ')}; test log-prob of the 10,000 test digits, range from ln Z's ±3σ bounds\n`);
console.log('| recipe | epoch | training minutes | AIS test log-prob (nats) | range (ln Z ±3σ) |');
console.log('|---|---|---|---|---|');
for (const { label, points } of results)
  for (const p of points)
    console.log(
      `| ${label} | ${p.epoch} of ${epochs} | ${p.minutes.toFixed(2)} | ${p.testLogProb.toFixed(2)} | ${formatRange(p.testLogProbRange)} |`,
    );

const { png } = await plotCurves(
  results.map(({ label, points }) => ({
    label,
    points: points.map((p) => ({
      x: p.minutes,
      y: p.testLogProb,
      ...(p.testLogProbRange.every(Number.isFinite) ? { low: p.testLogProbRange[0], high: p.testLogProbRange[1] } : {}),
    })),
  })),
  {
    title: `MNIST ${setting.split(',')[0]}: test log-probability against training time`,
    subtitle: [setting.split(', ').slice(1).join(', '), ...note],
    xTitle: 'training wall-clock time (minutes, log scale)',
    yTitle: 'AIS test log-probability (nats)',
    xLog: true,
    reference: PUBLISHED,
  },
);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, png);
console.error(`plot: ${out}`);
