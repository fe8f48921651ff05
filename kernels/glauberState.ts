/**
 * The Glauber rule for one unit: its next state given its energy gap `gap` = ΔE (for ±1 units
 * already doubled), the temperature and a uniform draw `u`: on (1) with probability σ(ΔE / T),
 * else `off` (0, or −1 for spin units); at T = 0 the sign of the gap decides and a zero gap keeps
 * `current`. The one definition the sweeps share (shuffled and random-probe, every js path).
 *
 * @example
 * ```ts
 * import { glauberState } from '#internal/kernels/glauberState.js';
 * console.log(glauberState(2, 1, 0.5, 0, 0), glauberState(-1, 0, 0.5, 1, -1), glauberState(0, 0, 0.5, 1, 0)); // 1 -1 1
 * ```
 */
export function glauberState(gap: number, temperature: number, u: number, current: number, off: number): number {
  if (temperature === 0) return gap > 0 ? 1 : gap < 0 ? off : current;
  return u < 1 / (1 + Math.exp(-gap / temperature)) ? 1 : off;
}
