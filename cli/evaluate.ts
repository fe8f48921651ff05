import { lastValueFrom, tap } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { aisBetas, baseRateBias, type AisEstimate } from '../models/ais.js';
import { exactGaussianRbmLogPartition } from '../models/exactGaussianRbm.js';
import { exactRbmLogPartition, MAX_ENUMERATED_UNITS } from '../models/exactRbm.js';
import { freeEnergy } from '../models/freeEnergy.js';
import { logProbability, mean } from '../models/logProbability.js';
import { pseudoLikelihood } from '../models/pseudoLikelihood.js';
import { createRaise } from '../models/raise.js';
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
 * enumeration or from annealed importance sampling (whose base rate fits `--data`); `raise` a
 * conservative estimate by reverse annealing from each row, and `ais,raise` both, the sandwich.
 * These need binary data (`--binarize stochastic` for MNIST's intensities).
 */
export async function evalCommand(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, evalFlagsSchema, { command: 'eval' });
  const any = await readModelSnapshot(flags.model);
  if (any.model === 'dbm') return evalDbm(flags, any);
  if (any.model !== 'rbm')
    throw new BoltzflowError(
      `${flags.model} model`,
      any.model,
      any.model === 'dbn'
        ? '"rbm" or "dbm": eval has no log-probability for a DBN yet (its bound needs AIS on the top RBM and the directed layers); sample and complete read it'
        : '"rbm" or "dbm" (eval reads RBM and DBM snapshots)',
    );
  const snap = rbmSnapshot(any, flags.model);
  const binarize = flags.binarize ?? snap.data.binarize;
  // A Gaussian model sees its data standardised as its training data were (never checked against [0, 1]).
  const gaussian = isGaussian(snap);
  const metric = flags.metric ?? (gaussian ? 'reconstruction' : 'pseudo-likelihood');
  if (gaussian && (metric === 'pseudo-likelihood' || metric.includes('ais') || metric === 'raise'))
    throw new BoltzflowError(
      '--metric',
      metric,
      'reconstruction, free-energy or exact for a model with Gaussian visible units (pseudo-likelihood, AIS and RAISE need binary visible units)',
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
  if (!gaussian && LOG_PROBABILITY_METRICS.includes(metric)) requireBinaryData(dataset.data, dataset.name, binarize, metric);
  const rbm = snapshotModel(snap, { backend: selectBackend(flags.backend), seed: flags.seed });
  const start = performance.now();
  let exact: number | null = null;
  let ais: AisEstimate | null = null;
  let raise: ReturnType<typeof spread> | null = null;
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
  } else if (metric === 'ais' || metric === 'raise' || metric === 'ais,raise') {
    if (metric !== 'raise') ais = await runAis(rbm, dataset.data, flags);
    const lower = metric !== 'ais' ? await runRaise(rbm, dataset.data, flags) : null;
    if (lower) raise = spread(lower);
    values = ais ? logProbability(rbm, dataset.data, ais.logZ) : lower!;
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
            ...(ais.logZLow === -Infinity ? { logZLowUndefined: LOW_BOUND_UNDEFINED } : {}),
            runs: ais.runs,
            steps: ais.steps,
          }
        : {};
  const sandwich = raise
    ? metric === 'raise'
      ? { bound: 'RAISE: a stochastic lower bound on the mean ln P(v)', runs: flags['raise-runs'], steps: flags['ais-steps'] }
      : { raise: { ...raise, runs: flags['raise-runs'], steps: flags['ais-steps'] }, gap: value - raise.value }
    : {};
  const summary = {
    event: 'summary',
    metric,
    value,
    sd,
    standardError,
    n,
    ...extra,
    ...sandwich,
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
      metric === 'exact' || metric === 'ais' || metric === 'ais,raise'
        ? `log-${gaussian ? 'density' : 'probability'} (${metric === 'exact' ? 'exact' : 'AIS'})`
        : metric === 'raise'
          ? `log-probability (RAISE, a conservative estimate: ${flags['raise-runs']} reverse run${flags['raise-runs'] > 1 ? 's' : ''} per row × ${flags['ais-steps']} steps)`
          : `${metric}${gaussian && standardization ? ' (of the standardised data)' : ''}`;
    say(
      `${what} of ${flags.model} on ${dataset.name} (${n} rows): ${value.toFixed(3)} ± ${summary.standardError.toFixed(3)} (sd ${sd.toFixed(3)})`,
    );
    if (exact !== null) say(`  ln Z = ${exact.toFixed(4)} (exact, by enumeration)`);
    if (ais) say(`  ${aisRange(ais, value)}`);
    if (raise && ais)
      say(
        `  RAISE (conservative, ${flags['raise-runs']} reverse run${flags['raise-runs'] > 1 ? 's' : ''} per row): ${raise.value.toFixed(3)} ± ${raise.standardError.toFixed(3)}; ` +
          sandwichText(value, raise.value),
      );
  }
}

