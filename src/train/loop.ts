/**
 * The training loop: a plain loop (not `model.fit`) so the forgetting tracker reads each
 * example's correctness from the same forward pass that trains it.
 *
 * Each epoch runs these phases in this order:
 *   1) lr: the schedule's rate for this iteration;
 *   2) forward + per-example stats: one training-mode forward (and, in "eval" tracking
 *      mode, an extra inference-mode forward first), all inside one tf.tidy;
 *   3) apply grads: PyTorch-semantics SGD (./sgd.ts);
 *   4) read back: ONE `await data()` of a [nRows, batchSize] tensor per batch, read one step
 *      late so that a GPU computes step t+1 while step t's values travel;
 *   5) log: progress callback (epoch, batch, loss, acc, images/s, ETA);
 * and after the last batch: eval on the test split, checkpoint (the caller's onEpochEnd
 * writes record rows, log.csv, stats and the checkpoint), stop.
 *
 * Mid-epoch, after a step and its readback, the caller's onMidEpochCheckpoint saves the
 * epoch so far (options.stop fired, or config.checkpointEveryMinutes passed); a resumed loop
 * (options.midEpoch) restores it and starts the epoch's batch stream at the next batch, so
 * every later step sees the same batch, rate and weights as in an uninterrupted run.
 */
import { setImmediate as eventLoopTurn } from "node:timers/promises";
import * as tf from "@tensorflow/tfjs";
import type { TrainProgress } from "../core/progress";
import type { Batch, BatchSource } from "../data/types";
import { ForgettingTracker } from "./tracker";
import type { LogRow } from "../runs/layout";
import { type TrainConfig, type FloatRecordName, type TrackingMode } from "../config/train";
import { learningRateAt } from "./schedules";
import type { Sgd } from "./sgd";
import type { MidEpochState } from "../runs/checkpoint";

/** What a step reads back: "off" (loss only) exists for benchmarks of the tracking cost. */
export type StepTracking = TrackingMode | "off";

/** What an epoch hands to the run files. */
export interface EpochResult {
  /** 0-based index of the finished epoch (= its row in correct.bits). */
  epoch: number;
  /** The epoch's per-example record (correct row, float rows). */
  tracker: ForgettingTracker;
  log: LogRow;
}

export interface TrainLoopOptions {
  model: tf.LayersModel;
  optimizer: Sgd;
  train: BatchSource;
  test: BatchSource;
  config: TrainConfig;
  /** 0-based epoch to start from (the checkpoint's epoch when resuming). */
  startEpoch: number;
  /** Where epoch startEpoch starts when resuming from a mid-epoch checkpoint (its first batch if absent). */
  midEpoch?: MidEpochState;
  /** Writes the epoch's files; awaited before the next epoch starts. */
  onEpochEnd(result: EpochResult): void | Promise<void>;
  /** Writes a mid-epoch checkpoint (stop request, checkpointEveryMinutes); awaited before training goes on. Without it, there are none. */
  onMidEpochCheckpoint?: (checkpoint: { epoch: number; state: MidEpochState }) => void | Promise<void>;
  onProgress?: (progress: TrainProgress) => void;
  /** Stop after this many completed epochs (as if killed; the run stays resumable). */
  stopAfterEpochs?: number;
  /**
   * A stop request: when it fires, the step in progress and its readback finish, a mid-epoch
   * checkpoint is written (or, between an epoch's last batch and its files, the epoch ends
   * first when no evaluation is pending), and the loop returns where it stopped.
   */
  stop?: AbortSignal;
}

/** Per-step options of trainStep. */
export interface StepOptions {
  lr: number;
  tracking: StepTracking;
  /** Float records to compute, in the row order of the returned tensor. */
  floats: readonly FloatRecordName[];
  /** Also return the predicted class (argmax) as the last row. */
  predicted?: boolean;
  nClasses: number;
}

/**
 * Cross-entropy of each example.
 * @param logits [batchSize, nClasses]
 * @param oneHot [batchSize, nClasses] float one-hot labels
 * @returns [batchSize] loss in nats
 */
function perExampleLoss(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), 1)) as tf.Tensor1D;
}

