// The wasm backend's second thread: it runs its share of a kernel (its columns of C, its rows, its
// blocks) on the shared memory, waiting on and signalling through a shared control block (see
// wasmKernels.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { controlBlock, HELPER_SPIN_MS, KERNELS, SPIN_MS, spinWhile, type KernelArgs, type Kernels } from './wasmKernels.js';

declare const WebAssembly: { Instance: new (module: object, imports: object) => { exports: object } };

const { module, memory, control } = workerData as { module: object; memory: object; control: SharedArrayBuffer };
const x = new WebAssembly.Instance(module, {
  env: {
    memory,
    abort: () => {
      throw new Error('wasm abort');
    },
  },
}).exports as Kernels;
const { state, kernel, args, floats } = controlBlock(control);
parentPort?.postMessage('ready');
for (;;) {
  // Shares come in quick succession while a model trains: spin a while before sleeping, since a
  // sleeping thread took 0.07–0.12 ms to wake on this project's 2-core machine.
  spinWhile(() => Atomics.load(state, 0) === 0, HELPER_SPIN_MS);
  Atomics.wait(state, 0, 0); // idle until a share is posted (1)
  if (Atomics.load(state, 0) !== 1) continue;
  try {
    x[KERNELS[kernel[0]]](...([...args.subarray(0, kernel[1]), ...floats.subarray(0, kernel[2])] as KernelArgs));
  } finally {
    Atomics.store(state, 0, 2); // done
    Atomics.notify(state, 0);
  }
  // Until the main thread has read the result (back to 0): spinning first, since the next share
  // often follows within a fraction of a millisecond, and a sleeping thread wakes late.
  spinWhile(() => Atomics.load(state, 0) === 2, SPIN_MS);
  Atomics.wait(state, 0, 2);
}
