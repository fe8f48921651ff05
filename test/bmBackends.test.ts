import test from 'ava';
import type { Backend } from '../kernels/Backend.js';
import { createGlauberBuffers, createUnitStats, glauberSweeps, type GlauberNet, type UnitStats } from '../kernels/glauber.js';
import { jsBackend } from '../kernels/jsBackend.js';
import { Matrix } from '../kernels/Matrix.js';
import { Rng } from '../kernels/Rng.js';
import { availableBackends, selectBackend } from '../kernels/selectBackend.js';
import { bmNet, createBm, encoderMask, randomizeStates, type Bm } from '../models/bm.js';
import { clampedMoments, createBmPhaseBuffers, freeMoments } from '../models/bmPhases.js';
import { exactBmMoments, visibleDistribution } from '../models/exactBm.js';

const backends = Object.values(availableBackends());
const fast = backends.filter((b) => b.name !== 'js');

function randomBm(nVisible: number, nHidden: number, seed: number, backend: Backend, spin = false, mask?: Uint8Array): Bm {
  const bm = createBm({ nVisible, nHidden, seed, spin, mask, weightStd: 1, backend });
  const rng = Rng.fromSeed(seed + 99);
  for (let i = 0; i < bm.params.nUnits; i++) bm.params.bias[i] = 0.5 * rng.normal();
  return bm;
}

/**
 * The sampler as it was written before it went through Backend (kept here as the oracle): per
 * chain, per sweep, `rng.shuffle` for the order, then one uniform per free unit; fields in float64.
 */
function inlineSweeps(
  net: GlauberNet,
  states: Float32Array,
  rows: number,
  sweeps: number,
  T: number,
  rng: Rng,
  clamped: Uint8Array | null,
  stats: UnitStats | null,
): number {
  const { n, weights: w, bias, spin } = net;
  const order = new Uint32Array(n),
    fields = new Float64Array(n),
    off = spin ? -1 : 0,
    gain = spin ? 2 : 1;
  let changed = 0;
  for (let r = 0; r < rows; r++) {
    const s = states.subarray(r * n, (r + 1) * n);
    for (let i = 0; i < n; i++) {
      let f = bias[i];
      for (let j = 0; j < n; j++) f += w[i * n + j] * s[j];
      fields[i] = f;
    }
    for (let sweep = 0; sweep < sweeps; sweep++) {
      for (let i = 0; i < n; i++) order[i] = i;
      rng.shuffle(order, n);
      for (const i of order) {
        if (clamped && clamped[i]) continue;
        const gap = gain * fields[i],
          u = rng.uniform();
        const next = T === 0 ? (gap > 0 ? 1 : gap < 0 ? off : s[i]) : u < 1 / (1 + Math.exp(-gap / T)) ? 1 : off;
        const delta = next - s[i];
        if (delta === 0) continue;
        s[i] = next;
        changed++;
        for (let j = 0; j < n; j++) fields[j] += w[i * n + j] * delta;
      }
      if (stats) {
        for (let i = 0; i < n; i++) {
          stats.means[i] += s[i];
          for (let j = 0; j < n; j++) stats.cooccurrence[i * n + j] += s[i] * s[j];
        }
        stats.samples++;
      }
    }
  }
  return changed;
}

const cases = [
  { name: '0/1 units, T = 1.3, 4 units clamped', spin: false, T: 1.3, clampFirst: 4 },
  { name: '±1 units, T = 0.7', spin: true, T: 0.7, clampFirst: 0 },
  {
    name: '0/1 units, T = 0 (Hopfield recall), the last 3 units with zero fields (ties keep them)',
    spin: false,
    T: 0,
    clampFirst: 2,
    cut: 3,
  },
];

/** Disconnects the last `k` units and zeroes their biases: their fields are exactly 0. */
function cut(bm: Bm, k: number): void {
  const n = bm.params.nUnits,
    w = bm.params.weights.data;
  for (let i = n - k; i < n; i++) {
    bm.params.bias[i] = 0;
    for (let j = 0; j < n; j++) w[i * n + j] = w[j * n + i] = 0;
  }
}

