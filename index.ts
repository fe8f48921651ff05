// boltzflow: Boltzmann machines trained as RxJS pipelines. See README.md.
//
// The public API: what a user composes with (models, the operators, pipelines, sources, sinks,
// metrics, errors, backends by name). Each name is listed on purpose and pinned by
// test/publicApi.test.ts; helpers used only inside the library stay in their own files.
// Naming: a function specific to one model kind carries the kind where another kind has the same
// quantity (rbmEnergy, bmEnergy, dbmEnergy; exactRbmLogPartition, exactBmLogPartition); metric taps
// are with*; evaluation functions return one value per row, and `mean` gives the data set's value.

// Errors, tensors, randomness, backends
export { BoltzflowError } from './kernels/BoltzflowError.js';
export { Matrix, type ReadonlyFloat32Array } from './kernels/Matrix.js';
export { Rng } from './kernels/Rng.js';
export type { Backend, Vec } from './kernels/Backend.js';
export { jsBackend, createJsBackend } from './kernels/jsBackend.js';
export { loadWasmBackend } from './kernels/wasmBackend.js';
export { enableRelaxedSimd, hasRelaxedSimd } from './kernels/enableRelaxedSimd.js';
export { loadNativeBackend } from './kernels/nativeBackend.js';
export { BACKEND_NAMES, availableBackends, selectBackend, type BackendName } from './kernels/selectBackend.js';

// Models: the RBM and its math
export { centeredStart } from './models/centeredStart.js';
export { createRbm, rbmFromParams, zeroRbmParams, hiddenProbs, visibleProbs, rbmFilters, rbmEnergy } from './models/rbm.js';
export type { Rbm, RbmParams, CreateRbmOptions } from './models/rbm.js';
export type { VisibleUnits, SoftmaxGroup } from './models/visibleUnits.js';
export { fitStandardization, standardize, unstandardize, type Standardization, type StdFloor } from './models/standardize.js';
export { sampleRbm, type SampleRbmOptions } from './models/sampleRbm.js';
export { classifyByFreeEnergy, type Classification } from './models/classifyByFreeEnergy.js';
export { addDiscriminativeGradient, type DiscriminativeMetrics } from './models/discriminativeGradient.js';
export { fitSoftmaxRegression, predictSoftmax, errorRate } from './models/softmaxRegression.js';
export {
  feedForwardGradient,
  fineTune,
  predictFeedForward,
  unrollDbn,
  type DenseLayer,
  type FeedForward,
  type FineTuneOptions,
} from './models/fineTune.js';
export { dbmAugmentedInput, unrollDbm } from './models/unrollDbm.js';
export type { SoftmaxRegression, FitSoftmaxRegressionOptions } from './models/softmaxRegression.js';

// Model kinds and the training state
export { trainingState, kindOf, type TrainingState, type AnyModel } from './models/modelKinds.js';
export type { ModelKind, SamplerOptions, StatisticsOptions } from './models/ModelKind.js';
export type { RunCounters } from './models/trainingState.js';
export { rbmKind, type RbmChains } from './models/rbmKind.js';
export { bmKind, type BmChains } from './models/bmKind.js';
export { dbmKind, type DbmChains } from './models/dbmKind.js';

// Evaluation (one value per row; `mean` of it for the data set) and exact enumeration
export { freeEnergy } from './models/freeEnergy.js';
export { logProbability, mean } from './models/logProbability.js';
export { pseudoLikelihood } from './models/pseudoLikelihood.js';
export { reconstructionError } from './models/reconstructionError.js';
export { meanFieldLowerBound, dbmAsRbm, dbmBaseRates } from './models/dbmBound.js';
export {
  exactRbmLogPartition,
  exactRbmLogProbability,
  exactRbmGradient,
  exactRbmVisibleLogProbs,
  MAX_ENUMERATED_UNITS,
} from './models/exactRbm.js';
export type { RbmGradient } from './models/exactRbm.js';
export { exactGaussianRbmLogPartition } from './models/exactGaussianRbm.js';
export { createAis, aisBetas, baseRateBias, type Ais, type AisOptions, type AisEstimate } from './models/ais.js';
export { createRaise, type Raise, type RaiseOptions, type RaiseEstimate } from './models/raise.js';

