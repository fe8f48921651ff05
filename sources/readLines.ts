import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileError } from './fileError.js';

/** The non-blank lines of a text file, with their 1-based line numbers, read as a stream. */
export async function* readLines(path: string): AsyncGenerator<{ line: string; number: number }> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const line of rl) {
      number++;
      if (line.trim() !== '') yield { line, number };
    }
  } catch (e) {
    throw fileError(path, e);
  }
}
