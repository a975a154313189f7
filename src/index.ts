/**
 * The library's public surface, grouped by stage in the order data flows:
 * config -> data -> models -> train (+ tracker) -> run files -> analysis -> frames/figures ->
 * notebooks/reports, then the experiments that drive many runs, and setup.
 *
 * Notebooks import this module (`import * as nb from "./dist/index"`). Importing it has no side
 * effects: no backend is chosen and no model is built until a function is called.
 * Internals (file helpers, kernels, readers of single formats) stay in their modules.
 */

/** Errors every entry point throws: bad input (`ValueError`) and bad files (`FileFormatError`). */
export { FileFormatError, ValueError } from "./core/errors";
/** The seeded random streams behind initialization, shuffling, augmentation and label noise. */
export { Random, deriveSeed } from "./core/random";
/** Progress of long work, and how it is shown. */
export { type SweepProgress, type TrainProgress, formatDuration, formatSweepProgress, formatTrainProgress } from "./core/progress";
/** One number format per quantity, for tables and figures. */
export { type Quantity, formatValue, hoverFormat } from "./core/format";
/** Folders: the project root and a scratch outputs root for throw-away runs. */
export { projectRoot, scratchOutputsRoot } from "./core/paths";

/** The training config: its type, the name unions, defaults, presets and the one validator. */
export {
  type AugmentationName,
  type DatasetName,
  type DatasetRef,
  type FloatRecordName,
  type FloatStorage,
  type ModelName,
  type ScheduleName,
  type TrackingMode,
  type TrainConfig,
  type TrainPresetName,
  DEFAULT_TRAIN_CONFIG,
  TRAIN_CONFIG_KEYS,
  TRAIN_PRESETS,
  VALID_AUGMENTATIONS,
  VALID_DATASETS,
  VALID_FLOAT_RECORDS,
  VALID_FLOAT_STORAGES,
  VALID_MODELS,
  VALID_PRESETS,
  VALID_SCHEDULES,
  VALID_TRACKING_MODES,
  configDifferences,
  resolveTrainConfig,
} from "./config/train";
/** An experiment: one base config over epoch budgets x seeds (x variants). */
export { type ExperimentConfig, type ExperimentVariant, type PlannedRun, checkExperimentConfig, experimentSeeds, planRuns } from "./config/experiment";

/** Data: datasets with stable exampleIds, their raw images, and the downloads of the official files. */
export { type DatasetVariant, type DatasetOptions, type OpenedDataset, openDataset, readImageSplits } from "./data/index";
export type { Batch, BatchRange, BatchSource, ImageShape, ImageSplit, InMemoryImages } from "./data/types";
export { DOWNLOADS, VALID_DOWNLOADS, fetchDataset } from "./data/download";
export { defaultDataRoot } from "./data/digits";

/** Models and the tfjs backend they run on. */
export { buildModel } from "./models/index";
export { type BackendName, VALID_BACKENDS, initBackend } from "./backend/index";

/** Training: one run, resumable; the loop, the optimizer and the schedules it uses. */
export { type ResumeOptions, type TrainOptions, epochSummary, resumeRun, train } from "./train/train";
export { type EpochResult, type LoopStop, type TrainLoopOptions, trainLoop } from "./train/loop";
export { RESUMABLE_EXIT_CODE, RunStoppedError, STOP_SIGNALS, stopOnSignals } from "./train/stop";
export { Sgd, type SgdOptions } from "./train/sgd";
export { learningRateAt } from "./train/schedules";
export { ForgettingTracker } from "./train/tracker";

/** Run files: the layout of a run folder, its manifest and records, and the per-example statistics. */
export {
  type EnvironmentInfo,
  type LogRow,
  type RunManifest,
  type RunStatus,
  CORRECT_FILE,
  EXPERIMENT_FILE,
  FLOAT_RECORDS,
  FLOAT_STORAGE,
  LOG_COLUMNS,
  MANIFEST_FILE,
  floatRecordFile,
  followUpStudies,
  predictedFile,
  runDir,
} from "./runs/layout";
export { readManifest } from "./runs/manifest";
export { type CorrectRecord, correctAt, readCorrectRecord, readFloatRecord, readPredictedRecord } from "./runs/record";
export { type ExampleStats, NEVER_LEARNED_EPOCH, exampleStats, exampleStatsFromFile } from "./runs/stats";
export { experimentDataset, readExperimentConfig, writeExperimentConfig } from "./runs/experiment";
export {
  type ExperimentScan,
  type LeftOutReason,
  type LeftOutRun,
  type ScannedBudget,
  type ScannedDataset,
  type ScannedRun,
  type ScanOptions,
  VALID_LEFT_OUT_REASONS,
  chooseRun,
  describeScan,
  loadRunRecord,
  presentedMask,
  readLogColumns,
  readRunExamples,
  scanExperiment,
  scanIfPresent,
} from "./runs/scan";
export { type RunState, type SweepRunStatus, VALID_RUN_STATES, sweepStatus } from "./runs/status";
export {
  type LiveRunLock,
  type RunLock,
  type RunLockHolder,
  LOCK_REFRESH_MS,
  LOCK_STALE_MS,
  RUN_LOCKED_EXIT,
  RunLockLostError,
  RunLockedError,
  acquireRunLock,
  describeHolder,
  readLiveLock,
} from "./runs/lock";