// Deep models
export { createDbn, dbnFeatures, sampleDbn, type Dbn } from './models/dbn.js';
export { createDbm, dbmEnergy, type Dbm, type DbmParams, type MeanFieldOptions } from './models/dbm.js';

// General Boltzmann machines, annealing, Hopfield networks
export { createBm, fullyConnectedMask, layeredMask, encoderMask, bmEnergy, annealStates, randomizeStates } from './models/bm.js';
export type { Bm, BmParams, CreateBmOptions, AnnealStep, AnnealSchedule } from './models/bm.js';
export {
  exactBmLogProbs,
  exactBmLogPartition,
  exactBmVisibleLogProbs,
  exactBmMoments,
  visibleDistribution,
  exactKl,
  MAX_BM_UNITS,
} from './models/exactBm.js';
export type { BmMoments } from './models/exactBm.js';
export { annealMinimum, maxCutMachine, cutValue } from './models/annealMinimum.js';
export { hopfieldStore, hopfieldRecall, hopfieldCapacity, type CapacityPoint } from './models/hopfield.js';
export { completePattern, type Completion, type CompletionOptions } from './models/completePattern.js';

// The four operators, and the operators around them
export type * from './operators/phases.js';
export { clampVisible } from './operators/clampVisible.js';
export { gibbsStep, type GibbsStepOptions } from './operators/gibbsStep.js';
export { collectStats } from './operators/collectStats.js';
export { applyUpdate, linearDecay, type ApplyUpdateOptions } from './operators/applyUpdate.js';
export { guardDivergence, type GuardDivergenceOptions } from './operators/guardDivergence.js';
export { anneal } from './operators/anneal.js';

// Metric taps
export { withMetrics } from './operators/withMetrics.js';
export { withHeldOutMetric, type HeldOutMetricOptions } from './operators/withHeldOutMetric.js';
export { withPseudoLikelihood } from './operators/withPseudoLikelihood.js';
export { withReconstructionError } from './operators/withReconstructionError.js';
export { withFreeEnergyGap } from './operators/withFreeEnergyGap.js';
export { withAisEstimate, type AisEstimateOptions } from './operators/withAisEstimate.js';

// Pipelines
export { trainRbm, type TrainRbmOptions } from './pipelines/trainRbm.js';
export { rbmSteps } from './pipelines/rbmSteps.js';
export { trainOnline, type TrainOnlineOptions } from './pipelines/trainOnline.js';
export { trainDbn, type TrainDbnOptions, type DbnStepEvent } from './pipelines/trainDbn.js';
export { trainDbm, type TrainDbmOptions } from './pipelines/trainDbm.js';
export { PRETRAIN_DBM_DEFAULTS, pretrainDbm, type PretrainDbmEvent, type PretrainDbmOptions } from './pipelines/pretrainDbm.js';
export { trainEncoder, type EncoderOptions, type EncoderEvent, type EncoderStage } from './pipelines/trainEncoder.js';
export { estimateLogPartition, type EstimateLogPartitionOptions, type AisEvent } from './pipelines/estimateLogPartition.js';

// Schemas: configs and snapshots
export { trainConfigSchema, type TrainConfig, type TrainConfigInput } from './schemas/trainConfig.js';
export { BernoulliRBM, type BernoulliRBMOptions, type Rows } from './pipelines/BernoulliRBM.js';
export { dbmConfigSchema, type DbmConfig, type DbmConfigInput } from './schemas/dbmConfig.js';
export type { GibbsOptions } from './schemas/gibbsOptions.js';
export type { UpdateOptions } from './schemas/updateOptions.js';
export type { BmClampOptions, ClampOptionsFor } from './schemas/clampOptions.js';
export { snapshotSchema, encodeSnapshot, decodeSnapshot, SNAPSHOT_VERSION, SNAPSHOT_LIMITS } from './schemas/snapshot.js';
export type { Snapshot, SnapshotLimits, DataInfo } from './schemas/snapshot.js';
export {
  modelSnapshotSchema,
  bmSnapshotSchema,
  dbmSnapshotSchema,
  dbnSnapshotSchema,
  encodeModelSnapshot,
  decodeModelSnapshot,
} from './schemas/modelSnapshot.js';
export type { ModelSnapshot, BmSnapshot, DbmSnapshot, DbnSnapshot } from './schemas/modelSnapshot.js';

