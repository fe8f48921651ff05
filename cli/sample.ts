import { writeSync } from 'node:fs';
import { extname } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { sampleDbn } from '../models/dbn.js';
import { sampleDbm } from '../models/sampleDbm.js';
import { sampleRbm } from '../models/sampleRbm.js';
import { sampleFlagsSchema } from '../schemas/cliFlags.js';
import { checkOutputPath } from '../sinks/checkOutputPath.js';
import { readableZoom } from '../sinks/imageGrid.js';
import { writeImageGrid } from '../sinks/writeImageGrid.js';
import { writeOutput } from '../sinks/writeOutput.js';
import { readModelSnapshot } from '../sources/readSnapshot.js';
import { parseFlags } from './parseFlags.js';
import { emit, say } from './output.js';
import { dbnLayersPhrase, dbnLayersUsed, samplingModel, type SamplingModel } from './samplingModel.js';
import { imageScale, toDataUnits } from './visibleData.js';

/**
 * `boltzflow sample`: N chains from an RBM's, a DBM's or a DBN's snapshot, `--steps` steps each,
 * writing P(v | h¹) of the last step (Gaussian units: the mean of v | h, in the training data's
 * units) to a PNG grid (`--out x.png`, for image data), CSV (`.csv`), NDJSON (`.ndjson`), or as
 * NDJSON arrays on stdout. An RBM: block Gibbs v → h → v from the visible biases. A DBM: block
 * Gibbs over alternate layers (odd, then even) from every layer's biases. A DBN: block Gibbs in
 * its top RBM from random states, then one stochastic down pass through the directed layers; only
 * trained layers are used (a snapshot taken mid-way leaves out the layer in training, and says so).
 */
export async function sampleCommand(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, sampleFlagsSchema, { command: 'sample' });
  const snap = await readModelSnapshot(flags.model);
  const ext = flags.out ? extname(flags.out).toLowerCase() : '';
  if (flags.out && !['.png', '.csv', '.ndjson', '.jsonl'].includes(ext))
    throw new BoltzflowError('--out', flags.out, 'a file ending in .png, .csv, .ndjson or .jsonl');
  const model = samplingModel(snap, { backend: selectBackend(flags.backend), seed: flags.seed, path: flags.model });
  const { data, gaussian } = model;
  if (ext === '.png' && !data.imageShape)
    throw new BoltzflowError('--out', flags.out, 'a .csv or .ndjson file (the model was not trained on images)');
  if (model.kind === 'dbn' && flags.steps < 1)
    throw new BoltzflowError('--steps', flags.steps, 'at least 1 for a DBN (Gibbs steps in its top RBM before the down pass)');
  if (flags.out) checkOutputPath(flags.out, '--out');
  const start = performance.now();
  // Gaussian units: the conditional means b + Wh, mapped back to the data's units (mean + std · x).
  const probs = toDataUnits(draw(model, flags.n, flags.steps), data.standardization);
  if (flags.out && ext === '.png') {
    const [height, width] = data.imageShape!;
    const zoom = flags.scale ?? readableZoom(Math.ceil(Math.sqrt(probs.rows)), width);
    writeImageGrid(flags.out, probs, { height, width, scale: imageScale(gaussian), zoom }, '--out');
  } else if (flags.out) writeOutput(flags.out, Buffer.from(rowsText(probs, ext === '.csv' ? 'csv' : 'ndjson', gaussian)), '--out');
  else if (flags.json) for (let r = 0; r < probs.rows; r++) emit({ event: 'sample', index: r, values: roundRow(probs.row(r), gaussian) });
  else writeSync(1, rowsText(probs, 'ndjson', gaussian));
  const units = gaussian ? (data.standardization ? 'data' : 'model') : 'probability';
  const layers = dbnLayersUsed(model);
  const summary = {
    event: 'summary',
    model: model.kind,
    n: flags.n,
    steps: flags.steps,
    values: units,
    ...(layers ? { layers } : {}),
    out: flags.out ?? null,
    seconds: Math.round(performance.now() - start) / 1000,
  };
  if (flags.json) emit(summary);
  else
    say(
      `${flags.n} samples after ${flags.steps} Gibbs steps${flags.out ? ` written to ${flags.out}` : ''} in ${summary.seconds}s${dbnLayersPhrase(model)}`,
    );
}

/** P(v | h¹) of the last step of n chains of the model's sampler. */
function draw(model: SamplingModel, n: number, steps: number): Matrix {
  if (model.kind === 'rbm') return sampleRbm(model.rbm, { n, steps }).probs;
  if (model.kind === 'dbm') return sampleDbm(model.dbm, { n, steps }).probs;
  return sampleDbn(model.dbn, n, { gibbsSteps: steps });
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
