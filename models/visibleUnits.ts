import type { Backend } from '../kernels/Backend.js';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { allocateMatrix } from '../kernels/allocateMatrix.js';
import { jsBackend } from '../kernels/jsBackend.js';
import type { Matrix } from '../kernels/Matrix.js';
import type { Rbm, RbmParams } from './rbm.js';

/** The largest finite float32: values outside ±this are ±∞ (or NaN). */
const F32_MAX = 3.4028234663852886e38;

/** A block of visible columns [start, start + size) of which exactly one is on: a one-of-K (softmax) unit, a label say. */
export interface SoftmaxGroup {
  readonly start: number;
  readonly size: number;
}

/**
 * What an RBM's visible units are.
 * - `bernoulli`: binary units, P(vᵢ = 1 | h) = σ(bᵢ + (Wh)ᵢ); `softmaxGroups` turn blocks of them
 *   into one-of-K units, P(vₖ = 1 | h) ∝ exp(bₖ + (Wh)ₖ) within the block.
 * - `gaussian`: real units with energy E(v, h) = Σᵢ (vᵢ − bᵢ)²/(2σᵢ²) − Σᵢⱼ vᵢ Wᵢⱼ hⱼ/σᵢ² − cᵀh
 *   (Cho, Ilin & Raiko 2011), so vᵢ | h ~ N(bᵢ + (Wh)ᵢ, σᵢ²) and P(hⱼ = 1 | v) = σ(cⱼ + Σᵢ vᵢ Wᵢⱼ/σᵢ²).
 *   σᵢ² = exp(zᵢ), with z in `params.logVariance`; `learnVariance` trains z too.
 */
export type VisibleUnits =
  | { readonly type: 'bernoulli'; readonly softmaxGroups?: readonly SoftmaxGroup[] }
  | { readonly type: 'gaussian'; readonly learnVariance: boolean };

export const BERNOULLI: VisibleUnits = { type: 'bernoulli' };

/** The visible units of a model's parameters (Bernoulli when unset). */
export function visibleUnitsOf(params: Pick<RbmParams, 'visibleUnits'>): VisibleUnits {
  return params.visibleUnits ?? BERNOULLI;
}

/** Checks a visible-units description against V visible units; names the offending field. */
export function checkVisibleUnits(units: VisibleUnits, nVisible: number, field = 'visibleUnits'): void {
  if (units.type !== 'bernoulli' || !units.softmaxGroups) return;
  let end = 0;
  units.softmaxGroups.forEach((g, k) => {
    if (!Number.isInteger(g.start) || !Number.isInteger(g.size) || g.size < 2 || g.start < end || g.start + g.size > nVisible)
      throw new BoltzflowError(
        `${field}.softmaxGroups[${k}]`,
        `{ start: ${g.start}, size: ${g.size} }`,
        `a block of at least 2 columns inside 0..${nVisible - 1}, after the previous group (ends at ${end})`,
      );
    end = g.start + g.size;
  });
}

/** Throws unless the model's visible units are binary (the exact enumerations, AIS and pseudo-likelihood need that). */
export function requireBinaryVisible(params: Pick<RbmParams, 'visibleUnits'>, what: string): void {
  const units = visibleUnitsOf(params);
  if (units.type !== 'bernoulli' || units.softmaxGroups?.length)
    throw new BoltzflowError(
      `${what}: visible units`,
      units.type === 'gaussian' ? 'gaussian' : 'bernoulli with softmax groups',
      'plain Bernoulli visible units',
    );
}

// Scratch buffers, keyed by the parameter arrays they serve. Each call overwrites its buffer
// before reading it, so they hold no state; they only spare an allocation per minibatch.
const scratch = new WeakMap<object, { m: Matrix; backend?: Backend }>();
function scratchFor(key: object, rows: number, cols: number, backend?: Backend): Matrix {
  let s = scratch.get(key);
  if (!s || s.m.rows < rows || s.m.cols !== cols || s.backend !== backend)
    scratch.set(key, (s = { m: allocateMatrix(backend, rows, cols), backend }));
  return s.m.topRows(rows);
}

/**
 * The visible states as the hidden units see them: v itself, or vᵢ/σᵢ² = vᵢ·e^{−zᵢ} for Gaussian
 * units of non-unit variance (on `backend`, in a scratch buffer in its memory, valid until the next
 * call for this model).
 */
export function scaledVisible(params: RbmParams, v: Matrix, backend: Backend = jsBackend): Matrix {
  const z = params.logVariance;
  if (visibleUnitsOf(params).type !== 'gaussian' || !z || backend.firstOutside(z, 0, 0) < 0) return v;
  const out = scratchFor(z, v.rows, v.cols, backend);
  backend.expScaleColumns(v.data, z, -1, out.data);
  return out;
}

/**
 * Turns visible inputs x = Wh (B×V, in place) into the visible units' conditional means at
 * inverse temperature β: σ(β(b + x)) for Bernoulli units, softmax(β(b + x)) within each softmax
 * group, b + x for Gaussian units (β scales their variance, not their mean).
 */