/**
 * Per-example statistics of a batch from its logits, as rows of one tensor so they come
 * back in a single read.
 * @param logits [batchSize, nClasses]
 * @param labels [batchSize] int32 class indices
 * @param loss [batchSize] per-example loss if already computed (the training forward's)
 * @param options.predicted append the predicted class (argmax, as float) as the last row
 * @returns [2 + floats.length (+ 1), batchSize]: row 0 correct (0/1), row 1 loss (nats), then
 *   each requested float ("loss" again, "margin" = true logit minus the largest other logit,
 *   "prob" = softmax probability of the true class, "el2n" = L2 norm of softmax minus the
 *   one-hot label), then the predicted class if asked.
 */
export function exampleRows(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  floats: readonly FloatRecordName[],
  loss?: tf.Tensor1D,
  options: { predicted?: boolean } = {},
): tf.Tensor2D {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, logits.shape[1]).toFloat() as tf.Tensor2D; // [B, nClasses]
    const lossRow = loss ?? perExampleLoss(logits, oneHot); // [B]
    const argMax = tf.argMax(logits, 1); // [B] int32
    const correct = tf.equal(argMax, labels).toFloat(); // [B]
    const rows: tf.Tensor[] = [correct, lossRow]; // each [B]
    for (const name of floats) {
      if (name === "loss") rows.push(lossRow);
      else if (name === "prob") rows.push(tf.exp(tf.neg(lossRow)));
      else if (name === "el2n") rows.push(tf.sqrt(tf.sum(tf.square(tf.sub(tf.softmax(logits), oneHot)), 1)));
      else {
        const trueLogit = tf.sum(tf.mul(logits, oneHot), 1);
        // 1e30 pushes the true class below every other logit; exact for the others (x - 0).
        const otherMax = tf.max(tf.sub(logits, tf.mul(oneHot, 1e30)), 1);
        rows.push(tf.sub(trueLogit, otherMax));
      }
    }
    if (options.predicted) rows.push(argMax.toFloat());
    return tf.stack(rows) as tf.Tensor2D;
  });
}

/**
 * One SGD step on a batch. Everything runs inside tf.tidy; the returned tensor is the
 * caller's to read and dispose.
 * @returns [2 + floats.length (+ 1 with predicted), batchSize] example rows (see exampleRows) taken from the
 *   training-mode forward ("presentation") or an inference-mode forward before the step
 *   ("eval"); for "off", the batch's mean loss as shape [1, 1].
 */
export function trainStep(model: tf.LayersModel, optimizer: Sgd, batch: Batch, options: StepOptions): tf.Tensor2D {
  const { lr, tracking, floats, nClasses } = options;
  const predicted = { predicted: options.predicted };
  let rows: tf.Tensor2D | null = null;
  return tf.tidy(() => {
    const x = tf.tensor4d(batch.images, batch.shape); // [B, H, W, C]
    const labels = tf.tensor1d(batch.labels, "int32"); // [B]
    if (tracking === "eval") rows = exampleRows(model.apply(x, { training: false }) as tf.Tensor2D, labels, floats, undefined, predicted);
    const oneHot = tf.oneHot(labels, nClasses).toFloat() as tf.Tensor2D; // [B, nClasses]
    const { value: loss, grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor2D; // [B, nClasses]
      const losses = perExampleLoss(logits, oneHot); // [B]
      // Kept: the gradient scope would otherwise free it; trainStep's caller disposes it.
      if (tracking === "presentation") rows = tf.keep(exampleRows(logits, labels, floats, losses, predicted));
      return tf.mean<tf.Scalar>(losses);
    }, optimizer.variables);
    optimizer.step(
      optimizer.variables.map((v) => grads[v.name]),
      lr,
    );
    return rows ?? loss.reshape<tf.Tensor2D>([1, 1]);
  });
}

/**
 * Mean loss and accuracy of `model` on a whole split, inference mode.
 * @returns loss in nats, acc in [0, 1], seconds of wall time; null if `options.stop` fired first.
 */
