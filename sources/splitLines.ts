import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a stream of text chunks (a socket, stdin, an HTTP body, a growing file) into its
 * non-blank lines with 1-based line numbers. It pulls one chunk at a time, so a slow consumer
 * slows the reading (backpressure) instead of buffering the stream. UTF-8 split across chunks is
 * reassembled; a last line without a newline is still a line.
 *
 * @example
 * ```ts
 * import { splitLines } from 'boltzflow';
 * for await (const l of splitLines(['[0, 1]\n[1', ', 0]\n\n[1, 1]'])) console.log(l.number, l.line); // 1 [0, 1] · 2 [1, 0] · 4 [1, 1]
 * ```
 */
export async function* splitLines(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<{ line: string; number: number }> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let number = 0;
  for await (const chunk of chunks) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let at: number;
    while ((at = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, at).replace(/\r$/, '');
      rest = rest.slice(at + 1);
      number++;
      if (line.trim() !== '') yield { line, number };
    }
  }
  rest += decoder.end();
  if (rest.trim() !== '') yield { line: rest.replace(/\r$/, ''), number: number + 1 };
}