export function visibleMeans(rbm: Rbm, x: Matrix, beta: number): Matrix {
  const { params, backend } = rbm;
  const units = visibleUnitsOf(params);
  if (units.type === 'gaussian') {
    backend.addBias(x.data, params.visibleBias, x.data);
    return x;
  }
  const groups = units.softmaxGroups;
  if (!groups?.length) {
    backend.sigmoid(x, params.visibleBias, beta, x);
    return x;
  }
  // Softmax columns are computed from the raw inputs first, kept aside, then restored after the sigmoid.
  const width = groups.reduce((n, g) => n + g.size, 0);
  const kept = scratchFor(groups, x.rows, width);
  for (let r = 0; r < x.rows; r++) {
    let o = r * width;
    for (const g of groups) {
      const base = r * x.cols + g.start;
      let max = -Infinity;
      for (let k = 0; k < g.size; k++) max = Math.max(max, beta * (x.data[base + k] + params.visibleBias[g.start + k]));
      let sum = 0;
      for (let k = 0; k < g.size; k++)
        sum += kept.data[o + k] = Math.exp(beta * (x.data[base + k] + params.visibleBias[g.start + k]) - max);
      for (let k = 0; k < g.size; k++) kept.data[o + k] /= sum;
      o += g.size;
    }
  }
  backend.sigmoid(x, params.visibleBias, beta, x);
  for (let r = 0; r < x.rows; r++) {
    let o = r * width;
    for (const g of groups) {
      x.data.set(kept.data.subarray(o, o + g.size), r * x.cols + g.start);
      o += g.size;
    }
  }
  return x;
}

/**
 * Draws visible states from their conditional means (as left by {@link visibleMeans}) into `out`
 * (which may be `means` itself): Bernoulli draws, one category per softmax group, or
 * mean + σᵢ/√β · N(0, 1) for Gaussian units. All draws come from the model's generator.
 */
export function sampleVisible(rbm: Rbm, means: Matrix, out: Matrix, beta = 1): void {
  const { params, backend, rng } = rbm;
  const units = visibleUnitsOf(params);
  if (units.type === 'gaussian') {
    backend.gaussianSample(means.data, params.logVariance!, beta, rng, out.data);
    return;
  }
  const groups = units.softmaxGroups;
  if (!groups?.length) {
    backend.bernoulli(means.data, rng, out.data);
    return;
  }
  // Bernoulli draws for every column (so the generator advances the same way), then one category per group.
  const width = groups.reduce((n, g) => n + g.size, 0);
  const kept = scratchFor(groups, means.rows, width);
  for (let r = 0; r < means.rows; r++) {
    let o = r * width;
    for (const g of groups) {
      kept.data.set(means.data.subarray(r * means.cols + g.start, r * means.cols + g.start + g.size), o);
      o += g.size;
    }
  }
  backend.bernoulli(means.data, rng, out.data);
  for (let r = 0; r < means.rows; r++) {
    let o = r * width;
    for (const g of groups) {
      const u = rng.uniform();
      let acc = 0,
        pick = g.size - 1;
      for (let k = 0; k < g.size; k++)
        if (u < (acc += kept.data[o + k])) {
          pick = k;
          break;
        }
      for (let k = 0; k < g.size; k++) out.data[r * out.cols + g.start + k] = k === pick ? 1 : 0;
      o += g.size;
    }
  }
}

/**
 * Random visible states for chains that start afresh, drawn on the model's backend: fair coins
 * (`bernoulli` of ½), a uniform category per group, or N(b, σ²) for Gaussian units (`gaussianSample`
 * around b).
 */
export function randomVisible(rbm: Rbm, v: Matrix): void {
  const { params, rng, backend } = rbm;
  const units = visibleUnitsOf(params);
  if (units.type === 'gaussian') {
    backend.addBias(v.data.fill(0), params.visibleBias, v.data);
    backend.gaussianSample(v.data, params.logVariance!, 1, rng, v.data);
    return;
  }
  backend.bernoulli(v.data.fill(0.5), rng, v.data);
  for (const g of units.softmaxGroups ?? [])
    for (let r = 0; r < v.rows; r++) {
      const pick = rng.int(g.size);
      for (let k = 0; k < g.size; k++) v.data[r * v.cols + g.start + k] = k === pick ? 1 : 0;
    }
}

/**
 * Checks a minibatch against the visible units: finite values for Gaussian units; values in [0, 1]
 * for Bernoulli units, summing to 1 (± 1e-3) within each softmax group. The error names the row and column.
 * The scan for values out of range runs on `backend` (`firstOutside`).
 */
export function checkVisibleBatch(units: VisibleUnits, data: Matrix, where: string, backend: Backend = jsBackend): void {
  const d = data.data,
    V = data.cols;
  if (units.type === 'gaussian') {
    const i = backend.firstOutside(d, -F32_MAX, F32_MAX);
    if (i >= 0)
      throw new BoltzflowError(`${where}, row ${Math.floor(i / V)}, column ${i % V}`, d[i], 'a finite number (Gaussian visible units)');
    return;
  }
  const i = backend.firstOutside(d, 0, 1);
  if (i >= 0)
    throw new BoltzflowError(`${where}, row ${Math.floor(i / V)}, column ${i % V}`, d[i], 'a value in [0, 1] (Bernoulli visible units)');
  for (const g of units.softmaxGroups ?? [])
    for (let r = 0; r < data.rows; r++) {
      let s = 0;
      for (let k = 0; k < g.size; k++) s += d[r * V + g.start + k];
      if (Math.abs(s - 1) > 1e-3)
        throw new BoltzflowError(
          `${where}, row ${r}, columns ${g.start}..${g.start + g.size - 1}`,
          `values summing to ${s}`,
          'a one-of-K group summing to 1 (softmax visible units)',
        );
    }
}
