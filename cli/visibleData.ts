import { BoltzflowError } from '../kernels/BoltzflowError.js';
import type { Matrix } from '../kernels/Matrix.js';
import { fitStandardization, standardize, unstandardize, type Standardization, type StdFloor } from '../models/standardize.js';
import type { Snapshot } from '../schemas/snapshot.js';
import type { TrainConfig } from '../schemas/trainConfig.js';
import { loadDataset, type Dataset, type LoadDatasetOptions } from '../sources/loadDataset.js';

/**
 * The floor under each column's std when the CLI fits a standardisation: 10⁻⁶ × |mean| (about 16
 * float32 ulps of the column's values: a spread below that is rounding, not signal), and 10⁻³⁰ for
 * an all-zero column. Neither depends on the data's units, unlike an absolute floor; a constant
 * column maps to 0 whatever the floor.
 */
export const CLI_STD_FLOOR: StdFloor = Object.freeze({ absolute: 1e-30, relative: 1e-6 });

/** Whether a snapshot's model has Gaussian visible units. */
export function isGaussian(snap: Pick<Snapshot, 'visibleUnits'>): boolean {
  return snap.visibleUnits?.type === 'gaussian';
}

/**
 * `boltzflow train`: the checks of `--visible` and `--learn-variance` against the other flags,
 * before anything is locked or written (and before the config is parsed, so that the errors name the flags). Online runs take Bernoulli units only: a feed's records
 * cannot be standardised before they are seen, and the online trainer checks values in [0, 1].
 */
export function checkVisibleFlags(
  flags: { 'learn-variance'?: unknown; visible?: unknown; online: boolean; validation?: string; resume?: string },
  /** The resumed run's config, whose visible units win (a fresh run's are `--visible`'s). */
  resumed: Pick<TrainConfig, 'visibleUnits'> | undefined,
): void {
  if (flags['learn-variance'] && flags.visible !== 'gaussian' && !resumed)
    throw new BoltzflowError(
      '--learn-variance',
      true,
      'to be used with --visible gaussian (only Gaussian visible units have a variance to learn)',
    );
  if ((resumed?.visibleUnits ?? flags.visible) !== 'gaussian') return;
  if (flags.online && flags.resume)
    throw new BoltzflowError(
      '--resume',
      `${flags.resume} (Gaussian visible units)`,
      `a Bernoulli run with --online (a feed's records are checked for values in [0, 1]); continue a Gaussian run offline: boltzflow train --resume ${flags.resume} --epochs N`,
    );
  if (flags.online)
    throw new BoltzflowError(
      '--visible',
      'gaussian',
      'bernoulli with --online (a feed cannot be standardised before it is seen); train a Gaussian model offline: boltzflow train --visible gaussian --data FILE',
    );
  if (flags.validation)
    throw new BoltzflowError(
      '--validation',
      flags.validation,
      'no --validation with Gaussian visible units (its pseudo-likelihood needs binary units); evaluate with boltzflow eval --metric reconstruction|free-energy|exact',
    );
}

/** Data for a model, as the model sees it, and the standardisation applied (Gaussian models only). */
export interface ModelData {
  readonly dataset: Dataset;
  readonly standardization?: Standardization;
}

/**
 * Loads data for a model with Bernoulli visible units (values in [0, 1]) or Gaussian ones (any
 * finite value, then standardised in place: with `standardization`, the one saved with the model;
 * with `'fit'`, one fitted on these rows with {@link CLI_STD_FLOOR}; with none, the data as given —
 * a Gaussian snapshot made by the library without one).
 */
export async function loadModelData(
  spec: string,
  options: LoadDatasetOptions & { gaussian: boolean; standardization?: Standardization | 'fit' },
): Promise<ModelData> {
  const { gaussian, standardization, ...load } = options;
  if (gaussian && load.binarize && load.binarize !== 'none')
    throw new BoltzflowError(
      '--binarize',
      load.binarize,
      '"none" with Gaussian visible units (real values are standardised, not binarised)',
    );
  const dataset = await loadDataset(spec, { ...load, visibleUnits: gaussian ? 'gaussian' : 'bernoulli' });
  if (!gaussian || !standardization) return { dataset };
  const s = standardization === 'fit' ? fitStandardization(dataset.data, CLI_STD_FLOOR) : standardization;
  if (s.mean.length !== dataset.data.cols)
    throw new BoltzflowError(
      load.field ?? '--data',
      `${dataset.name} with ${dataset.data.cols} values per record`,
      `${s.mean.length} values per record, as the model has`,
    );
  standardize(dataset.data, s, dataset.data);
  return { dataset, standardization: s };
}

/** Visible values of a model in the data's own units (mean + std · x), or as they are without a standardisation. */
export function toDataUnits(m: Matrix, standardization: Standardization | undefined): Matrix {
  return standardization ? unstandardize(m, standardization) : m;
}

/** How a PNG shows a model's visible values: intensities in [0, 1] (Bernoulli), or each image stretched to its own range (Gaussian, in data units). */
export function imageScale(gaussian: boolean): 'unit' | 'each' {
  return gaussian ? 'each' : 'unit';
}
