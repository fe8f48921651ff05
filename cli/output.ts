import { writeFully } from '../sinks/writeFully.js';

/** One NDJSON object on stdout (synchronous, so lines never interleave or get lost at exit). */
export function emit(value: Record<string, unknown>): void {
  writeFully(1, JSON.stringify(value) + '\n');
}

/** One line for people on stderr (stdout stays for data). */
export function say(line: string): void {
  writeFully(2, line + '\n');
}