/** Analysis (reads run files only): sets, ranks, histograms, data maps, the multi-seed analysis, exports. */
export { classCounts, consistentlyNeverLearned, countCommon, countMembers, intersection, jaccard, membersOf, nestingMatrix, perClassCounts, union } from "./analysis/sets";
export { type RemovalMethod, VALID_REMOVAL_METHODS, averageRanks, forgettingRanking, forgettingScores, pairwiseMatrix, removalIds, spearman, spearmanMatrix } from "./analysis/ranks";
export { integerHistogram } from "./analysis/histograms";
export { hardestFirst, idsByValue, membersHardestFirst } from "./analysis/picks";
export { type DataMap, dataMap, meanDataMap } from "./analysis/dataMap";
export {
  type RunRecords,
  type ScoreName,
  type Scores,
  SCORE_HARDNESS,
  VALID_SCORES,
  areaUnderMargin,
  confusionCounts,
  defaultEl2nEpochs,
  easiestFirst,
  meanOverEpochs,
  meanScores,
  mostFrequentWrongClass,
  noiseAuc,
  runScores,
  scoreStability,
} from "./analysis/scores";
export { type RunDynamics, type ScoreComparisonRow, noiseScoreAucs, readRunDynamics, scoreComparison, scoreComparisonOfStudies, scoreComparisonTable } from "./analysis/dynamics";
export { standInLogits, writeCartography } from "./analysis/cartography";
export { type BudgetAnalysis, type BudgetDynamics, type ExperimentAnalysis, analyzeBudget, analyzeExperiment } from "./analysis/experiment";
export { type ResultsRow, resultsTable } from "./analysis/results";
export { type AnalysisSummary, formatSummary, summarizeAnalysis } from "./analysis/summary";
export { exampleTableCsv, neverLearnedBudgetsByExample, neverLearnedByClass, scoresTableCsv, writeExports } from "./analysis/exports";
export { type GroupForgetting, type NoiseComparison, type NoiseRunResult, type NoiseVariantResult, type RemovalResultRow, noiseComparison, noiseHistograms, noiseResults, removalResults, rocAuc } from "./analysis/followUps";

/** Frames (danfo tables) and figures (plotly), pure builders for the notebooks and reports. */
export { classDistributionFrame, examplesFrame, neverLearnedFrame, perClassFrame, pixelStatisticsFrame, resultsFrame } from "./frames/frames";
export { pixelStatistics } from "./frames/pixelStatistics";
export type { PlotlyFigure } from "./figures/types";
export { classDistributionFigure, meanImagesFigure, pixelValueFigure } from "./figures/data";
export { trainingCurvesFigure } from "./figures/training";
export { firstLearnedFigure, forgettingEventsFigure } from "./figures/forgetting";
export { nestingFigure, neverLearnedPerBudgetFigure, pairwiseStabilityFigure, perClassFigure, seedMatrixFigure } from "./figures/seeds";
export { labelNoiseFigure, removalCurveFigure } from "./figures/followUps";
export { type DataMapPoint, dataMapFigure, dataMapPointsOf, scoreComparisonFigure } from "./figures/dynamics";

/** Notebook display helpers and parameters. */
export { notebookSetup, progressDisplay, showFigure, showFrame, showHtml, showMarkdown, showTable, trainingProgress } from "./notebook/display";
export { exampleGridHtml, imageGridHtml } from "./notebook/images";
export { type ExampleStore, drillDownHtml, exampleStore, exampleStoreHtml, showDrillDown, showExampleStore } from "./notebook/drilldown";
export { followUpCommands } from "./notebook/followUpCommands";
export { type NotebookParams, notebookParams } from "./notebook/params";

/** Reports: the headless notebook runner and its index page. */
export { NotebookCellError, runNotebooks } from "./report/runNotebooks";
export { experimentSummary } from "./report/summary";
export { experimentOverview } from "./report/overview";

/** Experiments: sweeps of a grid with a local worker pool, and the paper's follow-up studies. */
export { type SweepOptions, type SweepSummary, sweep } from "./experiments/sweep";
export { type RemovalStudyOptions, createRemovalStudy } from "./experiments/removal";
export { type NoiseStudyOptions, createNoiseStudy } from "./experiments/noise";

/** Setup: what this machine can run (backend, GPU, Jupyter), and the project's Jupyter kernel. */
export { type DoctorCheck, type DoctorReport, doctor, formatDoctorReport } from "./setup/doctor";
export { registerKernel } from "./setup/kernel";
