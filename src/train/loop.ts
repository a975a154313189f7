/**
 * The training loop: a plain loop (not `model.fit`) so the forgetting tracker reads each
 * example's correctness from the same forward pass that trains it.
 *
 * Each epoch runs these phases in this order:
 *   1) lr: the schedule's rate for this iteration;
 *   2) forward: one training-mode forward (and, in "eval" tracking mode, an extra
 *      inference-mode forward first), all inside one tf.tidy;
 *   3) apply grads: PyTorch-semantics SGD (./sgd.ts);
 *   4) read back: ONE `await data()` of the tracked forward's [batchSize, nClasses] logits per
 *      batch, read one step late so that a GPU computes step t+1 while step t's values travel;
 *      the per-example records are computed from them in JavaScript (./records.ts);
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
import { exampleRecords } from "./records";
import { CROSS_ENTROPY_GRAD_KERNEL, CROSS_ENTROPY_KERNEL } from "../core/kernelNames";
import type { LogRow } from "../runs/layout";
import { type TrainConfig, type TrackingMode } from "../config/train";
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
  nClasses: number;
}

/**
 * Mean softmax cross-entropy of a batch, in nats: one kernel each way where the backend has
 * CROSS_ENTROPY_KERNEL (about twenty fewer kernel calls a step), else tfjs' ops.
 * @param logits [batchSize, nClasses]
 * @param labels [batchSize] class indices
 */
export function meanCrossEntropy(logits: tf.Tensor2D, labels: Int32Array, nClasses: number): tf.Scalar {
  const labelTensor = tf.tensor1d(labels, "int32");
  if (!tf.getKernel(CROSS_ENTROPY_KERNEL, tf.getBackend())) {
    const oneHot = tf.oneHot(labelTensor, nClasses).toFloat(); // [B, nClasses]
    return tf.mean<tf.Scalar>(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), 1)));
  }
  const fused = tf.customGrad((...args: unknown[]) => {
    const [input, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const [loss, probs] = tf.engine().runKernel<tf.Tensor[]>(CROSS_ENTROPY_KERNEL, { logits: input, labels: labelTensor });
    save([probs, labelTensor]);
    return {
      value: loss as tf.Scalar,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.engine().runKernel<tf.Tensor>(CROSS_ENTROPY_GRAD_KERNEL, { probs: saved[0], labels: saved[1], dy: dy as tf.Tensor }),
    };
  });
  return fused(logits);
}

/**
 * One SGD step on a batch. Everything runs inside tf.tidy; the returned tensor is the
 * caller's to read and dispose.
 * @returns the [batchSize, nClasses] logits of the training-mode forward ("presentation") or
 *   of an inference-mode forward before the step ("eval"), for exampleRecords; for "off", the
 *   batch's mean loss as shape [1, 1].
 */
export function trainStep(model: tf.LayersModel, optimizer: Sgd, batch: Batch, options: StepOptions): tf.Tensor2D {
  const { lr, tracking, nClasses } = options;
  let tracked: tf.Tensor2D | null = null;
  return tf.tidy(() => {
    const x = tf.tensor4d(batch.images, batch.shape); // [B, H, W, C]
    if (tracking === "eval") tracked = model.apply(x, { training: false }) as tf.Tensor2D; // [B, nClasses]
    const { value: loss, grads } = tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor2D; // [B, nClasses]
      // Kept: the gradient scope would otherwise free it; trainStep's caller disposes it.
      if (tracking === "presentation") tracked = tf.keep(logits);
      return meanCrossEntropy(logits, batch.labels, nClasses);
    }, optimizer.variables);
    optimizer.step(
      optimizer.variables.map((v) => grads[v.name]),
      lr,
    );
    return tracked ?? loss.reshape<tf.Tensor2D>([1, 1]);
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
    const logits = tf.tidy(() => model.apply(tf.tensor4d(batch.images, batch.shape), { training: false }) as tf.Tensor2D); // [B, nClasses]
    batch.release?.();
    const { correct, loss } = exampleRecords(await logits.data(), batch.labels, source.nClasses, []);
    logits.dispose();
    for (let i = 0; i < correct.length; i++) {
      correctSum += correct[i];
      lossSum += loss[i];
    }
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

      // 2) + 3) forward, apply grads
      const logits = trainStep(model, optimizer, batch, { lr, tracking: config.trackingMode, nClasses: train.nClasses });
      batch.release?.(); // the step's tensors (disposed by now) were the last readers of batch.images

      // 4) read back the previous step while this one is queued, then queue this one's read
      await pending;
      const { exampleIds, labels } = batch;
      pending = logits.data().then((values) => {
        logits.dispose();
        const { correct, loss, floats, predicted } = exampleRecords(values, labels, train.nClasses, config.recordFloats, { predicted: recordPredicted });
        tracker.add(exampleIds, correct, floats, predicted);
        for (let i = 0; i < correct.length; i++) {
          correctSum += correct[i];
          lossSum += loss[i];
        }
        seen += correct.length;
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
