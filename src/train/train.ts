/**
 * The library's training entry points: `train(config, options)` starts a run (or resumes an
 * unfinished run with the same id) and `resumeRun(runDir)` continues a killed one.
 *
 * Per finished epoch the run folder gets, in this order: the correctness row (and float
 * rows) appended, log.csv and stats.csv rewritten, a new checkpoint, and last the manifest's
 * epochsCompleted. Mid-epoch (a stop request, checkpointEveryMinutes) it gets a checkpoint
 * with a `midEpoch` block (the epoch's partial record and position, ../runs/checkpoint.ts),
 * then the manifest, epochsCompleted unchanged. A crash at any point therefore leaves a
 * checkpoint whose completed epochs are epochsCompleted or epochsCompleted + 1 (a mid-epoch
 * one: inside the epoch after them), with at least that many record rows on disk; resume
 * truncates the records to the checkpoint's length and continues, mid-epoch at the next
 * batch. Same seed on the same backend: the record and final weights are byte-identical to
 * an uninterrupted run, however often it was stopped or killed.
 *
 * A stop request (TrainOptions.stop, fired by SIGTERM/SIGINT in the CLI and sweep workers)
 * lets the step in progress finish, writes the checkpoint and throws RunStoppedError.
 *
 * The process that trains a run holds its lock (../runs/lock.ts) from its first write to
 * the end, so two processes never train one run at once.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { type BackendName, initBackend } from "../backend";
import { type OpenedDataset, openDataset } from "../data";
import { sha256Hex } from "../core/checksum";
import { jpegDecoderDescription } from "../data/jpegTurbo";
import { FileFormatError, ValueError } from "../core/errors";
import { exampleStats, writeStatsCsv } from "../runs/stats";
import { buildModel, checkModelInput } from "../models";
import { CHECKPOINT_FILE, type CheckpointState, type MidEpochState, loadCheckpointWeights, readCheckpoint, saveCheckpoint } from "../runs/checkpoint";
import { CHECKPOINT_DIR, CORRECT_FILE, type EnvironmentInfo, FLOAT_STORAGE, LOG_FILE, MANIFEST_FILE, type RunManifest, correctRowBytes, floatRecordFile, predictedBytes, predictedFile, runDir as runFolder, type LogRow } from "../runs/layout";
import { readManifest, writeManifest } from "../runs/manifest";
import { type RunLock, RunLockLostError, acquireRunLock } from "../runs/lock";
import { type CorrectRecord, appendCorrectRow, appendFloatRow, appendPredictedRow, readCorrectRecord } from "../runs/record";
import { createRun, newRunId, writeLog } from "../runs/store";
import { readLog } from "../runs/scan";
import { type ResolvedTrainConfig, type TrainConfig, configDifferences, describeConfigDifferences, resolveTrainConfig } from "../config/train";
import { type LoopStop, trainLoop } from "./loop";
import { RunStoppedError, stopReason } from "./stop";
import { Sgd } from "./sgd";
import { checkFolderName } from "../core/paths";
import { type TrainProgress } from "../core/progress";

export interface TrainOptions {
  /** Folder holding experiment folders. Default "<cwd>/outputs". */
  outputsRoot?: string;
  /** Experiment folder name. Default "default". */
  experiment?: string;
  /** Run id (folder name). Default: a new nanoid. An existing unfinished run with this id is resumed. */
  runId?: string;
  /** Called after every minibatch and before each evaluation. */
  onProgress?: (progress: TrainProgress) => void;
  /** Called after each epoch's files are written, with its log.csv row; replaces the default summary line. */
  onEpoch?: (log: LogRow) => void;
  /** No per-epoch summary line on stderr. */
  quiet?: boolean;
  /** Backend to use (see src/backend). Default "auto" (or FORGETTING_BACKEND). */
  backend?: BackendName | "auto";
  /** Folder holding the datasets. Default $FORGETTING_DATA_ROOT, else <project>/data. */
  dataRoot?: string;
  /** Stop after this many completed epochs, leaving the run resumable (budgeted sessions, tests). */
  stopAfterEpochs?: number;
  /**
   * The run's lock, when the caller took it already (a sweep worker does, before it loads the
   * training code, so that it loses a race in milliseconds); train() then leaves its release
   * to the caller. Default: train() takes the lock and releases it.
   */
  runLock?: RunLock;
  /**
   * Stop request (see ./stop.ts stopOnSignals): when it fires, the step in progress and its
   * readback finish, a checkpoint is written (mid-epoch unless the epoch just ended) and the
   * call throws RunStoppedError; resumeRun continues at the next batch.
   */
  stop?: AbortSignal;
}

