import { extname } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { completeFlagsSchema } from '../schemas/cliFlags.js';
import { Matrix } from '../kernels/Matrix.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { completeDbm } from '../models/completeDbm.js';
import { completeDbn } from '../models/completeDbn.js';
import { completePattern, type Completion } from '../models/completePattern.js';
import { checkOutputPath } from '../sinks/checkOutputPath.js';
import { readableZoom } from '../sinks/imageGrid.js';
import { writeImageGrid } from '../sinks/writeImageGrid.js';
import { readModelSnapshot } from '../sources/readSnapshot.js';
import { parseFlags } from './parseFlags.js';
import { emit, say } from './output.js';
import { dbnLayersPhrase, dbnLayersUsed, samplingModel, type SamplingModel } from './samplingModel.js';
import { imageScale, loadModelData, toDataUnits } from './visibleData.js';

/**
 * `boltzflow complete`: pattern completion with a trained RBM, DBM or DBN. For each of the first n
 * records of `--data`, the `--known` half of the image is clamped and the rest sampled by
 * `--samples` chains of `--steps` sweeps; writes a PNG with three rows of n images (the cue, the
 * completion's mean, the original) and reports each completion's estimated probability and pixel
 * error. An RBM or a DBM: block Gibbs with the known visible units clamped and every other unit
 * free (hidden layers included), whose samples come from the exact P(unknown | known). A DBN:
 * up-down sweeps (sample up through every trained layer, one Gibbs step in the top RBM, sample
 * down to v, clamp the known units again): exact for one layer, an approximation for more (each
 * RBM's factorial posterior stands in for the DBN's; see `completeDbn`).
 */
export async function completeCommand(args: readonly string[]): Promise<void> {
  const f = parseFlags(args, completeFlagsSchema, { command: 'complete' });
  if (f.out && extname(f.out).toLowerCase() !== '.png') throw new BoltzflowError('--out', f.out, 'a .png file');
  if (f.out) checkOutputPath(f.out, '--out');
  const model = samplingModel(await readModelSnapshot(f.model), { backend: selectBackend('auto'), seed: f.seed, path: f.model });
  if (!model.data.imageShape) throw new BoltzflowError('--model', f.model, 'a model trained on images (its data have no image shape)');
  const [height, width] = model.data.imageShape;
  // A Gaussian model completes standardised values; the cue, completion and errors are in the data's units.
  const { gaussian } = model;
  const {
    dataset: { data },
    standardization,
  } = await loadModelData(f.data, {
    limit: f.n,
    binarize: model.data.binarize,
    seed: f.seed,
    gaussian,
    standardization: model.data.standardization,
  });
  if (data.cols !== model.nVisible)
    throw new BoltzflowError('--data', `${data.cols} values per record`, `${model.nVisible}, as the model has`);
  const originals = toDataUnits(data, standardization);
  const known = Uint8Array.from({ length: data.cols }, (_, k) => {
    const y = Math.floor(k / width),
      x = k % width;
    return { top: y < height / 2, bottom: y >= height / 2, left: x < width / 2, right: x >= width / 2 }[f.known] ? 1 : 0;
  });
  const grid = Matrix.zeros(3 * data.rows, data.cols);
  let errorSum = 0;
  for (let r = 0; r < data.rows; r++) {
    const c = complete(model, data.row(r), known, { samples: f.samples, steps: f.steps });
    const mean = toDataUnits(new Matrix(1, data.cols, c.mean), standardization).data;
    const original = originals.row(r);
    let err = 0;
    for (let k = 0; k < data.cols; k++) if (!known[k]) err += (mean[k] - original[k]) ** 2;
    errorSum += err;
    // The unknown half of the cue is shown mid-grey: 0.5, or the column's mean for Gaussian units.
    grid.row(r).set(original.map((x, k) => (known[k] ? x : gaussian ? (standardization?.mean[k] ?? 0) : 0.5)));
    grid.row(data.rows + r).set(mean);
    grid.row(2 * data.rows + r).set(original);
    // `probability`: the share of the samples that equal the most frequent completion (the mode's estimated
    // conditional probability); with many unknown pixels the samples rarely repeat, and the mean is what is drawn.
    const modeCount = Math.round(c.probability * f.samples);
    const result = { event: 'completion', index: r, probability: c.probability, modeCount, samples: f.samples, squaredError: err };
    if (f.json) emit(result);
    else {
      const mode =
        modeCount > 1
          ? `the most frequent completion is ${modeCount} of the ${f.samples} samples (P ≈ ${c.probability.toFixed(3)})`
          : `the ${f.samples} sampled completions all differ (usual with ${data.cols - known.reduce((a, b) => a + b, 0)} unknown units), so their mean is drawn`;
      say(`record ${r}: ${mode}; squared error of the mean completion ${err.toFixed(2)}`);
    }
  }
  if (f.out)
    writeImageGrid(
      f.out,
      grid,
      { height, width, columns: data.rows, scale: imageScale(gaussian), zoom: f.scale ?? readableZoom(data.rows, width) },
      '--out',
    );
  const layers = dbnLayersUsed(model);
  const summary = {
    event: 'summary',
    model: model.kind,
    n: data.rows,
    known: f.known,
    meanSquaredError: errorSum / data.rows,
    ...(layers ? { layers } : {}),
    out: f.out ?? null,
  };
  if (f.json) emit(summary);
  else
    say(
      `mean squared error over the unknown half: ${summary.meanSquaredError.toFixed(2)}${f.out ? `; cue / completion / original in ${f.out}` : ''}${dbnLayersPhrase(model)}`,
    );
}

/** One record's completion by the model's sampler. */
function complete(model: SamplingModel, partial: Float32Array, known: Uint8Array, options: { samples: number; steps: number }): Completion {
  if (model.kind === 'rbm') return completePattern(model.rbm, partial, known, options);
  if (model.kind === 'dbm') return completeDbm(model.dbm, partial, known, options);
  return completeDbn(model.dbn, partial, known, options);
}
