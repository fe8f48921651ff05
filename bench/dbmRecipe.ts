/**
 * The benchmarks' DBM: Salakhutdinov & Hinton's (2009) 784-500-1000 recipe, shortened — greedy
 * pretraining of the two layers (their modified RBMs by default, or plain RBMs as a DBN's), then
 * DBM training (mean field + 100 persistent chains, learning rate 0.005 falling to zero).
 * `bench:dbm` measures its log-probability, `bench:classify`'s `dbm` part its fine-tuned test error.
 */
import { last, lastValueFrom, tap } from 'rxjs';
import type { Matrix } from '../kernels/Matrix.js';
import type { Dbm } from '../models/dbm.js';
import { PRETRAIN_DBM_DEFAULTS, pretrainDbm } from '../pipelines/pretrainDbm.js';
import { trainDbm } from '../pipelines/trainDbm.js';
import { trainDbn } from '../pipelines/trainDbn.js';

export type DbmPretraining = 'modified' | 'plain';

export interface BenchDbm {
  dbm: Dbm;
  pretraining: DbmPretraining;
  layerConfig: typeof layer;
  dbmConfig: typeof dbmConfig;
  pretrainSeconds: number;
  dbmSeconds: number;
}

const layer = { ...PRETRAIN_DBM_DEFAULTS, batchSize: 100 } as const;
const dbmConfig = { batchSize: 100, learningRate: 0.005, nChains: 100, seed: 1 } as const;

/** A progress line on stderr at each epoch's end. */
const progress = <E extends { batchesPerEpoch: number; index: number; epoch: number; metrics: Readonly<Record<string, number>> }>(
  what: (e: E) => string,
) =>
  tap<E>((e) => {
    if (e.index + 1 === e.batchesPerEpoch) console.error(`${what(e)} epoch ${e.epoch + 1}: ${JSON.stringify(e.metrics)}`);
  });

/** The 784-500-1000 DBM trained on `train`: `pretrainEpochs` a layer (modified or plain RBMs), then `dbmEpochs`; each phase timed. */
export async function trainBenchDbm(
  train: Matrix,
  o: { pretrainEpochs: number; dbmEpochs: number; pretraining: DbmPretraining },
): Promise<BenchDbm> {
  const layers = [
    { ...layer, epochs: o.pretrainEpochs, nHidden: 500, seed: 1 },
    { ...layer, epochs: o.pretrainEpochs, nHidden: 1000, seed: 2 },
  ];
  let t0 = performance.now();
  const rbms =
    o.pretraining === 'modified'
      ? (
          await lastValueFrom(
            pretrainDbm({ data: train, layers }).pipe(
              progress((e) => `modified RBM ${e.layer + 1}/2`),
              last(),
            ),
          )
        ).rbms()
      : (
          await lastValueFrom(
            trainDbn({ data: train, layers }).pipe(
              progress((e) => `RBM ${e.layer + 1}/2`),
              last(),
            ),
          )
        ).dbn.layers;
  const pretrainSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const config = { ...dbmConfig, epochs: o.dbmEpochs };
  const dbm = (
    await lastValueFrom(
      trainDbm({ data: train, pretrained: rbms, config }).pipe(
        progress(() => 'DBM'),
        last(),
      ),
    )
  ).model;
  return {
    dbm,
    pretraining: o.pretraining,
    layerConfig: layer,
    dbmConfig,
    pretrainSeconds,
    dbmSeconds: (performance.now() - t0) / 1000,
  };
}
