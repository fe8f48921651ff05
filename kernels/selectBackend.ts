import type { Backend } from './Backend.js';
import { BoltzflowError } from './BoltzflowError.js';
import { jsBackend } from './jsBackend.js';

/** The backends this build has, by name. `auto` resolves to the fastest of them. */
const available: Record<string, Backend> = { js: jsBackend };

/**
 * Picks a compute backend by name: `auto` (the fastest available; the environment variable
 * `BOLTZFLOW_BACKEND` overrides it) or an explicit name. Today only the pure-TS `js` reference
 * exists; faster ones register here.
 *
 * @example
 * ```ts
 * import { selectBackend } from 'boltzflow';
 * console.log(selectBackend('auto').name); // js
 * ```
 */
export function selectBackend(name: string = 'auto'): Backend {
  const wanted = name === 'auto' ? (process.env.BOLTZFLOW_BACKEND ?? 'js') : name;
  const backend = available[wanted];
  if (!backend)
    throw new BoltzflowError(name === 'auto' ? 'BOLTZFLOW_BACKEND' : 'backend', wanted, `one of auto, ${Object.keys(available).join(', ')}`);
  return backend;
}
