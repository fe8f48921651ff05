import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { freeEnergy } from '../models/freeEnergy.js';
import { pseudoLikelihood } from '../models/pseudoLikelihood.js';
import { reconstructionError } from '../models/reconstructionError.js';
import { evalFlagsSchema } from '../schemas/cliFlags.js';
import { loadDataset } from '../sources/loadDataset.js';
import { readSnapshot, snapshotModel } from '../sources/readSnapshot.js';
import { parseFlags } from './parseFlags.js';
import { emit, say } from './output.js';

/** `boltzflow eval`: a metric of a trained model on a data set, mean and spread over its rows. */
export async function evalCommand(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, evalFlagsSchema, Object.keys(evalFlagsSchema.shape));
  const snap = await readSnapshot(flags.model);
  const binarize = flags.binarize ?? snap.data.binarize;
  const dataset = await loadDataset(flags.data, { binarize, seed: flags.seed, limit: flags.limit });
  if (dataset.data.cols !== snap.nVisible)
    throw new BoltzflowError('--data', `${dataset.name} with ${dataset.data.cols} values per record`, `${snap.nVisible} values per record, as the model has`);
  const rbm = snapshotModel(snap, { backend: selectBackend(flags.backend), seed: flags.seed });
  const start = performance.now();
  const values =
    flags.metric === 'pseudo-likelihood'
      ? pseudoLikelihood(rbm, dataset.data)
      : flags.metric === 'reconstruction'
        ? reconstructionError(rbm, dataset.data)
        : freeEnergy(rbm, dataset.data);
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
  const summary = {
    event: 'summary',
    metric: flags.metric,
    value: mean,
    sd,
    standardError: sd / Math.sqrt(n),
    n,
    model: flags.model,
    data: dataset.name,
    binarize,
    seconds: Math.round(performance.now() - start) / 1000,
  };
  if (flags.json) emit(summary);
  else
    say(
      `${flags.metric} of ${flags.model} on ${dataset.name} (${n} rows): ${mean.toFixed(3)} ± ${summary.standardError.toFixed(3)} (sd ${sd.toFixed(3)})`,
    );
}
