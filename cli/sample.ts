import { writeSync } from 'node:fs';
import { extname } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { sampleRbm } from '../models/sampleRbm.js';
import { sampleFlagsSchema } from '../schemas/cliFlags.js';
import { checkOutputPath } from '../sinks/checkOutputPath.js';
import { writeImageGrid } from '../sinks/writeImageGrid.js';
import { writeOutput } from '../sinks/writeOutput.js';
import { readSnapshot, snapshotModel } from '../sources/readSnapshot.js';
import { parseFlags } from './parseFlags.js';
import { emit, say } from './output.js';
import { imageScale, isGaussian, toDataUnits } from './visibleData.js';

/**
 * `boltzflow sample`: runs N Gibbs chains from the visible biases and writes P(v | h) of the last
 * step (Gaussian units: the mean of v | h, in the training data's units) — to a PNG grid (`--out x.png`, for image data), CSV (`.csv`), NDJSON (`.ndjson`), or as
 * NDJSON arrays on stdout.
 */
export async function sampleCommand(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, sampleFlagsSchema, Object.keys(sampleFlagsSchema.shape));
  const snap = await readSnapshot(flags.model);
  const ext = flags.out ? extname(flags.out).toLowerCase() : '';
  if (flags.out && !['.png', '.csv', '.ndjson', '.jsonl'].includes(ext))
    throw new BoltzflowError('--out', flags.out, 'a file ending in .png, .csv, .ndjson or .jsonl');
  if (ext === '.png' && !snap.data.imageShape)
    throw new BoltzflowError('--out', flags.out, 'a .csv or .ndjson file (the model was not trained on images)');
  if (flags.out) checkOutputPath(flags.out, '--out');
  const rbm = snapshotModel(snap, { backend: selectBackend(flags.backend), seed: flags.seed });
  const start = performance.now();
  const gaussian = isGaussian(snap);
  // Gaussian units: the conditional means b + Wh, mapped back to the data's units (mean + std · x).
  const probs = toDataUnits(sampleRbm(rbm, { n: flags.n, steps: flags.steps }).probs, snap.data.standardization);
  if (flags.out && ext === '.png') {
    const [height, width] = snap.data.imageShape!;
    writeImageGrid(flags.out, probs, { height, width, scale: imageScale(gaussian) }, '--out');
  } else if (flags.out) writeOutput(flags.out, Buffer.from(rowsText(probs, ext === '.csv' ? 'csv' : 'ndjson', gaussian)), '--out');
  else if (flags.json) for (let r = 0; r < probs.rows; r++) emit({ event: 'sample', index: r, values: roundRow(probs.row(r), gaussian) });
  else writeSync(1, rowsText(probs, 'ndjson', gaussian));
  const units = gaussian ? (snap.data.standardization ? 'data' : 'model') : 'probability';
  const summary = {
    event: 'summary',
    n: flags.n,
    steps: flags.steps,
    values: units,
    out: flags.out ?? null,
    seconds: Math.round(performance.now() - start) / 1000,
  };
  if (flags.json) emit(summary);
  else say(`${flags.n} samples after ${flags.steps} Gibbs steps${flags.out ? ` written to ${flags.out}` : ''} in ${summary.seconds}s`);
}

/** Four decimals for probabilities; six significant digits for real values (data of any scale). */
function roundRow(row: Float32Array, real: boolean): number[] {
  return Array.from(row, (x) => (real ? Number(x.toPrecision(6)) : Math.round(x * 1e4) / 1e4));
}

function rowsText(m: Matrix, format: 'csv' | 'ndjson', real: boolean): string {
  const lines: string[] = [];
  for (let r = 0; r < m.rows; r++) {
    const row = roundRow(m.row(r), real);
    lines.push(format === 'csv' ? row.join(',') : JSON.stringify(row));
  }
  return lines.join('\n') + '\n';
}
