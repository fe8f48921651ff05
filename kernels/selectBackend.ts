import type { Backend } from './Backend.js';
import { BoltzflowError } from './BoltzflowError.js';
import { jsBackend } from './jsBackend.js';
import { loadNativeBackend } from './nativeBackend.js';
import { loadWasmBackend } from './wasmBackend.js';

/** Every backend name a config may ask for; which of them exist depends on the build. */
export const BACKEND_NAMES = ['auto', 'native', 'wasm', 'js'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

let loaded: Record<string, Backend> | undefined;

/** The backends this build has, by name, fastest first (`native` where built against OpenBLAS, `wasm`, `js`). */
export function availableBackends(): Record<string, Backend> {
  if (!loaded) {
    loaded = {};
    const native = loadNativeBackend(),
      wasm = loadWasmBackend();
    if (native) loaded.native = native;
    if (wasm) loaded.wasm = wasm;
    loaded.js = jsBackend;
  }
  return loaded;
}

/**
 * Picks a compute backend by name: `auto` (the fastest available — `native` where it was built
 * against OpenBLAS, else `wasm` where its module was built, else `js`; the environment variable
 * `BOLTZFLOW_BACKEND` overrides it) or an explicit name.
 *
 * @example
 * ```ts
 * import { selectBackend } from 'boltzflow';
 * console.log(selectBackend('wasm').name); // wasm
 * console.log(['native', 'wasm', 'js'].includes(selectBackend('auto').name)); // true
 * ```
 */
export function selectBackend(name: string = 'auto'): Backend {
  const all = availableBackends();
  const wanted = name === 'auto' ? (process.env.BOLTZFLOW_BACKEND ?? Object.keys(all)[0]) : name;
  const backend = all[wanted];
  if (!backend) {
    const more =
      wanted === 'native'
        ? [
            'The native backend is built where OpenBLAS is installed: npm run setup:native (apt-get install libopenblas-dev, then builds it)',
          ]
        : [];
    throw new BoltzflowError(name === 'auto' ? 'BOLTZFLOW_BACKEND' : 'backend', wanted, `one of auto, ${Object.keys(all).join(', ')}`, {
      more,
    });
  }
  return backend;
}
