import { extname } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { meanField } from '../models/dbm.js';
import { dbnFeatures } from '../models/dbn.js';
import { hiddenProbs } from '../models/rbm.js';
import { transformFlagsSchema } from '../schemas/cliFlags.js';
import { checkOutputPath } from '../sinks/checkOutputPath.js';
import { encodeNpy } from '../sinks/encodeNpz.js';
import { writeOutput } from '../sinks/writeOutput.js';
import { readModelSnapshot } from '../sources/readSnapshot.js';
import { emit, say } from './output.js';
import { parseFlags } from './parseFlags.js';
import { dbnLayersPhrase, samplingModel, type SamplingModel } from './samplingModel.js';
import { loadModelData } from './visibleData.js';

/**
 * `boltzflow transform --model SNAPSHOT --data PATH --out FILE`: each record's hidden-unit
 * probabilities, features for a downstream classifier: an RBM's P(h = 1 | v); a DBN's up pass
 * through its trained layers (the top layer's probabilities); a DBM's mean-field posterior, every
 * hidden layer's, side by side (h¹ then h²…). The data are read as the model's were (its
 * binarisation, its standardisation). `.npy` (float32, exact), `.csv` or `.ndjson` (6 significant digits).
 */
export async function transformCommand(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, transformFlagsSchema, { command: 'transform' });
  const ext = extname(flags.out).toLowerCase();
  if (!['.npy', '.csv', '.ndjson', '.jsonl'].includes(ext))
    throw new BoltzflowError('--out', flags.out, 'a file ending in .npy, .csv, .ndjson or .jsonl');
  checkOutputPath(flags.out, '--out');
  const model = samplingModel(await readModelSnapshot(flags.model), { backend: selectBackend(flags.backend), seed: 1, path: flags.model });
  const {
    dataset: { data },
  } = await loadModelData(flags.data, {
    limit: flags.limit,
    binarize: flags.binarize ?? model.data.binarize,
    seed: 1,
    gaussian: model.gaussian,
    standardization: model.data.standardization,
  });
  if (data.cols !== model.nVisible)
    throw new BoltzflowError('--data', `${data.cols} values per record`, `${model.nVisible}, as the model has`);
  const start = performance.now();
  const features = featuresOf(model, data);
  const bytes =
    ext === '.npy'
      ? encodeNpy([features.rows, features.cols], features.data)
      : new TextEncoder().encode(
          Array.from({ length: features.rows }, (_, r) => {
            const row = Array.from(features.row(r), (x) => Number(x.toPrecision(6)));
            return ext === '.csv' ? row.join(',') : JSON.stringify(row);
          }).join('\n') + '\n',
        );
  writeOutput(flags.out, bytes, '--out');
  const summary = {
    event: 'summary',
    model: model.kind,
    rows: features.rows,
    features: features.cols,
    out: flags.out,
    seconds: Math.round(performance.now() - start) / 1000,
  };
  if (flags.json) emit(summary);
  else
    say(
      `${features.rows} records → ${features.cols} features (${model.kind.toUpperCase()}${dbnLayersPhrase(model)}) written to ${flags.out}`,
    );
}

function featuresOf(model: SamplingModel, data: Matrix): Matrix {
  if (model.kind === 'rbm') return hiddenProbs(model.rbm, data, Matrix.zeros(data.rows, model.rbm.params.nHidden));
  if (model.kind === 'dbn') return dbnFeatures(model.dbn, data);
  const sizes = model.dbm.params.sizes;
  const q = sizes.map((n, l) => (l === 0 ? data : Matrix.zeros(data.rows, n)));
  meanField(model.dbm, q);
  const width = sizes.slice(1).reduce((a, b) => a + b, 0);
  const out = Matrix.zeros(data.rows, width);
  for (let r = 0; r < data.rows; r++) {
    let at = 0;
    for (let l = 1; l < sizes.length; l++) {
      out.row(r).set(q[l].row(r), at);
      at += sizes[l];
    }
  }
  return out;
}
