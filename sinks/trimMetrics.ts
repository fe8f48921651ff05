import { createReadStream, createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { splitLines } from '../sources/splitLines.js';

/**
 * Cuts a run's `metrics.ndjson` back to the steps a resumed snapshot holds: a run killed after its
 * last snapshot had logged steps that the resumed run learns again, and they would appear twice.
 * Lines of steps after `lastStep` are dropped (other lines are kept); the file is rewritten beside
 * itself and renamed over the old one, so a crash leaves one or the other. Returns the count of
 * lines dropped (0, and nothing rewritten, when there are none or no file) and the `seconds` of the
 * last step kept (0 without one): where the resumed run's training time continues from.
 */
export async function trimMetrics(path: string, lastStep: number): Promise<{ dropped: number; seconds: number }> {
  if (!existsSync(path)) return { dropped: 0, seconds: 0 };
  let dropped = 0,
    seconds = 0;
  for await (const { line } of splitLines(createReadStream(path))) {
    if (line === null) continue;
    if (stepOf(line) > lastStep) dropped++;
    else if (stepOf(line) >= 0) {
      const s = Number(/"seconds":([\d.e+-]+)/.exec(line)?.[1]);
      if (Number.isFinite(s)) seconds = s;
    }
  }
  if (dropped === 0) return { dropped, seconds };
  const tmp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  try {
    for await (const { line } of splitLines(createReadStream(path))) {
      if (line === null || stepOf(line) > lastStep) continue;
      if (!out.write(line + '\n')) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    renameSync(tmp, path);
  } catch (e) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw e;
  }
  return { dropped, seconds };
}

function stepOf(line: string): number {
  const m = /"step":(\d+)/.exec(line);
  return m ? Number(m[1]) : -1;
}