/**
 * The AIS/RAISE sandwich in words: the mean ln P(v) between RAISE (below) and AIS (above) and their
 * gap; where RAISE lands above AIS (both are noisy estimates) it says so instead of a negative gap.
 */
export function sandwichText(ais: number, raise: number): string {
  return ais >= raise
    ? `the log-probability lies between RAISE ${raise.toFixed(3)} and AIS ${ais.toFixed(3)} (a gap of ${(ais - raise).toFixed(3)} nats)`
    : `RAISE lies ${(raise - ais).toFixed(3)} nats above AIS: the two agree within their noise (no gap to bracket the log-probability with)`;
}

/** The metrics that report ln P(v), which only binary data have. */
const LOG_PROBABILITY_METRICS: readonly string[] = ['exact', 'ais', 'raise', 'ais,raise'];

/** Why the lower 3σ bound of ln Z is missing (JSON `logZLowUndefined`; the text says it too). */
export const LOW_BOUND_UNDEFINED =
  "undefined: the runs' mean weight r̂ minus three standard errors σ̂ is ≤ 0 (their weights are too uneven; more --ais-runs or --ais-steps narrow them)";

/** ln Z's ±3σ range from AIS and the range of the mean log-probability (`value`) it implies, in words where the lower bound is undefined. */
export function aisRange(ais: AisEstimate, value: number): string {
  const head = `ln Z ≈ ${ais.logZ.toFixed(3)} (AIS, ${ais.runs} runs × ${ais.steps} steps)`;
  const low = value + ais.logZ - ais.logZHigh;
  if (ais.logZLow === -Infinity)
    return `${head}; upper 3σ bound ${ais.logZHigh.toFixed(3)}, lower 3σ bound ${LOW_BOUND_UNDEFINED}; so the log-probability is at least ${low.toFixed(3)}, with no upper 3σ bound`;
  return `${head}, ±3σ range [${ais.logZLow.toFixed(3)}, ${ais.logZHigh.toFixed(3)}]; log-probability range [${low.toFixed(3)}, ${(value + ais.logZ - ais.logZLow).toFixed(3)}]`;
}

/**
 * Refuses data that are not binary for a metric that reports ln P(v): for values strictly between 0
 * and 1, −F(v) − ln Z is no log-probability. Names --binarize and what to pass.
 */
export function requireBinaryData(data: Matrix, name: string, binarize: string, metric: string): void {
  const d = data.data;
  for (let k = 0; k < d.length; k++)
    if (d[k] !== 0 && d[k] !== 1)
      throw new BoltzflowError(
        '--binarize',
        binarize,
        `stochastic or threshold for --metric ${metric}: ${name} has values between 0 and 1 (row ${Math.floor(k / data.cols)}, column ${k % data.cols}: ${d[k]}), and ln P(v) is a log-probability of binary vectors only (pass --binarize stochastic, as the papers do)`,
      );
}

/** The mean of per-row values, their sample standard deviation, the mean's standard error and the row count. */
export function spread(values: Float64Array): { value: number; sd: number; standardError: number; n: number } {
  const n = values.length,
    value = mean(values);
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - value) ** 2, 0) / Math.max(1, n - 1));
  return { value, sd, standardError: sd / Math.sqrt(n), n };
}

/** Chains RAISE advances together at most: the rows go through in batches of this many chains. */
const RAISE_BATCH = 1000;

/** RAISE's estimate of ln P(v) for each row of `data` (batches of rows, from the data's base rates), with progress. */
export async function runRaise(rbm: Rbm, data: Matrix, flags: EvalFlags): Promise<Float64Array> {
  const base = baseRateBias(data),
    betas = aisBetas(flags['ais-steps']),
    runs = flags['raise-runs'];
  const perBatch = Math.max(1, Math.floor(RAISE_BATCH / runs)),
    batches = Math.ceil(data.rows / perBatch);
  const out = new Float64Array(data.rows);
  const start = performance.now();
  let lastPrint = start;
  for (let b = 0; b < batches; b++) {
    const rows = data.rowRange(b * perBatch, Math.min(data.rows, (b + 1) * perBatch));
    const raise = createRaise(rbm, rows, { baseVisibleBias: base, betas, runs, seed: flags.seed + b });
    const chunk = Math.max(1, Math.ceil(raise.steps / 100));
    while (raise.done < raise.steps) {
      raise.advance(chunk);
      const done = b * raise.steps + raise.done,
        steps = batches * raise.steps;
      if (flags.json) emit({ event: 'progress', metric: 'raise', done, steps });
      else if (performance.now() - lastPrint > 2000) {
        lastPrint = performance.now();
        say(
          `RAISE ${Math.round((100 * done) / steps)}% (${done}/${steps} steps) · ETA ${seconds(((lastPrint - start) / done) * (steps - done))}`,
        );
      }
      await new Promise((resolve) => setImmediate(resolve)); // signals and timers run between chunks
    }
    out.set(raise.result().logProbabilities, b * perBatch);
  }
  return out;
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