export type ResumeOptions = Omit<TrainOptions, "outputsRoot" | "experiment" | "runId">;

/** sha256 of the canonical config JSON: ties a checkpoint to the config it was trained with. */
function configSha256(config: ResolvedTrainConfig): string {
  return sha256Hex(JSON.stringify(config));
}

function openRunData(config: ResolvedTrainConfig, dataRoot?: string): Promise<OpenedDataset> {
  return openDataset({
    dataset: config.dataset,
    dataRoot,
    folder: config.folder,
    imageSize: config.imageSize,
    classIndex: config.classIndex,
    skipBadFiles: config.skipBadFiles,
    normalize: config.normalizeMean && config.normalizeStd ? { mean: config.normalizeMean, std: config.normalizeStd } : undefined,
    seed: config.seed,
    augment: config.augment,
    labelNoise: config.labelNoise,
    permutePixels: config.permutePixels,
    permutationSeed: config.permutationSeed,
    removeIds: config.removeIds,
    trainFirst: config.trainFirst,
  });
}

/**
 * Trains one run and writes its folder `<outputsRoot>/<experiment>/<runId>/`.
 * If that folder already holds an unfinished run, it is resumed (the config must match);
 * a completed one is returned as is.
 * @param config a config from resolveTrainConfig (planned runs, the CLI), used as is; or a
 *   partial config (a notebook's call), resolved here, once.
 * @returns the final manifest.
 * @throws ValueError for a bad config or option, or a config that differs from the
 *   existing run's; RunLockedError (a ValueError) if another live process trains the run;
 *   FileFormatError for corrupt run files. Existing files stay intact.
 *   RunStoppedError once `options.stop` fired and the checkpoint is written.
 */
export async function train(config: ResolvedTrainConfig | Partial<TrainConfig>, options: TrainOptions = {}): Promise<RunManifest> {
  const resolved = resolveTrainConfig(config);
  const outputsRoot = path.resolve(options.outputsRoot ?? path.join(process.cwd(), "outputs"));
  const experiment = checkFolderName("train: options.experiment", options.experiment ?? "default");
  const runId = checkFolderName("train: options.runId", options.runId ?? (await newRunId()));
  const dir = runFolder(outputsRoot, experiment, runId);
  /** Whether the run exists (with this config: another is refused). */
  const runExists = () => {
    if (!fs.existsSync(path.join(dir, MANIFEST_FILE))) return false;
    const recorded = readManifest(dir).config;
    if (configDifferences(recorded, resolved).length > 0) {
      throw new ValueError(`train: run ${dir} exists with another config (${describeConfigDifferences(recorded, resolved)}); choose a new run id or resume it unchanged`);
    }
    return true;
  };
  // Every check comes before the lock, the first write; a new run's include the data and model.
  let prepared = runExists() ? null : await prepareNewRun(resolved, options);
  return withRunLock(dir, options, async (held) => {
    // Looked at again under the lock: another process may have started the run meanwhile.
    if (runExists()) return continueRun(dir, held);
    prepared ??= await prepareNewRun(resolved, options);
    const { manifest } = createRun({ outputsRoot, experiment, runId, config: resolved, data: prepared.data, environment: prepared.environment });
    return runEpochs(dir, manifest, resolved, prepared.data, { checkpoint: null, log: [] }, held);
  });
}