// Sources: data sets, files, feeds, snapshots
export type { DataRecord, BadRecord, BadRecordKind, FeedItem } from './sources/DataRecord.js';
export { loadDataset, mnistPath, type Dataset, type LoadDatasetOptions } from './sources/loadDataset.js';
export { loadLabels, oneHot } from './sources/loadLabels.js';
export { readIdx, type IdxHeader } from './sources/readIdx.js';
export { readCsv } from './sources/readCsv.js';
export { readNdjson } from './sources/readNdjson.js';
export { minibatches, type MinibatchOptions } from './sources/minibatches.js';
export { readSnapshot, readModelSnapshot, snapshotModel, snapshotState, type SnapshotModelOptions } from './sources/readSnapshot.js';
export { bmSnapshotState, dbmSnapshotState, dbnSnapshotState } from './sources/restoreState.js';
export { readLog } from './sources/readLog.js';
export { openFeed, type Feed, type FeedOptions } from './sources/openFeed.js';
export { followFile, type FollowOptions } from './sources/followFile.js';
export { flushable, type Flushable, type FlushMarker } from './sources/flushable.js';
export { idleWatch } from './sources/idleWatch.js';
export { isNatsSpec, natsAddress, natsObjectAddress, type NatsAddress, type NatsObjectAddress } from './sources/natsAddress.js';
export { readObject } from './sources/natsObjects.js';
export { openSnapshotStore, type SnapshotStore } from './sinks/snapshotStore.js';
export { natsMetricsSink } from './sinks/natsMetricsSink.js';
export { openAverager, type Averager, type AveragerOptions, type AveragingRound } from './sinks/averageParameters.js';
export { natsConnect, type NatsLink } from './sources/natsConnect.js';
export { openNatsFeed, type NatsFeed, type NatsFeedOptions } from './sources/natsFeed.js';
export { sequenceRanges, sequencesOf } from './sources/sequenceRanges.js';
export { publishRecords, recordMessage, type PublishOptions, type PublishResult } from './sinks/publishRecords.js';
export { boundedBuffer, type BoundedBuffer, type OverflowPolicy } from './sources/boundedBuffer.js';
export { feedFromObservable } from './sources/feedFromObservable.js';
export { onlineMinibatches, type OnlineMinibatchOptions } from './sources/onlineMinibatches.js';

// Sinks: snapshots, metrics, progress, the dashboard, images, run folders
export { snapshotSink, type SnapshotSinkOptions } from './sinks/snapshotSink.js';
export { stateSnapshot, toSnapshot, bmSnapshot, dbmSnapshot, dbnSnapshot, encoderSnapshot } from './sinks/stateSnapshot.js';
export { metricsSink, type MetricsSinkOptions } from './sinks/metricsSink.js';
export { logSink, type LogSinkOptions } from './sinks/logSink.js';
export { progressSink, type ProgressSinkOptions } from './sinks/progressSink.js';
export { dashboardSink, type DashboardOptions } from './sinks/dashboardSink.js';
export { writeLearningCurves } from './sinks/writeLearningCurves.js';
export {
  serveDashboard,
  type DashboardRun,
  type DashboardServer,
  type DashboardServerOptions,
  type DashboardUpdate,
  type MetricsRow,
  type RunInfo,
} from './sinks/dashboardServer.js';
export { runFolderUpdates, type RunFolderUpdatesOptions } from './sources/runFolderUpdates.js';
export { imageGrid, readableZoom, type ImageGridOptions } from './sinks/imageGrid.js';
export { writeImageGrid } from './sinks/writeImageGrid.js';
export { encodePng } from './sinks/encodePng.js';
export { modelArrays, type ModelArray } from './sinks/modelArrays.js';
export { encodeNpy, encodeNpz } from './sinks/encodeNpz.js';
export { acquireRunLock, runLockHolder, type LockInfo, type RunLock, type RunLockOptions } from './sinks/runLock.js';
export { checkRunFolder, type RunFolderOptions } from './sinks/runFolder.js';
