import { lastValueFrom, tap } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { aisBetas, baseRateBias, type AisEstimate } from '../models/ais.js';
import { exactGaussianRbmLogPartition } from '../models/exactGaussianRbm.js';
import { exactRbmLogPartition, MAX_ENUMERATED_UNITS } from '../models/exactRbm.js';
import { freeEnergy } from '../models/freeEnergy.js';
import { logProbability, mean } from '../models/logProbability.js';
import { pseudoLikelihood } from '../models/pseudoLikelihood.js';
import type { Rbm } from '../models/rbm.js';
import { reconstructionError } from '../models/reconstructionError.js';
import { estimateLogPartition } from '../pipelines/estimateLogPartition.js';
import { evalFlagsSchema } from '../schemas/cliFlags.js';
import type { Matrix } from '../kernels/Matrix.js';
import { seconds } from '../sinks/progressSink.js';
import { rbmSnapshot, readModelSnapshot, snapshotModel } from '../sources/readSnapshot.js';
import { evalDbm } from './evaluateDbm.js';
import { parseFlags } from './parseFlags.js';
import { emit, say } from './output.js';
import { isGaussian, loadModelData } from './visibleData.js';

/** `exactGaussianRbmLogPartition` lists every hidden state: at most 2²⁰. */
const MAX_GAUSSIAN_HIDDEN = 20;

export type EvalFlags = ReturnType<typeof evalFlagsSchema.parse>;

/**
 * `boltzflow eval`: a metric of a trained model on a data set, its mean and spread over the rows.
 * `exact` and `ais` give the mean log-probability ln P(v) = −F(v) − ln Z, with ln Z from
 * enumeration or from annealed importance sampling (whose base rate fits `--data`).
 */