/** The backend and the data of a new run, checked against the model: everything that can refuse the config. */
async function prepareNewRun(config: ResolvedTrainConfig, options: TrainOptions) {
  const backend = await initBackend({ backend: options.backend, threads: config.threads });
  // Image-folder pixels depend on the JPEG decoder (native libjpeg-turbo + PIL resize, or sharp).
  const environment = config.dataset === "folder" ? { ...backend, versions: { ...backend.versions, "jpeg-decoder": jpegDecoderDescription() } } : backend;
  const data = await openRunData(config, options.dataRoot);
  // The last check before the run folder exists: a model that cannot take these images.
  checkModelInput(config.model, data.train.inputShape, data.train.nClasses);
  return { environment, data };
}

/**
 * Runs `work` holding the run's lock (../runs/lock.ts) and releases it after, whatever
 * happens. `work` gets `options` whose onProgress stops the run at the next minibatch if the
 * lock is lost (another process may be writing the run then).
 * @throws RunLockedError if another live process holds the lock.
 */
async function withRunLock<T>(dir: string, options: TrainOptions, work: (held: TrainOptions) => Promise<T>): Promise<T> {
  if (options.runLock && options.runLock.runDir !== dir) throw new ValueError(`train: expected options.runLock to be the lock of ${dir}, got the lock of ${options.runLock.runDir}`);
  const lock = options.runLock ?? (await acquireRunLock(path.dirname(dir), path.basename(dir)));
  try {
    return await work({
      ...options,
      onProgress: (progress) => {
        if (lock.lost) throw new RunLockLostError(dir, lock.lost);
        options.onProgress?.(progress);
      },
    });
  } finally {
    if (!options.runLock) await lock.release();
  }
}

/**
 * Continues a run that was killed or stopped: checks the config, the dataset checksum, the
 * checkpoint and the records before touching anything, then truncates the records to the
 * checkpoint's length and trains the remaining epochs.
 * @returns the final manifest (at once, if the run is already completed).
 * @throws RunLockedError (a ValueError) if another live process trains the run; ValueError
 *   if the dataset checksum changed; FileFormatError for a corrupt or
 *   inconsistent manifest, checkpoint, record or log file; RunStoppedError once
 *   `options.stop` fired and the checkpoint is written.
 */
export async function resumeRun(runDir: string, options: ResumeOptions = {}): Promise<RunManifest> {
  const dir = path.resolve(runDir);
  readManifest(dir); // a run folder, before its experiment folder gets a lock
  return withRunLock(dir, options, (held) => continueRun(dir, held));
}

/** resumeRun's work, under the run's lock. */
async function continueRun(dir: string, options: ResumeOptions): Promise<RunManifest> {
  const manifest = readManifest(dir);
  if (manifest.status === "completed") return manifest;
  const { config } = manifest;
  const environment = await initBackend({ backend: options.backend, threads: config.threads ?? manifest.environment.threads });
  const kernelsOf = (env: EnvironmentInfo) => `${env.backend}${env.kernels ? ` (${env.kernels}, ${env.threads} threads)` : ""}`;
  if (!options.quiet && kernelsOf(environment) !== kernelsOf(manifest.environment)) {
    // Still a valid continuation, but not bit-identical to an uninterrupted run.
    console.error(`resumeRun: the run started on backend "${kernelsOf(manifest.environment)}", continuing on "${kernelsOf(environment)}"`);
  }
  const data = await openRunData(config, options.dataRoot);
  if (data.train.checksum !== manifest.dataset.checksum) {
    throw new ValueError(
      `resumeRun ${dir}: dataset "${data.train.datasetId}" no longer matches the run: expected checksum ${manifest.dataset.checksum} (manifest.json), got ${data.train.checksum}`,
    );
  }
  const checkpoint = readCheckpoint(dir);
  const startEpoch = checkpoint?.info.epoch ?? 0;
  if (checkpoint) {
    const file = path.join(checkpoint.dir, CHECKPOINT_FILE);
    if (checkpoint.info.configSha256 !== configSha256(config)) {
      throw new FileFormatError(file, `expected configSha256 ${configSha256(config)} (the manifest's config), found ${checkpoint.info.configSha256}`);
    }
    if (checkpoint.info.datasetChecksum !== manifest.dataset.checksum) {
      throw new FileFormatError(file, `expected datasetChecksum ${manifest.dataset.checksum} (manifest.json), found ${checkpoint.info.datasetChecksum}`);
    }
  }
  const k = manifest.epochsCompleted;
  if (startEpoch !== k && startEpoch !== k + 1) {
    const where = checkpoint ? path.join(checkpoint.dir, CHECKPOINT_FILE) : path.join(dir, CHECKPOINT_DIR);
    throw new FileFormatError(where, `expected a checkpoint of epoch ${k} or ${k + 1} (manifest epochsCompleted ${k}), found ${checkpoint ? `epoch ${startEpoch}` : "none"}`);
  }
  // The records and the log must hold every row the checkpoint covers.
  if (startEpoch > 0) readCorrectRecord(dir, manifest.dataset.nExamples, startEpoch);
  const storage = config.floatStorage ?? "float32";
  const { nExamples, nClasses } = manifest.dataset;
  const rowFiles: { file: string; rowBytes: number; what: string }[] = config.recordFloats.map((name) => ({ file: floatRecordFile(name, storage), rowBytes: FLOAT_STORAGE[storage].rowBytes(nExamples), what: storage }));
  if (config.recordPredicted) rowFiles.push({ file: predictedFile(nClasses), rowBytes: nExamples * predictedBytes(nClasses), what: `uint${predictedBytes(nClasses) * 8}` });
  for (const { file: name, rowBytes, what } of rowFiles) {
    const file = path.join(dir, name);
    const need = startEpoch * rowBytes;
    const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    if (size < need) throw new FileFormatError(file, `expected at least ${need} bytes (${startEpoch} rows of ${nExamples} ${what}), found ${size}`);
  }
  const log = readLog(dir);
  if (log.length < startEpoch) throw new FileFormatError(path.join(dir, LOG_FILE), `expected at least ${startEpoch} rows (one per checkpointed epoch), found ${log.length}`);
  return runEpochs(dir, manifest, config, data, { checkpoint, log: log.slice(0, startEpoch) }, options);
}