async function evaluate(
  model: tf.LayersModel,
  source: BatchSource,
  options: { batchSize: number; epoch?: number; stop?: AbortSignal },
): Promise<{ loss: number; acc: number; seconds: number } | null> {
  const started = performance.now();
  let lossSum = 0;
  let correctSum = 0;
  let n = 0;
  for await (const batch of source.batches(options.epoch ?? 0, options.batchSize)) {
    await eventLoopTurn(); // a stop request arrives through the event loop (see trainLoop)
    if (options.stop?.aborted) return null;
    const sums = tf.tidy(() => {
      const x = tf.tensor4d(batch.images, batch.shape);
      const rows = exampleRows(model.apply(x, { training: false }) as tf.Tensor2D, tf.tensor1d(batch.labels, "int32"), []);
      return tf.sum(rows, 1); // [2]: correct count, loss sum
    });
    batch.release?.();
    const [correct, loss] = await sums.data();
    sums.dispose();
    correctSum += correct;
    lossSum += loss;
    n += batch.labels.length;
  }
  return { loss: lossSum / n, acc: correctSum / n, seconds: (performance.now() - started) / 1000 };
}

/**
 * Where a stop request left the run: after `epochsCompleted` epochs plus `batchesDone` of
 * the next (0: at an epoch end, with that epoch's files written).
 */
export interface LoopStop {
  epochsCompleted: number;
  batchesDone: number;
  /** Batches per epoch. */
  batches: number;
}

/**
 * Trains epochs startEpoch .. config.epochs - 1 (or until stopAfterEpochs, or a stop request).
 * @returns where a stop request (options.stop) ended training, after its checkpoint was
 *   written; null when training ran to its end (or to stopAfterEpochs).
 */
