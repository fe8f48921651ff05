import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { allocateMatrix } from '../kernels/allocateMatrix.js';
import type { Backend } from '../kernels/Backend.js';
import { createGlauberBuffers, glauberSweeps, type GlauberBuffers, type GlauberNet, type UnitStats } from '../kernels/glauber.js';
import { probeSweeps } from '../kernels/glauberProbes.js';
import { jsBackend } from '../kernels/jsBackend.js';
import type { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { selectBackend } from '../kernels/selectBackend.js';

/**
 * A general Boltzmann machine: n stochastic binary units, E(s) = −Σ_{i<j} wᵢⱼ sᵢ sⱼ − Σᵢ θᵢ sᵢ,
 * symmetric weights with zero diagonal, connections only where `mask` says, the first `nVisible`
 * units visible and the rest hidden. Units take values in {0, 1}, or in {−1, +1} when `spin`
 * (the Hopfield/Ising convention).
 */
export interface BmParams {
  readonly nUnits: number;
  readonly nVisible: number;
  /** n×n, symmetric, zero diagonal, zero wherever `mask` is 0. */
  readonly weights: Matrix;
  readonly bias: Float32Array;
  /** n×n connectivity: 1 where units i and j are connected (symmetric, zero diagonal). */
  readonly mask: Uint8Array;
  readonly spin: boolean;
}

export interface Bm {
  readonly kind: 'bm';
  readonly params: BmParams;
  readonly rng: Rng;
  /** Where its sweeps and statistics run (`Backend.glauberSweeps`, GEMM); the js reference where absent. */
  readonly backend?: Backend;
}

/** A step of an annealing schedule: `sweeps` sweeps at `temperature`. */
export interface AnnealStep {
  readonly temperature: number;
  readonly sweeps: number;
}
export type AnnealSchedule = readonly AnnealStep[];

/**
 * What a sweep is: `shuffled`, every free unit once in a fresh random order (`glauberSweeps`, on the
 * model's backend); `random`, as many probes of a free unit drawn at random as there are free units
 * (`probeSweeps`, js only: Ackley, Hinton & Sejnowski 1985's "unit of time").
 */
export type SweepProbes = 'shuffled' | 'random';

export interface CreateBmOptions {
  nVisible: number;
  nHidden: number;
  seed: number;
  /** Connectivity (n×n, n = nVisible + nHidden); default fully connected. */
  mask?: Uint8Array;
  /** Units in {−1, +1} instead of {0, 1}. */
  spin?: boolean;
  /** Standard deviation of the initial weights (default 0: the classic start from zero). */
  weightStd?: number;
  /**
   * Where its sweeps and statistics run (default: the fastest available, `selectBackend('auto')`).
   * Every backend draws the same uniforms from the seed in the same order, so the chains are the
   * js reference's (see `Backend.glauberSweeps` for the one, rare, exception).
   */
  backend?: Backend;
}

/**
 * Creates a general Boltzmann machine.
 *
 * @example
 * ```ts
 * import { createBm, encoderMask } from 'boltzflow';
 * const bm = createBm({ nVisible: 8, nHidden: 2, seed: 1, mask: encoderMask(4, 2, 4) });
 * console.log(bm.params.nUnits, bm.params.mask[0 * 10 + 4]); // 10 0 (V1 and V2 are not connected)
 * ```
 */
export function createBm(options: CreateBmOptions): Bm {
  const { nVisible, nHidden, seed, spin = false, weightStd = 0, backend = selectBackend('auto') } = options;
  if (!Number.isInteger(nVisible) || nVisible < 1) throw new BoltzflowError('nVisible', nVisible, 'an integer ≥ 1');
  if (!Number.isInteger(nHidden) || nHidden < 0) throw new BoltzflowError('nHidden', nHidden, 'an integer ≥ 0');
  const n = nVisible + nHidden;
  const mask = options.mask ?? fullyConnectedMask(n);
  checkMask(mask, n);
  const rng = Rng.fromSeed(seed);
  const weights = allocateMatrix(backend, n, n);
  if (weightStd > 0)
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) if (mask[i * n + j]) weights.data[i * n + j] = weights.data[j * n + i] = weightStd * rng.normal();
  return { kind: 'bm', params: { nUnits: n, nVisible, weights, bias: new Float32Array(n), mask, spin }, rng, backend };
}

/** Every pair connected. */
export function fullyConnectedMask(n: number): Uint8Array {
  const m = new Uint8Array(n * n).fill(1);
  for (let i = 0; i < n; i++) m[i * n + i] = 0;
  return m;
}

