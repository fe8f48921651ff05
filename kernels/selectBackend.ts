import type { Backend } from './Backend.js';
import { BoltzflowError } from './BoltzflowError.js';
import { jsBackend } from './jsBackend.js';
import { loadWasmBackend } from './wasmBackend.js';

let wasm: Backend | null | undefined;

/** The backends this build has, by name, fastest first. */
export function availableBackends(): Record<string, Backend> {
  wasm ??= loadWasmBackend();
  return wasm ? { wasm, js: jsBackend } : { js: jsBackend };
}

/**
 * Picks a compute backend by name: `auto` (the fastest available — `wasm` where its module was
 * built, else `js`; the environment variable `BOLTZFLOW_BACKEND` overrides it) or an explicit name.
 *
 * @example
 * ```ts
 * import { selectBackend } from 'boltzflow';
 * console.log(selectBackend('auto').name); // wasm (or js where the wasm module is missing)
 * ```
 */
export function selectBackend(name: string = 'auto'): Backend {
  const all = availableBackends();
  const wanted = name === 'auto' ? (process.env.BOLTZFLOW_BACKEND ?? Object.keys(all)[0]) : name;
  const backend = all[wanted];
  if (!backend)
    throw new BoltzflowError(name === 'auto' ? 'BOLTZFLOW_BACKEND' : 'backend', wanted, `one of auto, ${Object.keys(all).join(', ')}`);
  return backend;
}