export async function trainLoop(options: TrainLoopOptions): Promise<LoopStop | null> {
  const { model, optimizer, train, test, config, onProgress, stop } = options;
  const nPresented = train.subsetIds?.length ?? train.nExamples;
  const itersPerEpoch = Math.ceil(nPresented / config.batchSize);
  const recordPredicted = config.recordPredicted === true;
  const tracker = new ForgettingTracker(train.nExamples, config.recordFloats, { predictedClasses: recordPredicted ? train.nClasses : undefined });
  const nFloats = config.recordFloats.length;
  const checkpointEveryMs = (config.checkpointEveryMinutes ?? 0) * 60_000;
  let lastCheckpoint = performance.now();
  // Progress (throughput, ETA) counts this session only: a resumed run's earlier sessions ran at another time.
  const sessionStarted = performance.now();
  const resumedBatches = options.midEpoch?.batchesDone ?? 0;
  const sessionImagesTotal = (config.epochs - options.startEpoch) * nPresented - Math.min(resumedBatches * config.batchSize, nPresented);
  let sessionImages = 0;
  let sessionTrainMs = 0;
  // Stopped before the first step (while the data loaded): the checkpoint on disk is this very position.
  if (stop?.aborted) return { epochsCompleted: options.startEpoch, batchesDone: resumedBatches, batches: itersPerEpoch };

  for (let epoch = options.startEpoch; epoch < config.epochs; epoch++) {
    tracker.startEpoch();
    const resumed = epoch === options.startEpoch ? options.midEpoch : undefined;
    if (resumed) tracker.restore(resumed.record);
    let lossSum = resumed?.lossSum ?? 0;
    let correctSum = resumed?.correctSum ?? 0;
    let seen = resumed?.seen ?? 0;
    let batchesDone = resumed?.batchesDone ?? 0;
    // The rate of the last batch trained, for the log row (schedules are pure functions of the position).
    let lr = batchesDone > 0 ? learningRateAt(config, { epoch, iteration: batchesDone - 1, itersPerEpoch }) : 0;
    const epochStarted = performance.now();
    // Time spent writing mid-epoch checkpoints, left out of the epoch's train_time.
    let checkpointMs = 0;
    const epochTrainMs = () => performance.now() - epochStarted - checkpointMs;
    let pending: Promise<void> = Promise.resolve();
    const checkpointMidEpoch = async () => {
      const began = performance.now();
      await options.onMidEpochCheckpoint?.({
        epoch,
        state: { batchesDone, lossSum, correctSum, seen, trainSeconds: (resumed?.trainSeconds ?? 0) + epochTrainMs() / 1000, record: tracker.partialRecord() },
      });
      lastCheckpoint = performance.now();
      checkpointMs += lastCheckpoint - began;
    };

    for await (const batch of train.batches(epoch, config.batchSize, { fromBatch: batchesDone })) {
      // 1) lr
      lr = learningRateAt(config, { epoch, iteration: batch.index, itersPerEpoch });

      // 2) + 3) forward + per-example stats, apply grads
      const rows = trainStep(model, optimizer, batch, { lr, tracking: config.trackingMode, floats: config.recordFloats, predicted: recordPredicted, nClasses: train.nClasses });
      batch.release?.(); // the step's tensors (disposed by now) were the last readers of batch.images

      // 4) read back the previous step while this one is queued, then queue this one's read
      await pending;
      const exampleIds = batch.exampleIds;
      pending = rows.data().then((values) => {
        rows.dispose();
        const b = exampleIds.length;
        const correct = values.subarray(0, b);
        const floats: Partial<Record<FloatRecordName, Float32Array>> = {};
        for (let f = 0; f < nFloats; f++) floats[config.recordFloats[f]] = values.subarray((2 + f) * b, (3 + f) * b) as Float32Array;
        tracker.add(exampleIds, correct, floats, recordPredicted ? values.subarray((2 + nFloats) * b, (3 + nFloats) * b) : undefined);
        for (let i = 0; i < b; i++) {
          correctSum += correct[i];
          lossSum += values[b + i];
        }
        seen += b;
      });
      batchesDone = batch.index + 1;
      sessionImages += exampleIds.length;

      // 5) log
      if (onProgress) {
        const elapsed = (performance.now() - sessionStarted) / 1000;
        onProgress({
          phase: "train",
          epoch: epoch + 1,
          epochs: config.epochs,
          batch: batchesDone,
          batches: itersPerEpoch,
          loss: seen ? lossSum / seen : NaN,
          acc: seen ? correctSum / seen : NaN,
          lr,
          imagesPerSec: (sessionImages * 1000) / (sessionTrainMs + epochTrainMs()),
          etaSeconds: ((sessionImagesTotal - sessionImages) * elapsed) / sessionImages,
        });
      }

      // On the wasm and cpu backends every await above settles as a microtask: one turn of the event
      // loop lets a signal handler (SIGTERM -> options.stop) run.
      await eventLoopTurn();
      // A stop request, or checkpointEveryMinutes passed (not at the last batch: the epoch-end checkpoint is next).
      const checkpointDue = checkpointEveryMs > 0 && batchesDone < itersPerEpoch && performance.now() - lastCheckpoint >= checkpointEveryMs;
      if (stop?.aborted || checkpointDue) {
        await pending;
        await checkpointMidEpoch();
        if (stop?.aborted) return { epochsCompleted: epoch, batchesDone, batches: itersPerEpoch };
      }
    }
    await pending;
    const trainTime = (resumed?.trainSeconds ?? 0) + epochTrainMs() / 1000;
    sessionTrainMs += epochTrainMs();

    // eval on the test split (every evalEvery epochs and always after the last)
    const evaluateNow = (epoch + 1) % config.evalEvery === 0 || epoch + 1 === config.epochs;
    if (evaluateNow && onProgress && !stop?.aborted) {
      onProgress({ phase: "eval", epoch: epoch + 1, epochs: config.epochs, batch: itersPerEpoch, batches: itersPerEpoch, loss: lossSum / seen, acc: correctSum / seen, lr, imagesPerSec: (sessionImages * 1000) / sessionTrainMs, etaSeconds: NaN });
    }
    const val = evaluateNow ? await evaluate(model, test, { batchSize: config.batchSize, epoch, stop }) : null;
    if (evaluateNow && !val) {
      // Stopped before or during the evaluation: every batch is trained, the resumed run evaluates.
      await checkpointMidEpoch();
      return { epochsCompleted: epoch, batchesDone, batches: itersPerEpoch };
    }

    // checkpoint: records, log, stats and checkpoint files (the caller's side effects)
    await options.onEpochEnd({
      epoch,
      tracker,
      log: {
        epoch: epoch + 1,
        acc: val ? val.acc : null,
        lr,
        train_loss: lossSum / seen,
        train_acc: correctSum / seen,
        train_time: trainTime,
        val_loss: val ? val.loss : null,
        val_time: val ? val.seconds : null,
        images_per_s: seen / trainTime,
      },
    });
    lastCheckpoint = performance.now();

    // stop
    if (stop?.aborted && epoch + 1 < config.epochs) return { epochsCompleted: epoch + 1, batchesDone: 0, batches: itersPerEpoch };
    if (options.stopAfterEpochs !== undefined && epoch + 1 >= options.stopAfterEpochs) break;
  }
  return null;
}
