import { setFlagsFromString } from 'node:v8';

// The few WebAssembly APIs used here (the DOM lib, which declares them, is not in this project's lib).
declare const WebAssembly: { validate(bytes: Uint8Array): boolean };

/** `v128 f()` returning i8x16.swizzle(0, 0) (`relaxed`: i8x16.relaxed_swizzle, a relaxed-SIMD instruction). */
function swizzleModule(relaxed: boolean): Uint8Array {
  const zeros = () => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const body = [0x00, ...zeros(), ...zeros(), ...(relaxed ? [0xfd, 0x80, 0x02] : [0xfd, 0x0e]), 0x0b];
  const code = [0x01, body.length, ...body];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    0x01,
    0x05,
    0x01,
    0x60,
    0x00,
    0x01,
    0x7b,
    0x03,
    0x02,
    0x01,
    0x00,
    0x0a,
    code.length,
    ...code,
  ]);
}

/** Whether this engine runs WebAssembly relaxed SIMD now (changes nothing). */
export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(swizzleModule(true));
}

/**
 * Lets the wasm backend load its relaxed-SIMD build (`kernels-fma.wasm`, fused multiply-adds) on
 * engines that have the feature behind a flag: on Node 20 it sets V8's
 * `--experimental-wasm-relaxed-simd` for the whole process (Node 22 runs relaxed SIMD by default,
 * and then nothing is changed). Returns whether relaxed SIMD is available afterwards.
 *
 * Importing boltzflow never does this: a V8 flag is process-wide state, which is the program's
 * decision, not a library's. The `boltzflow` CLI calls it at start-up. A program that wants the
 * fused build calls it once, before the wasm backend is loaded (the first `selectBackend`,
 * `availableBackends` or `loadWasmBackend`, or anything that trains); without it, the wasm backend
 * loads the plain-SIMD build (`kernels.wasm`), whose results are the same on every machine.
 *
 * @example
 * ```ts
 * import { enableRelaxedSimd, loadWasmBackend } from 'boltzflow';
 * const fused = enableRelaxedSimd();
 * console.log(fused === (loadWasmBackend()?.detail === 'relaxed SIMD (fused multiply-add)')); // true
 * ```
 */
export function enableRelaxedSimd(): boolean {
  if (hasRelaxedSimd()) return true;
  // A plain-SIMD module that does not validate means no SIMD at all: no flag makes relaxed SIMD run.
  if (!WebAssembly.validate(swizzleModule(false))) return false;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return hasRelaxedSimd();
}
