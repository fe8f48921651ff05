// The kernels that the wasm backend's two threads share, and the control block through which
// the main thread hands the helper its share (see wasmBackend.ts and wasmWorker.ts).

/** The arguments of a kernel call: integers (byte offsets, strides, sizes), then floats. */
export type KernelArgs = number[];

/**
 * The kernels that either thread may run over its share: the GEMMs over columns of C, the sigmoid
 * over rows, the transpose over rows of its source, the momentum step over blocks of SUM_BLOCK
 * floats. Each takes up to 12 integers, then up to 3 floats.
 */
export interface Kernels {
  gemmDense(...args: KernelArgs): void;
  gemmSparse(...args: KernelArgs): void;
  sigmoid(...args: KernelArgs): void;
  transpose(...args: KernelArgs): void;
  momentumStep(...args: KernelArgs): void;
}
export type KernelName = keyof Kernels;
export const KERNELS: readonly KernelName[] = ['gemmDense', 'gemmSparse', 'sigmoid', 'transpose', 'momentumStep'];

/** Bytes of the control block: state; kernel index, integer and float counts; 12 integers; 3 floats (float64). */
export const CONTROL_BYTES = 88;

/**
 * Views of a control block. `state` is 0 (idle), 1 (a share posted) or 2 (done; the main thread
 * sets it back to 0 once it has seen it).
 */
export function controlBlock(control: SharedArrayBuffer): {
  state: Int32Array;
  kernel: Int32Array /* [index, integer count, float count] */;
  args: Int32Array;
  floats: Float64Array;
} {
  return {
    state: new Int32Array(control, 0, 1),
    kernel: new Int32Array(control, 4, 3),
    args: new Int32Array(control, 16, 12),
    floats: new Float64Array(control, 64, 3),
  };
}

/** How long either thread spins on the control block before it sleeps on it, in milliseconds. */
export const SPIN_MS = 0.5;

/**
 * How long the idle helper spins for the next share before it sleeps, in milliseconds: longer than
 * the serial work between two shares of a training step (a momentum step and the operators' own
 * work, about 1 ms), since a sleeping helper wakes 0.07–0.12 ms late and the main thread waits for
 * it. In one PCD-1 epoch on 10,000 digits the main thread's waits fell from 0.09–0.17 s to
 * 0.02–0.07 s when this went from 0.5 to 3 (scratch/waitab.mjs).
 */
export const HELPER_SPIN_MS = 3;

/** Spins while `busy()` holds, for at most `ms` milliseconds. */
export function spinWhile(busy: () => boolean, ms: number): void {
  const until = performance.now() + ms;
  for (let i = 0; busy(); i++) if ((i & 63) === 63 && performance.now() > until) return;
}