/** Builds model and optimizer, restores the checkpoint if any, and trains to the end. */
async function runEpochs(
  dir: string,
  manifest: RunManifest,
  config: ResolvedTrainConfig,
  data: OpenedDataset,
  resume: { checkpoint: CheckpointState | null; log: LogRow[] },
  options: TrainOptions,
): Promise<RunManifest> {
  const { train: trainSource } = data;
  const nExamples = trainSource.nExamples;
  const rowBytes = correctRowBytes(nExamples);
  const startEpoch = resume.checkpoint?.info.epoch ?? 0;
  const model = buildModel(config.model, { inputShape: trainSource.inputShape, nClasses: trainSource.nClasses, seed: config.seed });
  const trainable = model.trainableWeights;
  // Rank-1 weights are biases and batch-norm gamma/beta.
  const decayMask = trainable.map((w) => !(config.weightDecayExcludeBnAndBias && w.shape.length <= 1));
  const optimizer = new Sgd(
    // LayerVariable.read() is typed Tensor but returns the tf.Variable the layer owns.
    trainable.map((w) => w.read() as tf.Variable),
    { momentum: config.momentum, nesterov: config.nesterov, weightDecay: config.weightDecay, decayMask },
  );
  try {
    const midEpoch = resume.checkpoint?.midEpoch ?? undefined;
    if (resume.checkpoint) {
      loadCheckpointWeights(model, resume.checkpoint);
      optimizer.setState(resume.checkpoint.momentum);
      if (midEpoch) checkMidEpoch(resume.checkpoint, midEpoch, config, trainSource);
    }
    // Everything is checked: from here on the run folder changes.
    removeTemporaryFiles(dir);
    const bits = new Uint8Array(config.epochs * rowBytes);
    if (startEpoch > 0) bits.set(readCorrectRecord(dir, nExamples, startEpoch).bits);
    truncateTo(path.join(dir, CORRECT_FILE), startEpoch * rowBytes);
    const storage = config.floatStorage ?? "float32";
    for (const name of config.recordFloats) truncateTo(path.join(dir, floatRecordFile(name, storage)), startEpoch * FLOAT_STORAGE[storage].rowBytes(nExamples));
    if (config.recordPredicted) truncateTo(path.join(dir, predictedFile(trainSource.nClasses)), startEpoch * nExamples * predictedBytes(trainSource.nClasses));
    const logRows = [...resume.log];
    writeLog(dir, logRows);
    manifest.epochsCompleted = startEpoch;
    manifest.status = "running";
    delete manifest.error;
    if (startEpoch === config.epochs) {
      // Killed after the last checkpoint, before the manifest said so: nothing left to train.
      manifest.status = "completed";
      manifest.finishedAt = new Date().toISOString();
    }
    writeManifest(dir, manifest);

    let presented: Uint8Array | undefined;
    if (trainSource.subsetIds) {
      presented = new Uint8Array(nExamples);
      for (const id of trainSource.subsetIds) presented[id] = 1;
    }
    // Images found undecodable (skipBadFiles) are never presented again: recorded in the manifest
    // (a resumed run keeps those it found before) and left out of the statistics.
    const undecodable = new Map((manifest.dataset.undecodable ?? []).map((u) => [u.exampleId, u]));
    const recordUndecodable = () => {
      for (const [exampleId, reason] of trainSource.undecodable ?? []) {
        if (!undecodable.has(exampleId)) undecodable.set(exampleId, { exampleId, file: trainSource.exampleNames?.[exampleId] ?? "", reason });
      }
      if (undecodable.size === 0) return;
      manifest.dataset.undecodable = [...undecodable.values()].sort((a, b) => a.exampleId - b.exampleId);
      presented ??= new Uint8Array(nExamples).fill(1);
      for (const id of undecodable.keys()) presented[id] = 0;
    };
    const datasetChecksum = manifest.dataset.checksum;
    const started = Date.now();
    let stopped: LoopStop | null;
    try {
      stopped = await trainLoop({
        model,
        optimizer,
        train: trainSource,
        test: data.test,
        config,
        startEpoch,
        midEpoch,
        onProgress: options.onProgress,
        stopAfterEpochs: options.stopAfterEpochs,
        stop: options.stop,
        onMidEpochCheckpoint({ epoch, state }) {
          saveCheckpoint(dir, { model, momentum: optimizer.getState(), epoch, recordLength: epoch, configSha256: configSha256(config), datasetChecksum, midEpoch: state });
          // Undecodable images found so far this epoch: a resumed run skips their batches' decodes.
          recordUndecodable();
          writeManifest(dir, manifest);
        },
        onEpochEnd({ epoch, tracker, log }) {
          const row = tracker.correctRow();
          appendCorrectRow(dir, epoch, row);
          for (const name of config.recordFloats) appendFloatRow(dir, name, epoch, tracker.floatRow(name), storage);
          if (tracker.predicted) appendPredictedRow(dir, epoch, tracker.predicted, trainSource.nClasses);
          bits.set(row, epoch * rowBytes);
          logRows.push(log);
          writeLog(dir, logRows);
          const record: CorrectRecord = { nExamples, nEpochs: epoch + 1, rowBytes, bits: bits.subarray(0, (epoch + 1) * rowBytes) };
          recordUndecodable();
          writeStatsCsv(dir, exampleStats(record, { presented }), { labels: trainSource.labels, exampleNames: trainSource.exampleNames });
          saveCheckpoint(dir, { model, momentum: optimizer.getState(), epoch: epoch + 1, recordLength: epoch + 1, configSha256: configSha256(config), datasetChecksum });
          manifest.epochsCompleted = epoch + 1;
          if (epoch + 1 === config.epochs) {
            manifest.status = "completed";
            manifest.finishedAt = new Date().toISOString();
          }
          writeManifest(dir, manifest);
          if (options.onEpoch) options.onEpoch(log);
          else if (!options.quiet) console.error(epochSummary(log, config.epochs, (Date.now() - started) / 1000));
        },
      });
    } catch (err) {
      manifest.status = "failed";
      manifest.error = err instanceof Error ? err.message : String(err);
      try {
        writeManifest(dir, manifest);
      } catch {
        // The original error matters more (a full disk fails both); the run stays resumable.
      }
      throw err;
    }
    if (stopped && options.stop) throw new RunStoppedError(dir, stopReason(options.stop), stopped.epochsCompleted, stopped.batchesDone, stopped.batches);
    return manifest;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * Checks a mid-epoch checkpoint against the run it resumes: an epoch still to train, rows
 * of this dataset's size, the run's float records, and counts that agree with its rows.
 * @throws FileFormatError naming the checkpoint file and the field.
 */
function checkMidEpoch(checkpoint: CheckpointState, mid: MidEpochState, config: ResolvedTrainConfig, source: OpenedDataset["train"]): void {
  const file = path.join(checkpoint.dir, CHECKPOINT_FILE);
  const batches = Math.ceil((source.subsetIds?.length ?? source.nExamples) / config.batchSize);
  const { epoch } = checkpoint.info;
  if (epoch >= config.epochs) throw new FileFormatError(file, `field "epoch": expected an epoch in progress, below epochs=${config.epochs}, got ${epoch} with a midEpoch block`);
  if (mid.batchesDone > batches) throw new FileFormatError(file, `field "midEpoch.batchesDone": expected at most ${batches} (batches per epoch), got ${mid.batchesDone}`);
  const rowBytes = correctRowBytes(source.nExamples);
  if (mid.record.correct.length !== rowBytes) throw new FileFormatError(file, `midEpoch record: expected rows of ${rowBytes} bytes (${source.nExamples} examples), found ${mid.record.correct.length}`);
  const floats = Object.keys(mid.record.floats).sort().join(",");
  if (floats !== [...config.recordFloats].sort().join(",")) {
    throw new FileFormatError(file, `field "midEpoch.floats": expected [${config.recordFloats.join(", ")}] (the run's recordFloats), got [${floats}]`);
  }
  if (Boolean(config.recordPredicted) !== (mid.record.predicted !== undefined)) {
    throw new FileFormatError(file, `field "midEpoch.predicted": expected ${config.recordPredicted ? `${predictedBytes(source.nClasses)} (the run records predicted classes)` : "none (the run records no predicted classes)"}, got ${mid.record.predicted ? mid.record.predicted.BYTES_PER_ELEMENT : "none"}`);
  }
  if (mid.record.predicted && (mid.record.predicted.length !== source.nExamples || mid.record.predicted.BYTES_PER_ELEMENT !== predictedBytes(source.nClasses))) {
    throw new FileFormatError(file, `midEpoch predicted row: expected ${source.nExamples} values of ${predictedBytes(source.nClasses)} bytes, found ${mid.record.predicted.length} of ${mid.record.predicted.BYTES_PER_ELEMENT}`);
  }
  for (const [name, row] of Object.entries(mid.record.floats)) {
    if (row.length !== source.nExamples) throw new FileFormatError(file, `midEpoch "${name}" row: expected ${source.nExamples} values, found ${row.length}`);
  }
  let presented = 0;
  for (const byte of mid.record.presented) for (let b = byte; b; b &= b - 1) presented++;
  if (presented !== mid.seen) throw new FileFormatError(file, `field "midEpoch.seen": expected ${presented} (the examples its presented row marks), got ${mid.seen}`);
}

/** Deletes ".<name>...tmp" files and folders that a killed process left mid-write (see ../core/atomic.ts). */
function removeTemporaryFiles(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(".") && name.endsWith(".tmp")) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/** Cuts `file` to `bytes` (a row half-written by a crash, or rows after the checkpoint). */
function truncateTo(file: string, bytes: number): void {
  if (fs.existsSync(file) && fs.statSync(file).size > bytes) fs.truncateSync(file, bytes);
}

/** One line per epoch: "epoch 3/10  loss 0.4123  train acc 0.871  test loss 0.3012  test acc 0.902  1234 img/s  12.5 s". */
export function epochSummary(log: LogRow, epochs: number, elapsedSeconds: number): string {
  const f = (v: number | null, digits: number) => (v === null ? "-" : v.toFixed(digits));
  return (
    `epoch ${log.epoch}/${epochs}  loss ${f(log.train_loss, 4)}  train acc ${f(log.train_acc, 3)}  ` +
    `test loss ${f(log.val_loss, 4)}  test acc ${f(log.acc, 3)}  ${f(log.images_per_s, 0)} img/s  ${elapsedSeconds.toFixed(1)} s`
  );
}