for (const backend of backends)
  for (const c of cases)
    test(`${backend.name}: glauberSweeps gives the inline sampler's chains, change count, statistics and generator state bit for bit (${c.name}, 11 units, 23 chains, 6 sweeps)`, (t) => {
      const run = (sweep: (net: GlauberNet, s: Float32Array, rng: Rng, clamped: Uint8Array | null, stats: UnitStats) => number) => {
        const bm = randomBm(8, 3, 5, backend, c.spin);
        cut(bm, c.cut ?? 0);
        const s = Matrix.zeros(23, 11);
        randomizeStates(bm, s);
        const clamped = c.clampFirst ? new Uint8Array(11).fill(1, 0, c.clampFirst) : null;
        const stats = createUnitStats(11);
        const changed = sweep(bmNet(bm.params), s.data, bm.rng, clamped, stats) + sweep(bmNet(bm.params), s.data, bm.rng, clamped, stats);
        return {
          changed,
          states: Array.from(s.data),
          co: Array.from(stats.cooccurrence),
          means: Array.from(stats.means),
          samples: stats.samples,
          rng: Array.from(bm.rng.state()),
        };
      };
      const want = run((net, s, rng, clamped, stats) => inlineSweeps(net, s, 23, 6, c.T, rng, clamped, stats));
      const buffers = createGlauberBuffers(backend);
      const got = run((net, s, rng, clamped, stats) => glauberSweeps(net, s, 23, 6, c.T, rng, clamped, stats, backend, buffers));
      t.true(want.changed > 20, 'units do change');
      t.deepEqual(got, want);
    });

test("js: chains split into several kernel calls (more than 2²⁰ uniforms) give the inline sampler's bits", (t) => {
  const bm = randomBm(6, 2, 8, jsBackend);
  const a = Matrix.zeros(700, 8),
    b = Matrix.zeros(700, 8);
  randomizeStates(bm, a);
  b.data.set(a.data);
  const r1 = Rng.fromSeed(4),
    r2 = Rng.fromSeed(4);
  const s1 = createUnitStats(8),
    s2 = createUnitStats(8);
  t.is(
    glauberSweeps(bmNet(bm.params), a.data, 700, 200, 1, r1, null, s1, jsBackend),
    inlineSweeps(bmNet(bm.params), b.data, 700, 200, 1, r2, null, s2),
  );
  t.deepEqual(Array.from(a.data), Array.from(b.data));
  t.deepEqual(
    [Array.from(s1.cooccurrence), Array.from(s1.means), s1.samples],
    [Array.from(s2.cooccurrence), Array.from(s2.means), s2.samples],
  );
  t.deepEqual(r1.state(), r2.state());
});

for (const backend of fast)
  test(`${backend.name}: the phases of the 4-2-4 encoder and of a 64 + 32 fully connected BM (40 chains) equal the js backend's exactly`, (t) => {
    for (const [nv, nh, mask, rows] of [
      [8, 2, encoderMask(4, 2, 4), 4],
      [64, 32, undefined, 40],
    ] as const) {
      const phases = (b: Backend) => {
        const bm = createBm({ nVisible: nv, nHidden: nh, seed: 3, mask, weightStd: 0.3, backend: b });
        const data = Matrix.zeros(rows, nv);
        randomizeStates(createBm({ nVisible: nv, nHidden: 0, seed: 9, backend: b }), data);
        const anneal = [
          { temperature: 4, sweeps: 2 },
          { temperature: 1, sweeps: 5 },
        ];
        const pos = clampedMoments(bm, data, { anneal, noise: { on: 0.1, off: 0.05 }, repeats: 2 }, Matrix.zeros(2 * rows, nv + nh));
        const chains = Matrix.zeros(rows, nv + nh);
        const neg = freeMoments(bm, chains, anneal, true);
        return {
          pos: [...pos.cooccurrence, ...pos.means],
          neg: [...neg.cooccurrence, ...neg.means],
          chains: Array.from(chains.data),
          rng: Array.from(bm.rng.state()),
        };
      };
      t.deepEqual(phases(backend), phases(jsBackend), `${nv} + ${nh} units`);
    }
  });

