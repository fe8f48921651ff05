import { glauberState } from './glauberState.js';
import type { Backend } from './Backend.js';
import { jsBackend } from './jsBackend.js';
import { Matrix } from './Matrix.js';
import type { Rng } from './Rng.js';

/** The state of a general Boltzmann machine's sampler, shared by its kernels. */
export interface GlauberNet {
  /** Units. */
  readonly n: number;
  /** n×n symmetric weights, zero diagonal, row-major. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  /** Units in {−1, +1} (Hopfield/Ising) instead of {0, 1}. */
  readonly spin: boolean;
}

/** Running sums of ⟨sᵢ sⱼ⟩ and ⟨sᵢ⟩, one sample per chain per sweep. */
export interface UnitStats {
  readonly cooccurrence: Float64Array; // n×n
  readonly means: Float64Array; // n
  samples: number;
}

export function createUnitStats(n: number): UnitStats {
  return { cooccurrence: new Float64Array(n * n), means: new Float64Array(n), samples: 0 };
}

/** A sweep kernel's own scratch (see `Backend.glauberSweeps`): the chain's local fields and the sweep's order, n each. */
export interface GlauberScratch {
  fields: Float64Array;
  order: Uint32Array;
}

/**
 * The buffers of {@link glauberSweeps}, owned by its caller (a model's phase, a subscription) and
 * grown once per shape, never per call: the uniforms as 32-bit integers, each chain's state after
 * every sweep (the samples whose Sᵀ·S gives ⟨sᵢ sⱼ⟩), that product and the column sums, and the
 * kernel's scratch. The uniforms and samples live in the backend's own memory where it has one
 * (see `Backend.allocate`), so the wasm kernels read and write them in place.
 */
export interface GlauberBuffers {
  readonly backend: Backend | undefined;
  draws: Uint32Array;
  /** The array whose memory `draws` views (kept alive with it). */
  drawsRoot: Float32Array;
  samples: Float32Array;
  /** `samples`' first rows as a matrix, remade only when the row count changes. */
  samplesView: Matrix | null;
  products: Matrix;
  sums: Float32Array;
  scratch: GlauberScratch;
}

/** Empty buffers for {@link glauberSweeps} on `backend` (they grow to the first shape they are used for). */
export function createGlauberBuffers(backend?: Backend): GlauberBuffers {
  const root = new Float32Array(0);
  return {
    backend,
    draws: new Uint32Array(0),
    drawsRoot: root,
    samples: root,
    samplesView: null,
    products: Matrix.zeros(0, 0),
    sums: root,
    scratch: { fields: new Float64Array(0), order: new Uint32Array(0) },
  };
}

/** Uniforms that `Backend.glauberSweeps` reads per chain: per sweep, n − 1 for the sweep's order, then one per free unit. */
export function glauberDrawsPerChain(n: number, free: number, sweeps: number): number {
  return sweeps * (n - 1 + free);
}

/** Floats of uniforms or samples that one kernel call handles at most: chains go in chunks of that size. */
const CHUNK = 1 << 20;

/**
 * Sequential (Glauber) dynamics on each row of `states` (rows×n): `sweeps` sweeps, each updating
 * every free unit once in a fresh random order, unit i turning on with probability σ(ΔEᵢ / T),
 * ΔEᵢ = Σⱼ wᵢⱼ sⱼ + θᵢ (twice that for ±1 units). At T = 0 (`temperature` 0) the update is
 * deterministic — on if ΔEᵢ > 0, off if < 0, unchanged at 0 — which is the Hopfield network's
 * asynchronous recall; a uniform is still drawn per update, so that the same seed visits units
 * in the same order at every temperature. `clamped[i] = 1` keeps unit i fixed. With `stats`,
 * each chain's state is added after every sweep. Returns the number of units that changed.
 *
 * The sweeps run on `backend` (`Backend.glauberSweeps`) from uniforms drawn here, with `rng`, in
 * the same order on every backend: chain by chain, sweep by sweep, the sweep's Fisher–Yates order
 * and then one per free unit. The statistics are Sᵀ·S and the column sums of the samples S
 * (backend GEMM), sums of integers that are exact in float32: on every backend the same chains
 * give the same bits. `buffers` are reused from call to call (grown once per shape).
 */
