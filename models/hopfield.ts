import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { glauberSweeps } from '../kernels/glauber.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { bmEnergy, bmNet, fullyConnectedMask, type Bm } from './bm.js';

/**
 * A Hopfield network storing `patterns` (rows; values > 0 count as +1, the rest as −1) with the
 * Hebbian rule wᵢⱼ = (1/n) Σ_μ ξᵢ^μ ξⱼ^μ, zero diagonal, no biases: a Boltzmann machine with ±1
 * units and no hidden units, whose T = 0 dynamics is the network's recall.
 *
 * @example
 * ```ts
 * import { hopfieldStore, hopfieldRecall, Matrix } from 'boltzflow';
 * const net = hopfieldStore(Matrix.from([[1, -1, 1, -1, 1, -1], [1, 1, 1, -1, -1, -1]]), 1);
 * console.log(hopfieldRecall(net, Float32Array.of(1, -1, 1, -1, 1, 1)).state); // [1, -1, 1, -1, 1, -1]
 * ```
 */
export function hopfieldStore(patterns: Matrix, seed: number): Bm {
  const n = patterns.cols;
  if (n < 2 || patterns.rows < 1) throw new BoltzflowError('patterns', `${patterns.rows}×${n}`, 'at least one pattern of at least 2 units');
  const weights = Matrix.zeros(n, n);
  for (let p = 0; p < patterns.rows; p++)
    for (let i = 0; i < n; i++) {
      const xi = patterns.data[p * n + i] > 0 ? 1 : -1;
      for (let j = 0; j < n; j++) if (i !== j) weights.data[i * n + j] += (xi * (patterns.data[p * n + j] > 0 ? 1 : -1)) / n;
    }
  return {
    kind: 'bm',
    params: { nUnits: n, nVisible: n, weights, bias: new Float32Array(n), mask: fullyConnectedMask(n), spin: true },
    rng: Rng.fromSeed(seed),
  };
}

/**
 * Deterministic asynchronous recall (T = 0): units are visited in random order and each takes the
 * sign of its field, until a whole sweep changes nothing (a fixed point) or `maxSweeps` pass.
 * The energy never increases; `energies` holds it after every sweep.
 */
export function hopfieldRecall(
  net: Bm,
  cue: ArrayLike<number>,
  maxSweeps = 100,
): { state: number[]; sweeps: number; converged: boolean; energies: number[] } {
  const n = net.params.nUnits;
  if (cue.length !== n) throw new BoltzflowError('cue', `length ${cue.length}`, `length ${n}`);
  const s = Float32Array.from(cue, (x) => (x > 0 ? 1 : -1));
  const energies = [bmEnergy(net.params, s)];
  const model = bmNet(net.params);
  for (let sweep = 1; sweep <= maxSweeps; sweep++) {
    const changed = glauberSweeps(model, s, 1, 1, 0, net.rng);
    energies.push(bmEnergy(net.params, s));
    if (changed === 0) return { state: Array.from(s), sweeps: sweep, converged: true, energies };
  }
  return { state: Array.from(s), sweeps: maxSweeps, converged: false, energies };
}

/** One row of {@link hopfieldCapacity}: stored patterns, and the fraction recalled exactly from noisy cues. */
export interface CapacityPoint {
  readonly patterns: number;
  readonly loadRatio: number;
  readonly recalled: number;
  readonly meanOverlap: number;
}

/**
 * The capacity demonstration: for each count P of random ±1 patterns stored in n units, every
 * pattern is cued with a fraction `noise` of its bits flipped and recalled at T = 0; reports the
 * fraction recalled exactly and the mean overlap (1/n) Σ ξᵢ sᵢ, over `trials` networks. Recall
 * breaks down as P/n passes ≈ 0.14 (Amit, Gutfreund & Sompolinsky 1985).
 */
export function hopfieldCapacity(
  n: number,
  counts: readonly number[],
  options: { trials?: number; noise?: number; seed?: number } = {},
): CapacityPoint[] {
  const { trials = 5, noise = 0.1, seed = 1 } = options;
  const rng = Rng.fromSeed(seed);
  return counts.map((count) => {
    let exact = 0,
      overlap = 0,
      total = 0;
    for (let t = 0; t < trials; t++) {
      const patterns = Matrix.zeros(count, n);
      for (let i = 0; i < patterns.data.length; i++) patterns.data[i] = rng.uniform() < 0.5 ? 1 : -1;
      const net = hopfieldStore(patterns, rng.nextUint32());
      for (let p = 0; p < count; p++) {
        const target = patterns.row(p);
        const cue = Float32Array.from(target, (x) => (rng.uniform() < noise ? -x : x));
        const { state } = hopfieldRecall(net, cue);
        let o = 0;
        for (let i = 0; i < n; i++) o += state[i] * target[i];
        overlap += o / n;
        if (o === n) exact++;
        total++;
      }
    }
    return { patterns: count, loadRatio: count / n, recalled: exact / total, meanOverlap: overlap / total };
  });
}
