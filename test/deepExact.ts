import { jsBackend } from '../kernels/jsBackend.js';
import { Rng } from '../kernels/Rng.js';
import { createDbm, dbmEnergy, type Dbm, type DbmParams } from '../models/dbm.js';
import { exactRbmVisibleLogProbs } from '../models/exactRbm.js';
import type { RbmParams } from '../models/rbm.js';
import { logSumExp } from './helpers.js';

/** Exact oracles for tiny DBMs and DBNs by enumeration; a state's index has bit i for unit i. */

/** The n bits of s, unit i = bit i. */
export function bits(s: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (s >>> i) & 1);
}

/** The index of a binary row (unit i → bit i). */
export function stateIndex(row: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < row.length; i++) if (row[i]) s |= 1 << i;
  return s;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** P(v) of a DBM for every visible state, by summing e^−E over every joint state (float64). */
export function exactDbmVisible(params: DbmParams): Float64Array {
  const [nv, ...hidden] = params.sizes;
  const nh = hidden.reduce((a, b) => a + b, 0);
  const perVisible = new Float64Array(1 << nv);
  for (let v = 0; v < 1 << nv; v++) {
    const logs = Array.from({ length: 1 << nh }, (_, s) => {
      const layers = [bits(v, nv)];
      let shift = 0;
      for (const n of hidden) {
        layers.push(bits(s >>> shift, n));
        shift += n;
      }
      return -dbmEnergy(params, layers);
    });
    perVisible[v] = logSumExp(logs);
  }
  const lz = logSumExp(perVisible);
  return perVisible.map((x) => Math.exp(x - lz));
}

/**
 * The table T[a][b] of an RBM's conditional between its layers: P(h = b | v = a) (`up`), or
 * P(v = b | h = a) (down), every unit a Bernoulli given the other layer. With `only`, the
 * distribution of those target units alone (b indexes their bits in order).
 */
export function conditionalTable(params: RbmParams, up: boolean, only?: readonly number[]): number[][] {
  const { nVisible: V, nHidden: H, weights, visibleBias, hiddenBias } = params;
  const [nFrom, nTo] = up ? [V, H] : [H, V];
  const targets = only ?? Array.from({ length: nTo }, (_, k) => k);
  return Array.from({ length: 1 << nFrom }, (_, a) => {
    const from = bits(a, nFrom);
    const p = targets.map((k) => {
      let x = up ? hiddenBias[k] : visibleBias[k];
      for (let m = 0; m < nFrom; m++) if (from[m]) x += up ? weights.data[m * H + k] : weights.data[k * H + m];
      return sigmoid(x);
    });
    return Array.from({ length: 1 << targets.length }, (_, b) => p.reduce((q, pk, k) => q * ((b >>> k) & 1 ? pk : 1 - pk), 1));
  });
}

/** Row vector × table. */
export function times(p: readonly number[], table: readonly number[][]): number[] {
  const out = new Array<number>(table[0].length).fill(0);
  p.forEach((pa, a) => table[a].forEach((t, b) => (out[b] += pa * t)));
  return out;
}

/** Table × table. */
export function compose(a: readonly number[][], b: readonly number[][]): number[][] {
  return a.map((row) => times(row, b));
}

/** P(v) of a DBN (RBMs bottom first): the top RBM's exact marginal of its visible layer, then the directed layers down. */
export function exactDbnVisible(layers: readonly RbmParams[]): number[] {
  let p = Array.from(exactRbmVisibleLogProbs(layers[layers.length - 1]), Math.exp);
  for (let l = layers.length - 2; l >= 0; l--) p = times(p, conditionalTable(layers[l], false));
  return p;
}

/** The distribution over the unknown units (bits in order of `unknown`) given the known ones, from a joint P(v). */
export function conditionalOf(pv: ArrayLike<number>, n: number, known: ArrayLike<number>, partial: ArrayLike<number>): number[] {
  const unknown = Array.from({ length: n }, (_, i) => i).filter((i) => !known[i]);
  const out = new Array<number>(1 << unknown.length).fill(0);
  for (let v = 0; v < pv.length; v++) {
    const x = bits(v, n);
    if (x.some((xi, i) => known[i] && xi !== partial[i])) continue;
    out[unknown.reduce((s, i, k) => s | (x[i] << k), 0)] += pv[v];
  }
  const z = out.reduce((a, b) => a + b, 0);
  return out.map((q) => q / z);
}

/** Total variation distance between two distributions. */
export function tv(p: readonly number[], q: readonly number[]): number {
  return p.reduce((s, pi, i) => s + Math.abs(pi - q[i]), 0) / 2;
}

/** The empirical distribution of the rows' `units` (bits in order). */
export function empirical(rows: { rows: number; row(r: number): Float32Array }, units: readonly number[]): number[] {
  const out = new Array<number>(1 << units.length).fill(0);
  for (let r = 0; r < rows.rows; r++) {
    const row = rows.row(r);
    out[units.reduce((s, i, k) => s | ((row[i] ? 1 : 0) << k), 0)] += 1 / rows.rows;
  }
  return out;
}

/** A DBM with N(0, scale²) weights and biases, on the js reference backend. */
export function randomDbm(sizes: number[], seed: number, scale = 1): Dbm {
  const dbm = createDbm({ sizes, seed, backend: jsBackend });
  const rng = Rng.fromSeed(seed + 1000);
  for (const a of [...dbm.params.weights.map((w) => w.data), ...dbm.params.biases])
    for (let k = 0; k < a.length; k++) a[k] = scale * rng.normal();
  return dbm;
}