export function glauberSweeps(
  net: GlauberNet,
  states: Float32Array,
  rows: number,
  sweeps: number,
  temperature: number,
  rng: Rng,
  clamped: Uint8Array | null = null,
  stats: UnitStats | null = null,
  backend: Backend = jsBackend,
  buffers: GlauberBuffers = createGlauberBuffers(backend),
): number {
  const { n } = net;
  if (rows === 0 || sweeps === 0 || n === 0) return 0;
  let free = n;
  if (clamped) for (let i = 0; i < n; i++) if (clamped[i]) free--;
  const perChain = glauberDrawsPerChain(n, free, sweeps);
  const chunk = Math.max(1, Math.min(rows, Math.floor(CHUNK / Math.max(perChain, sweeps * n))));
  grow(buffers, n, chunk * perChain, stats ? chunk * sweeps * n : 0);
  let changed = 0;
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const m = Math.min(chunk, rows - r0);
    const draws = buffers.draws;
    for (let k = 0, end = m * perChain; k < end; k++) draws[k] = rng.nextUint32();
    const s = r0 === 0 && m === rows ? states : states.subarray(r0 * n, (r0 + m) * n);
    changed += backend.glauberSweeps(net, s, m, sweeps, temperature, draws, clamped, stats ? buffers.samples : null, buffers.scratch);
    if (stats) addSamples(stats, buffers, backend, m * sweeps, n);
  }
  return changed;
}

/** Grows `b` (never shrinks it) to hold `draws` uniforms, `samples` floats and n-unit scratch. */
function grow(b: GlauberBuffers, n: number, draws: number, samples: number): void {
  const fresh = (length: number) => b.backend?.allocate?.(length) ?? new Float32Array(length);
  if (b.draws.length < draws) {
    b.drawsRoot = fresh(draws);
    b.draws = new Uint32Array(b.drawsRoot.buffer, b.drawsRoot.byteOffset, draws);
  }
  if (b.samples.length < samples) {
    b.samples = fresh(samples);
    b.samplesView = null;
  }
  if (samples > 0 && b.products.rows !== n) {
    b.products = Matrix.zeros(n, n);
    b.sums = new Float32Array(n);
  }
  if (b.scratch.fields.length < n) b.scratch = { fields: new Float64Array(n), order: new Uint32Array(n) };
}

/** Adds the first `rows` samples (rows×n) to `stats`: Sᵀ·S and Σ S by the backend, in float32 (integer sums below 2²⁴: exact). */
function addSamples(stats: UnitStats, b: GlauberBuffers, backend: Backend, rows: number, n: number): void {
  if (b.samplesView?.rows !== rows || b.samplesView.cols !== n) b.samplesView = new Matrix(rows, n, b.samples.subarray(0, rows * n));
  const s = b.samplesView;
  backend.gemm(true, false, 1, s, s, 0, b.products);
  backend.columnSums(s, 1, 0, b.sums);
  const c = stats.cooccurrence,
    p = b.products.data,
    m = stats.means;
  for (let k = 0; k < n * n; k++) c[k] += p[k];
  for (let i = 0; i < n; i++) m[i] += b.sums[i];
  stats.samples += rows;
}

/**
 * Parallel (synchronous) updates. With `colors` (a colour per unit), each sweep updates the units
 * colour by colour, all units of one colour at once from the current state: exact Gibbs sampling
 * whenever every colour class is an independent set — the two sides of a bipartite graph, the
 * alternate layers of a layered one. Without `colors`, every free unit is redrawn at once from the
 * previous state (Little dynamics): its stationary distribution is in general not the Boltzmann
 * distribution — even on a bipartite graph, where it leaves the two sides independent.
 * `fields` is scratch of at least n values (the caller's to reuse).
 */
export function parallelSweeps(
  net: GlauberNet,
  states: Float32Array,
  rows: number,
  sweeps: number,
  temperature: number,
  rng: Rng,
  clamped: Uint8Array | null = null,
  stats: UnitStats | null = null,
  colors: Uint8Array | null = null,
  fields: Float64Array = new Float64Array(net.n),
): void {
  const { n, weights: w, bias, spin } = net;
  const off = spin ? -1 : 0;
  const gain = spin ? 2 : 1;
  let nColors = 1;
  if (colors) for (let i = 0; i < n; i++) nColors = Math.max(nColors, colors[i] + 1);
  for (let r = 0; r < rows; r++) {
    const s = states.subarray(r * n, (r + 1) * n);
    for (let sweep = 0; sweep < sweeps; sweep++) {
      for (let c = 0; c < nColors; c++) {
        for (let i = 0; i < n; i++) {
          if (colors && colors[i] !== c) continue;
          let f = bias[i];
          const row = i * n;
          for (let j = 0; j < n; j++) f += w[row + j] * s[j];
          fields[i] = f;
        }
        for (let i = 0; i < n; i++) {
          if ((colors && colors[i] !== c) || (clamped && clamped[i])) continue;
          const gap = gain * fields[i],
            u = rng.uniform();
          s[i] = glauberState(gap, temperature, u, s[i], off);
        }
      }
      if (stats) addState(stats, s, n);
    }
  }
}

function addState(stats: UnitStats, s: Float32Array, n: number): void {
  const c = stats.cooccurrence,
    m = stats.means;
  for (let i = 0; i < n; i++) {
    const si = s[i];
    m[i] += si;
    if (si === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) c[row + j] += si * s[j];
  }
  stats.samples++;
}
