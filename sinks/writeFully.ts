import { writeSync } from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `text` to a file descriptor, synchronously. A pipe whose reader is slower than
 * the writer answers EAGAIN when it is full (Node's pipes to a parent are non-blocking) and a
 * write may take only part of the bytes: both are waited out (1 ms at a time), so a slow reader
 * of `--json` output slows the run down instead of ending it.
 */
export function writeFully(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let off = 0;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
