import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runCli } from './cliRun.js';

// V8 flags are process-wide (and ava's test files share one process), so each check runs in a child.
const index = new URL('../index.js', import.meta.url).href;
const fused = new URL('../kernels/kernels-fma.wasm', import.meta.url);
/** Runs `body` (an ES module's statements, with `lib` = boltzflow and `relaxed()` = whether the fused build validates) in a fresh node; its last stdout line as JSON. */
function inChild(body: string): Record<string, unknown> {
  const script = `import { readFileSync } from 'node:fs';
const lib = await import(${JSON.stringify(index)});
const relaxed = () => WebAssembly.validate(readFileSync(new URL(${JSON.stringify(fused.href)})));
${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}
/** Runs a 1×2·2×1 GEMM on `backend` (a child's expression) after `setup`; reports it, `relaxed()` before and after, and `extra`. */
const gemmOn = (backend: string, setup = '', extra = '') => `${setup}
const before = relaxed();
const b = ${backend};
const c = lib.Matrix.zeros(1, 1);
b.gemm(false, false, 1, lib.Matrix.from([[1, 2]]), lib.Matrix.from([[3], [4]]), 0, c);
console.log(JSON.stringify({ before, after: relaxed(), detail: b.detail, c: c.get(0, 0), ${extra} }));`;

test('importing boltzflow and training on the wasm backend leaves V8 flags as they were', (t) => {
  for (const backend of ["lib.selectBackend('wasm')", 'lib.loadWasmBackend()']) {
    const r = inChild(gemmOn(backend));
    t.is(r.c, 11);
    t.is(r.after, r.before, `${backend} changed whether relaxed SIMD validates`);
    t.is(r.detail, r.before ? 'relaxed SIMD (fused multiply-add)' : 'SIMD (f32x4)', 'without the flag, the plain-SIMD build');
  }
  const trained = inChild(`const before = relaxed();
const data = lib.Matrix.from([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]]);
const { lastValueFrom, last } = await import(${JSON.stringify(import.meta.resolve('rxjs'))});
const e = await lastValueFrom(lib.trainRbm({ data, config: { nHidden: 2, batchSize: 2, backend: 'wasm' } }).pipe(last()));
console.log(JSON.stringify({ before, after: relaxed(), step: e.step }));`);
  t.is(trained.step, 2);
  t.is(trained.after, trained.before, 'trainRbm on wasm changed whether relaxed SIMD validates');
});

test('enableRelaxedSimd turns relaxed SIMD on, and the wasm backend then loads its fused build', (t) => {
  const r = inChild(
    gemmOn(
      'lib.loadWasmBackend()',
      'const enabled = lib.enableRelaxedSimd();',
      'enabled, again: lib.enableRelaxedSimd(), has: lib.hasRelaxedSimd()',
    ),
  );
  // On this machine kind (Node ≥ 20 on x64 or arm64) the engine has relaxed SIMD, behind a flag on Node 20.
  t.deepEqual(r, { before: true, after: true, detail: 'relaxed SIMD (fused multiply-add)', c: 11, enabled: true, again: true, has: true });
  const untouched = inChild(gemmOn('lib.loadWasmBackend()', '', 'has: lib.hasRelaxedSimd()'));
  t.is(untouched.has, untouched.before, 'hasRelaxedSimd says what the engine validates, and changes nothing');
});

test('the CLI asks for relaxed SIMD itself: its wasm runs use the fused build', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boltzflow-simd-'));
  writeFileSync(join(dir, 'data.csv'), '1,0,1\n0,1,0\n1,1,0\n0,0,1\n');
  const run = runCli([
    'train',
    '--data',
    join(dir, 'data.csv'),
    '--hidden',
    '2',
    '--batch',
    '2',
    '--backend',
    'wasm',
    '--out',
    join(dir, 'run'),
    '--json',
  ]);
  const start = await run.waitFor((e) => e.event === 'start');
  const { code, stderr } = await run.exited;
  t.is(code, 0, stderr);
  t.is(start.backend, 'wasm');
  t.is(start.backendDetail, 'relaxed SIMD (fused multiply-add)');
});