export async function evalCommand(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, evalFlagsSchema, Object.keys(evalFlagsSchema.shape));
  const any = await readModelSnapshot(flags.model);
  if (any.model === 'dbm') return evalDbm(flags, any);
  const snap = rbmSnapshot(any, flags.model);
  const binarize = flags.binarize ?? snap.data.binarize;
  // A Gaussian model sees its data standardised as its training data were (never checked against [0, 1]).
  const gaussian = isGaussian(snap);
  const metric = flags.metric ?? (gaussian ? 'reconstruction' : 'pseudo-likelihood');
  if (gaussian && (metric === 'pseudo-likelihood' || metric === 'ais'))
    throw new BoltzflowError(
      '--metric',
      metric,
      'reconstruction, free-energy or exact for a model with Gaussian visible units (pseudo-likelihood and AIS need binary visible units)',
    );
  const { dataset, standardization } = await loadModelData(flags.data, {
    binarize,
    seed: flags.seed,
    limit: flags.limit,
    gaussian,
    standardization: snap.data.standardization,
  });
  if (dataset.data.cols !== snap.nVisible)
    throw new BoltzflowError(
      '--data',
      `${dataset.name} with ${dataset.data.cols} values per record`,
      `${snap.nVisible} values per record, as the model has`,
    );
  const rbm = snapshotModel(snap, { backend: selectBackend(flags.backend), seed: flags.seed });
  const start = performance.now();
  let exact: number | null = null;
  let ais: AisEstimate | null = null;
  let values: Float64Array;
  if (metric === 'exact' && gaussian) {
    // The visible units integrate out in closed form: ln Z enumerates the hidden states only.
    if (snap.nHidden > MAX_GAUSSIAN_HIDDEN)
      throw new BoltzflowError(
        '--metric',
        'exact',
        `a Gaussian model with at most ${MAX_GAUSSIAN_HIDDEN} hidden units (this one has ${snap.nHidden}); use --metric reconstruction or free-energy`,
      );
    exact = exactGaussianRbmLogPartition(rbm.params);
    values = logProbability(rbm, dataset.data, exact);
    // ln p(x) = ln p(z) − Σᵢ ln stdᵢ for z = (x − mean)/std: the density of the data in its own units.
    if (standardization) {
      const logJacobian = standardization.std.reduce((a, s) => a + Math.log(s), 0);
      for (let i = 0; i < values.length; i++) values[i] -= logJacobian;
    }
  } else if (metric === 'exact') {
    const smaller = Math.min(snap.nVisible, snap.nHidden);
    if (smaller > MAX_ENUMERATED_UNITS)
      throw new BoltzflowError(
        '--metric',
        'exact',
        `a model with at most ${MAX_ENUMERATED_UNITS} units in its smaller layer (this one has ${smaller}); use --metric ais`,
      );
    exact = exactRbmLogPartition(rbm.params);
    values = logProbability(rbm, dataset.data, exact);
  } else if (metric === 'ais') {
    ais = await runAis(rbm, dataset.data, flags);
    values = logProbability(rbm, dataset.data, ais.logZ);
  } else
    values =
      metric === 'pseudo-likelihood'
        ? pseudoLikelihood(rbm, dataset.data)
        : metric === 'reconstruction'
          ? reconstructionError(rbm, dataset.data)
          : freeEnergy(rbm, dataset.data);
  const { value, sd, standardError, n } = spread(values);
  // ln P(v) = −F(v) − ln Z, so the ±3σ range of ln Z maps to a range of the mean log-probability.
  const extra =
    exact !== null
      ? { logZ: exact }
      : ais
        ? {
            logZ: ais.logZ,
            logZLow: ais.logZLow,
            logZHigh: ais.logZHigh,
            valueLow: value + ais.logZ - ais.logZHigh,
            valueHigh: value + ais.logZ - ais.logZLow,
            runs: ais.runs,
            steps: ais.steps,
          }
        : {};
  const summary = {
    event: 'summary',
    metric,
    value,
    sd,
    standardError,
    n,
    ...extra,
    model: flags.model,
    data: dataset.name,
    binarize,
    // Gaussian models: reconstruction and free energy are of the standardised data; exact log-probability is of the data in its own units.
    ...(gaussian ? { visibleUnits: 'gaussian', standardized: standardization !== undefined } : {}),
    seconds: Math.round(performance.now() - start) / 1000,
  };
  if (flags.json) emit(summary);
  else {
    const what =
      metric === 'exact' || metric === 'ais'
        ? `log-${gaussian ? 'density' : 'probability'} (${metric})`
        : `${metric}${gaussian && standardization ? ' (of the standardised data)' : ''}`;
    say(
      `${what} of ${flags.model} on ${dataset.name} (${n} rows): ${value.toFixed(3)} ± ${summary.standardError.toFixed(3)} (sd ${sd.toFixed(3)})`,
    );
    if (exact !== null) say(`  ln Z = ${exact.toFixed(4)} (exact, by enumeration)`);
    if (ais)
      say(
        `  ln Z ≈ ${ais.logZ.toFixed(3)}, ±3σ range [${ais.logZLow.toFixed(3)}, ${ais.logZHigh.toFixed(3)}] ` +
          `(${ais.runs} runs, ${ais.steps} steps); log-probability range [${(value + ais.logZ - ais.logZHigh).toFixed(3)}, ${(value + ais.logZ - ais.logZLow).toFixed(3)}]`,
      );
  }
}

/** The mean of per-row values, their sample standard deviation, the mean's standard error and the row count. */
export function spread(values: Float64Array): { value: number; sd: number; standardError: number; n: number } {
  const n = values.length,
    value = mean(values);
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - value) ** 2, 0) / Math.max(1, n - 1));
  return { value, sd, standardError: sd / Math.sqrt(n), n };
}

/** AIS on `rbm` from a base model with visible biases `base` (default: the data's base rates), with progress. */
export async function runAis(rbm: Rbm, data: Matrix, flags: EvalFlags, base: Float32Array = baseRateBias(data)): Promise<AisEstimate> {
  const start = performance.now();
  let lastPrint = start;
  const end = await lastValueFrom(
    estimateLogPartition(rbm, {
      baseVisibleBias: base,
      betas: aisBetas(flags['ais-steps']),
      runs: flags['ais-runs'],
      seed: flags.seed,
    }).pipe(
      tap((e) => {
        if (e.event === 'result') return;
        if (flags.json) emit({ event: 'progress', done: e.done, steps: e.steps });
        else if (performance.now() - lastPrint > 2000) {
          lastPrint = performance.now();
          const eta = ((lastPrint - start) / e.done) * (e.steps - e.done);
          say(`AIS ${Math.round((100 * e.done) / e.steps)}% (${e.done}/${e.steps} steps) · ETA ${seconds(eta)}`);
        }
      }),
    ),
  );
  if (end.event !== 'result') throw new Error('AIS ended without a result');
  return end.estimate;
}
