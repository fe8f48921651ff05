// Builds the wasm backend from kernels/assembly/ (run by `npm run build`, so by `npm install`):
// dist/kernels/kernels.wasm with f32x4 SIMD, and dist/kernels/kernels-fma.wasm, the same source with
// relaxed SIMD, whose multiply-adds are fused (one instruction where the CPU has FMA).
import asc from 'assemblyscript/asc';

const common = [
  'kernels/assembly/index.ts',
  '-O3',
  '--runtime',
  'stub',
  '--enable',
  'simd',
  '--enable',
  'threads',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory',
  '64',
  '--maximumMemory',
  '16384',
  '--noAssert',
];
for (const [file, extra] of [
  ['kernels.wasm', []],
  ['kernels-fma.wasm', ['--enable', 'relaxed-simd']],
]) {
  const { error, stderr } = await asc.main([...common, ...extra, '--outFile', `dist/kernels/${file}`]);
  if (error) {
    console.error(stderr.toString());
    process.exit(1);
  }
}
