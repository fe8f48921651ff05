/**
 * A general Boltzmann machine's training step (its clamped and free phases, which are nearly all
 * of it) on every backend, side by side: the 4-2-4 encoder as `trainEncoder` runs it (4 patterns ×
 * 5 noisy presentations, 20 free chains, the encoder's annealing then 10 sweeps at T = 10), and a
 * fully connected 64 + 32 unit BM with 100 data rows and 100 persistent chains (5 sweeps at T = 2,
 * then 10 at T = 1). Each backend starts from the same seed; the last column says whether its
 * chains and moments came out bit for bit the js backend's. On a loaded machine the wasm backend's
 * wall clock is mostly its GEMM waiting for its helper thread, and CPU time counts the helper's and
 * OpenBLAS's spinning: both columns are rough there.
 *
 * Run: `npm run bench:bm [steps=20] [bigVisible=64] [bigHidden=32] [chains=100]`.
 */
import type { Backend } from '../kernels/Backend.js';
import { Matrix } from '../kernels/Matrix.js';
import { availableBackends } from '../kernels/selectBackend.js';
import { createBm, encoderMask, randomizeStates, type AnnealSchedule } from '../models/bm.js';
import { clampedMoments, createBmPhaseBuffers, freeMoments, type ClampOptions } from '../models/bmPhases.js';
import { ENCODER_ANNEAL, encoderPatterns } from '../pipelines/trainEncoder.js';
import { positiveInteger } from './args.js';

const [steps, bigVisible, bigHidden, chains] = [
  positiveInteger(0, 'steps', 20),
  positiveInteger(1, 'visible units', 64),
  positiveInteger(2, 'hidden units', 32),
  positiveInteger(3, 'chains', 100),
];

interface Case {
  readonly name: string;
  readonly nVisible: number;
  readonly nHidden: number;
  readonly mask?: Uint8Array;
  readonly data: Matrix;
  readonly clamp: ClampOptions;
  readonly free: AnnealSchedule;
  readonly chains: number;
  /** Free chains start at random every step (the encoder) or persist (PCD). */
  readonly randomStart: boolean;
}

const encoderSchedule = [...ENCODER_ANNEAL, { temperature: 10, sweeps: 10 }];
const bigData = Matrix.zeros(chains, bigVisible);
randomizeStates(createBm({ nVisible: bigVisible, nHidden: 0, seed: 7, backend: availableBackends().js }), bigData);
const bigSchedule = [
  { temperature: 2, sweeps: 5 },
  { temperature: 1, sweeps: 10 },
];
const cases: Case[] = [
  {
    name: '4-2-4 encoder',
    nVisible: 8,
    nHidden: 2,
    mask: encoderMask(4, 2, 4),
    data: encoderPatterns(4),
    clamp: { anneal: encoderSchedule, noise: { on: 0.15, off: 0.05 }, repeats: 5 },
    free: encoderSchedule,
    chains: 20,
    randomStart: true,
  },
  {
    name: `${bigVisible} + ${bigHidden} fully connected`,
    nVisible: bigVisible,
    nHidden: bigHidden,
    data: bigData,
    clamp: { anneal: bigSchedule },
    free: bigSchedule,
    chains,
    randomStart: false,
  },
];

/**
 * Milliseconds per step, wall clock and CPU (this process's threads together, less disturbed on a
 * shared machine): medians of `steps`, after one warm-up step; and a fingerprint of what it computed.
 */
function time(c: Case, backend: Backend): { ms: number; cpuMs: number; result: string } {
  const bm = createBm({ nVisible: c.nVisible, nHidden: c.nHidden, seed: 1, mask: c.mask, weightStd: 0.1, backend });
  const n = bm.params.nUnits;
  const states = Matrix.zeros(c.data.rows * (c.clamp.repeats ?? 1), n),
    free = Matrix.zeros(c.chains, n);
  randomizeStates(bm, free);
  const pb = createBmPhaseBuffers(bm),
    nb = createBmPhaseBuffers(bm);
  const times: number[] = [],
    cpu: number[] = [];
  let result = '';
  for (let s = 0; s <= steps; s++) {
    const t0 = performance.now(),
      c0 = process.cpuUsage();
    const pos = clampedMoments(bm, c.data, c.clamp, states, pb);
    const neg = freeMoments(bm, free, c.free, c.randomStart, nb);
    const used = process.cpuUsage(c0);
    if (s > 0) {
      times.push(performance.now() - t0);
      cpu.push((used.user + used.system) / 1000);
    }
    if (s === steps) result = `${pos.cooccurrence.join()}|${neg.cooccurrence.join()}|${free.data.join()}`;
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
  return { ms: median(times), cpuMs: median(cpu), result };
}

const backends = Object.values(availableBackends()).reverse(); // js first: the reference
console.error(`${steps} steps per case; backends ${backends.map((b) => b.name).join(', ')}; timings are rough on a shared machine`);
const rows: Record<string, string | number | boolean>[] = [];
for (const c of cases) {
  const ref = time(c, backends[0]);
  for (const backend of backends) {
    const { ms, cpuMs, result } = backend === backends[0] ? ref : time(c, backend);
    const round = (x: number) => Number(x.toFixed(3));
    rows.push({
      case: c.name,
      backend: backend.name,
      msPerStep: round(ms),
      cpuMsPerStep: round(cpuMs),
      speedupOverJs: round(ref.ms / ms),
      cpuSpeedupOverJs: round(ref.cpuMs / cpuMs),
      sameAsJs: result === ref.result,
    });
  }
}
console.table(rows);
console.log(JSON.stringify({ steps, rows }));
