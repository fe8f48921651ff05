// boltzflow: Boltzmann machines trained as RxJS pipelines. See README.md.
export * from './kernels/BoltzflowError.js';
export * from './kernels/Matrix.js';
export * from './kernels/Rng.js';
export type * from './kernels/Backend.js';
export * from './kernels/jsBackend.js';
export * from './kernels/wasmBackend.js';
export * from './kernels/nativeBackend.js';
export * from './kernels/gemmShape.js';
export * from './kernels/selectBackend.js';
export * from './kernels/reusableMatrix.js';
export * from './kernels/glauber.js';

export * from './models/rbm.js';
export * from './models/freeEnergy.js';
export * from './models/exactRbm.js';
export * from './models/pseudoLikelihood.js';
export * from './models/reconstructionError.js';
export * from './models/sampleRbm.js';
export * from './models/ais.js';
export * from './models/logProbability.js';
export * from './models/bm.js';
export * from './models/exactBm.js';
export * from './models/bmPhases.js';
export * from './models/hopfield.js';
export * from './models/completePattern.js';
export * from './models/annealMinimum.js';

export type * from './operators/phases.js';
export * from './operators/clampVisible.js';
export * from './operators/gibbsStep.js';
export * from './operators/collectStats.js';
export * from './operators/applyUpdate.js';
export * from './operators/anneal.js';
export * from './operators/withMetrics.js';
export * from './operators/heldOutMetric.js';
export * from './operators/withPseudoLikelihood.js';
export * from './operators/withReconstructionError.js';
export * from './operators/withFreeEnergyGap.js';
export * from './operators/withAisEstimate.js';

export * from './pipelines/trainRbm.js';
export * from './pipelines/estimateLogPartition.js';
export * from './pipelines/trainEncoder.js';
export * from './pipelines/trainOnline.js';

export * from './schemas/parseWith.js';
export * from './schemas/trainConfig.js';
export * from './schemas/gibbsOptions.js';
export * from './schemas/updateOptions.js';
export * from './schemas/clampOptions.js';
export * from './schemas/snapshot.js';

export * from './sources/DataRecord.js';
export * from './sources/readIdx.js';
export * from './sources/readCsv.js';
export * from './sources/readNdjson.js';
export * from './sources/loadDataset.js';
export * from './sources/minibatches.js';
export * from './sources/readSnapshot.js';
export * from './sources/parseRecord.js';
export * from './sources/splitLines.js';
export * from './sources/recordsFromLines.js';
export * from './sources/followFile.js';
export * from './sources/boundedBuffer.js';
export * from './sources/feedFromObservable.js';
export * from './sources/openFeed.js';
export * from './sources/onlineMinibatches.js';
export * from './sources/readLog.js';

export * from './sinks/snapshotSink.js';
export * from './sinks/dashboardSink.js';
export * from './sinks/logSink.js';
export * from './sinks/metricsSink.js';
export * from './sinks/progressSink.js';
export * from './sinks/encodePng.js';
export * from './sinks/imageGrid.js';
export * from './sinks/writeImageGrid.js';
export * from './sinks/writeAtomic.js';
