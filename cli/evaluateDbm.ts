import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { selectBackend } from '../kernels/selectBackend.js';
import { dbmAsRbm, dbmBaseRates, meanFieldLowerBound } from '../models/dbmBound.js';
import { exactRbmLogPartition, MAX_ENUMERATED_UNITS } from '../models/exactRbm.js';
import type { DbmSnapshot } from '../schemas/modelSnapshot.js';
import { loadDataset } from '../sources/loadDataset.js';
import { dbmSnapshotState } from '../sources/restoreState.js';
import { aisRange, LOW_BOUND_UNDEFINED, requireBinaryData, runAis, spread, type EvalFlags } from './evaluate.js';
import { emit, say } from './output.js';

/**
 * `boltzflow eval` of a DBM's snapshot: the mean-field lower bound on ln P(v) (Salakhutdinov &
 * Hinton 2009) with ln Z by AIS on the DBM regrouped as an RBM (`--metric ais`, the default, from
 * the data's and the mean field's base rates) or by enumeration (`--metric exact`, small models).
 */
export async function evalDbm(flags: EvalFlags, snap: DbmSnapshot): Promise<void> {
  const metric = flags.metric ?? 'ais';
  if (metric !== 'ais' && metric !== 'exact')
    throw new BoltzflowError(
      '--metric',
      metric,
      'ais or exact for a DBM (the mean-field lower bound on ln P(v), with ln Z by AIS or by enumeration)',
    );
  if (snap.sizes.length !== 3)
    throw new BoltzflowError(
      '--model',
      `a DBM with ${snap.sizes.length - 1} hidden layers`,
      'a DBM with 2 hidden layers (ln Z is estimated on it regrouped as an RBM)',
    );
  const binarize = flags.binarize ?? snap.data.binarize;
  const { data, name } = await loadDataset(flags.data, {
    binarize,
    seed: flags.seed,
    limit: flags.limit,
  });
  if (data.cols !== snap.sizes[0])
    throw new BoltzflowError(
      '--data',
      `${name} with ${data.cols} values per record`,
      `${snap.sizes[0]} values per record, as the model has`,
    );
  requireBinaryData(data, name, binarize, metric);
  const start = performance.now();
  const dbm = dbmSnapshotState(snap, { backend: selectBackend(flags.backend) }).model;
  const asRbm = dbmAsRbm(dbm);
  let logZ: number;
  let ais: Awaited<ReturnType<typeof runAis>> | null = null;
  if (metric === 'exact') {
    const smaller = Math.min(asRbm.params.nVisible, asRbm.params.nHidden);
    if (smaller > MAX_ENUMERATED_UNITS)
      throw new BoltzflowError(
        '--metric',
        'exact',
        `a DBM whose middle layer, or first and last layers together, have at most ${MAX_ENUMERATED_UNITS} units (this one: ${smaller}); use --metric ais`,
      );
    logZ = exactRbmLogPartition(asRbm.params);
  } else {
    ais = await runAis(asRbm, data, flags, dbmBaseRates(dbm, data.topRows(Math.min(10_000, data.rows))));
    logZ = ais.logZ;
  }
  const values = meanFieldLowerBound(dbm, data, logZ);
  const { value, sd, standardError, n } = spread(values);
  const summary = {
    event: 'summary',
    metric,
    value,
    sd,
    standardError,
    n,
    bound: 'mean-field lower bound on ln P(v)',
    logZ,
    ...(ais
      ? {
          logZLow: ais.logZLow,
          logZHigh: ais.logZHigh,
          ...(ais.logZLow === -Infinity ? { logZLowUndefined: LOW_BOUND_UNDEFINED } : {}),
          runs: ais.runs,
          steps: ais.steps,
        }
      : {}),
    model: flags.model,
    data: name,
    seconds: Math.round(performance.now() - start) / 1000,
  };
  if (flags.json) emit(summary);
  else {
    say(
      `mean-field lower bound on ln P(v) (${metric}) of the DBM ${snap.sizes.join('→')} ${flags.model} on ${name} (${n} rows): ${value.toFixed(3)} ± ${summary.standardError.toFixed(3)} (sd ${sd.toFixed(3)})`,
    );
    say(ais ? `  ${aisRange(ais, value)}` : `  ln Z = ${logZ.toFixed(4)} (exact, by enumeration)`);
  }
}