for (const backend of backends)
  test(`${backend.name}: the clamped and free phases estimate the exact p⁺ and p⁻ of a 4 + 3 unit BM within 0.03`, (t) => {
    const bm = randomBm(4, 3, 3, backend);
    for (let k = 0; k < bm.params.weights.data.length; k++) bm.params.weights.data[k] *= 0.8;
    const data = Matrix.from([
      [1, 0, 0, 1],
      [1, 1, 0, 0],
      [0, 0, 1, 1],
    ]);
    const exact = exactBmMoments(bm.params, visibleDistribution(data, bm.params));
    const schedule = [
      { temperature: 3, sweeps: 5 },
      { temperature: 1, sweeps: 40 },
    ];
    const pos = clampedMoments(bm, data, { anneal: schedule, repeats: 300 }, Matrix.zeros(900, 7));
    const neg = freeMoments(bm, Matrix.zeros(900, 7), schedule, true);
    const worst = (a: Float64Array, b: Float64Array) => a.reduce((m, x, k) => Math.max(m, Math.abs(x - b[k])), 0);
    const errors = [
      worst(pos.cooccurrence, exact.positive.cooccurrence),
      worst(pos.means, exact.positive.means),
      worst(neg.cooccurrence, exact.negative.cooccurrence),
      worst(neg.means, exact.negative.means),
    ];
    t.log(
      `largest errors p⁺ᵢⱼ ${errors[0].toFixed(4)}, p⁺ᵢ ${errors[1].toFixed(4)}, p⁻ᵢⱼ ${errors[2].toFixed(4)}, p⁻ᵢ ${errors[3].toFixed(4)}`,
    );
    for (const e of errors) t.true(e < 0.03);
  });

test("createBm defaults to the fastest backend, and its weights live in that backend's memory where it has one", (t) => {
  const bm = createBm({ nVisible: 3, nHidden: 2, seed: 1 });
  t.is(bm.backend, selectBackend('auto'));
  const wasm = availableBackends().wasm;
  const onWasm = createBm({ nVisible: 3, nHidden: 2, seed: 1, backend: wasm });
  t.true(onWasm.params.weights.data.buffer instanceof SharedArrayBuffer, 'wasm memory is shared');
  t.is(createBm({ nVisible: 3, nHidden: 2, seed: 1, backend: jsBackend }).backend, jsBackend);
});

for (const backend of backends)
  test(`${backend.name}: phases given their buffers allocate nothing after the first minibatch of a shape: every buffer and the moments returned are the same arrays`, (t) => {
    const bm = createBm({ nVisible: 6, nHidden: 3, seed: 2, weightStd: 0.5, backend });
    const pb = createBmPhaseBuffers(bm),
      nb = createBmPhaseBuffers(bm);
    const data = Matrix.from([
      [1, 0, 1, 0, 1, 0],
      [0, 1, 1, 0, 0, 1],
    ]);
    const states = Matrix.zeros(6, 9),
      chains = Matrix.zeros(10, 9);
    const step = () => [
      clampedMoments(bm, data, { anneal: [{ temperature: 1, sweeps: 4 }], repeats: 3 }, states, pb),
      freeMoments(bm, chains, [{ temperature: 1, sweeps: 4 }], false, nb),
    ];
    const arrays = () =>
      [pb, nb].flatMap((b) => [
        b.sweeps.draws,
        b.sweeps.drawsRoot,
        b.sweeps.samples,
        b.sweeps.samplesView,
        b.sweeps.products,
        b.sweeps.sums,
        b.sweeps.scratch,
        b.stats,
        b.clamped,
        b.moments,
      ]);
    const [p1, n1] = step();
    const before = arrays();
    const firstPositive = Array.from(p1.cooccurrence);
    const [p2, n2] = step();
    t.is(p2, p1, "the positive moments are the buffers' own");
    t.is(n2, n1);
    t.not(p1, n1);
    arrays().forEach((a, k) => t.is(a, before[k], `buffer ${k} was not replaced`));
    t.notDeepEqual(Array.from(p2.cooccurrence), firstPositive, "the second minibatch overwrote the first one's moments");
    const fresh = freeMoments(bm, chains, [{ temperature: 1, sweeps: 4 }], false);
    t.not(fresh, freeMoments(bm, chains, [{ temperature: 1, sweeps: 4 }], false), 'without buffers, fresh arrays each call');
    t.throws(() => freeMoments(createBm({ nVisible: 2, nHidden: 0, seed: 1, backend }), Matrix.zeros(1, 2), [], false, nb), {
      message: /buffers: got "for 9 units", expected buffers for 2 units/,
    });
  });
