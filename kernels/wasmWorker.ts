// The wasm backend's second thread: it runs its share of a GEMM's rows on the shared memory,
// waiting on and signalling through a shared control block (see wasmBackend.ts).
import { parentPort, workerData } from 'node:worker_threads';

declare const WebAssembly: { Instance: new (module: object, imports: object) => { exports: object } };

interface Gemm {
  gemmRowsOfB(a: number, b: number, c: number, m: number, k: number, n: number, lda: number, transA: number, alpha: number, idx: number, val: number): void;
}

const { module, memory, control } = workerData as { module: object; memory: object; control: SharedArrayBuffer };
const x = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('wasm abort'); } } }).exports as Gemm;
const state = new Int32Array(control, 0, 1);
const args = new Int32Array(control, 4, 10);
const alpha = new Float32Array(control, 44, 1);
parentPort?.postMessage('ready');
for (;;) {
  Atomics.wait(state, 0, 0); // idle until a job is posted (1)
  if (Atomics.load(state, 0) !== 1) continue;
  const [a, b, c, m, k, n, lda, transA, idx, val] = args;
  try {
    x.gemmRowsOfB(a, b, c, m, k, n, lda, transA, alpha[0], idx, val);
  } finally {
    Atomics.store(state, 0, 2); // done
    Atomics.notify(state, 0);
  }
  Atomics.wait(state, 0, 2); // until the main thread has read the result (back to 0)
}