/** Connected exactly when the two units are in different groups of `sizes` (bipartite for two groups, layered for more with `adjacentOnly`). */
export function layeredMask(sizes: readonly number[], adjacentOnly = true): Uint8Array {
  const n = sizes.reduce((a, b) => a + b, 0);
  const layer = sizes.flatMap((s, l) => Array<number>(s).fill(l));
  const m = new Uint8Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) if (layer[i] !== layer[j] && (!adjacentOnly || Math.abs(layer[i] - layer[j]) === 1)) m[i * n + j] = 1;
  return m;
}

/**
 * The encoder topology of Ackley, Hinton & Sejnowski (1985), units ordered V1, V2, H: each
 * visible group fully connected within itself and to H; H not connected within itself; no
 * connection between V1 and V2.
 */
export function encoderMask(v1: number, h: number, v2: number): Uint8Array {
  const n = v1 + v2 + h;
  const group = (i: number) => (i < v1 ? 'V1' : i < v1 + v2 ? 'V2' : 'H');
  const m = new Uint8Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const a = group(i),
        b = group(j);
      if ((a === b && a !== 'H') || (a === 'H') !== (b === 'H')) m[i * n + j] = 1;
    }
  return m;
}

/** E(s) for one state (float64). */
export function bmEnergy(params: BmParams, s: ArrayLike<number>): number {
  const { nUnits: n, weights, bias } = params;
  let e = 0;
  for (let i = 0; i < n; i++) {
    if (s[i] === 0) continue;
    e -= bias[i] * s[i];
    for (let j = i + 1; j < n; j++) e -= weights.data[i * n + j] * s[i] * s[j];
  }
  return e;
}

/** The sampler's view of the parameters. */
export function bmNet(params: BmParams): GlauberNet {
  return { n: params.nUnits, weights: params.weights.data, bias: params.bias, spin: params.spin };
}

/**
 * Simulated annealing of each row of `states` (rows×n) through `schedule`, sequential dynamics,
 * units with `clamped[i] = 1` held fixed. With `stats`, statistics are gathered over the sweeps
 * of the last step only (the equilibrium at the final temperature). The sweeps run on the model's
 * backend; `buffers` (the caller's, reused across calls) hold their uniforms and samples. With
 * `probes: 'random'` each sweep is the 1985 paper's random probes instead (`probeSweeps`, js).
 *
 * @example
 * ```ts
 * import { createBm, annealStates, Matrix } from 'boltzflow';
 * const bm = createBm({ nVisible: 3, nHidden: 0, seed: 1, weightStd: 1 });
 * const s = Matrix.zeros(4, 3);
 * annealStates(bm, s, [{ temperature: 4, sweeps: 5 }, { temperature: 1, sweeps: 5 }, { temperature: 0.1, sweeps: 5 }]);
 * console.log(s.toArrays()); // low-energy states
 * ```
 */
export function annealStates(
  bm: Bm,
  states: Matrix,
  schedule: AnnealSchedule,
  clamped: Uint8Array | null = null,
  stats: UnitStats | null = null,
  buffers: GlauberBuffers = createGlauberBuffers(bm.backend),
  probes: SweepProbes = 'shuffled',
): void {
  if (states.cols !== bm.params.nUnits)
    throw new BoltzflowError('states', `${states.rows}×${states.cols}`, `rows of ${bm.params.nUnits} units`);
  const net = bmNet(bm.params),
    backend = bm.backend ?? jsBackend;
  for (let k = 0; k < schedule.length; k++) {
    const step = schedule[k],
      last = k === schedule.length - 1;
    if (probes === 'random') {
      probeSweeps(net, states.data, states.rows, step.sweeps, step.temperature, bm.rng, clamped, last ? stats : null);
      continue;
    }
    glauberSweeps(net, states.data, states.rows, step.sweeps, step.temperature, bm.rng, clamped, last ? stats : null, backend, buffers);
  }
}

/** Random states: each free unit on with probability ½ (clamped units keep their values). */
export function randomizeStates(bm: Bm, states: Matrix, clamped: Uint8Array | null = null): void {
  const n = bm.params.nUnits,
    off = bm.params.spin ? -1 : 0;
  for (let r = 0; r < states.rows; r++)
    for (let i = 0; i < n; i++) if (!clamped || !clamped[i]) states.data[r * n + i] = bm.rng.uniform() < 0.5 ? 1 : off;
}

function checkMask(mask: Uint8Array, n: number): void {
  if (mask.length !== n * n) throw new BoltzflowError('mask', `length ${mask.length}`, `an n×n mask of length ${n * n}`);
  for (let i = 0; i < n; i++) {
    if (mask[i * n + i]) throw new BoltzflowError(`mask[${i}][${i}]`, 1, '0 (no self-connections)');
    for (let j = i + 1; j < n; j++)
      if (mask[i * n + j] !== mask[j * n + i])
        throw new BoltzflowError(`mask[${i}][${j}]`, mask[i * n + j], `${mask[j * n + i]}, as mask[${j}][${i}] (symmetric)`);
  }
}
