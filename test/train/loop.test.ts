import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend";
import { openDataset } from "../../src/data";
import { buildModel } from "../../src/models";
import { type TrainConfig, resolveTrainConfig } from "../../src/config/train";
import { type EpochResult, trainLoop } from "../../src/train/loop";
import { Sgd } from "../../src/train/sgd";
import { type TrainProgress } from "../../src/core/progress";

/** Trains `config` on digits with the loop alone (no files) and collects what each epoch hands over. */
async function runLoop(overrides: Partial<TrainConfig>, onProgress?: (p: TrainProgress) => void) {
  await initBackend({ backend: "wasm" });
  const config = resolveTrainConfig({ epochs: 3, batchSize: 64, seed: 5, ...overrides });
  const data = await openDataset({ dataset: "digits", seed: config.seed });
  const model = buildModel(config.model, { inputShape: data.train.inputShape, nClasses: data.train.nClasses, seed: config.seed });
  const optimizer = new Sgd(
    model.trainableWeights.map((w) => w.read() as tf.Variable),
    { momentum: config.momentum },
  );
  const epochs: Array<Omit<EpochResult, "tracker"> & { correctRow: Uint8Array; floats: Record<string, Float32Array>; numTensors: number }> = [];
  await trainLoop({
    model,
    optimizer,
    train: data.train,
    test: data.test,
    config,
    startEpoch: 0,
    onProgress,
    onEpochEnd({ epoch, tracker, log }) {
      const floats = Object.fromEntries(config.recordFloats.map((n) => [n, Float32Array.from(tracker.floatRow(n))]));
      epochs.push({ epoch, log, correctRow: tracker.correctRow(), floats, numTensors: tf.memory().numTensors });
    },
  });
  optimizer.dispose();
  model.dispose();
  return { epochs, nExamples: data.train.nExamples };
}

test("trainLoop(options) keeps tf.memory().numTensors flat across epochs (presentation and eval, with float records)", async () => {
  for (const trackingMode of ["presentation", "eval"] as const) {
    const before = tf.memory().numTensors;
    const { epochs } = await runLoop({ trackingMode, recordFloats: ["loss", "margin", "prob"] });
    const counts = epochs.map((e) => e.numTensors);
    assert.ok(counts.every((n) => n === counts[0]), `${trackingMode}: numTensors per epoch ${counts.join(", ")}`);
    assert.equal(tf.memory().numTensors, before, `${trackingMode}: tensors left after disposing model and optimizer`);
  }
});

test("trainLoop(options) with a batch-norm CNN keeps numTensors flat and learns", async () => {
  const { epochs } = await runLoop({ model: "digits-cnn", trackingMode: "eval", lr: 0.02 });
  const counts = epochs.map((e) => e.numTensors);
  assert.ok(counts.every((n) => n === counts[0]), `numTensors per epoch ${counts.join(", ")}`);
  assert.ok(epochs[2].log.acc! > 0.8, `test accuracy after 3 epochs: ${epochs[2].log.acc}`);
});

test("trainLoop(options) on an MLP (no dropout, no batch norm): presentation and eval tracking record the same correctness", async () => {
  const presentation = await runLoop({ trackingMode: "presentation", recordFloats: ["loss"] });
  const evalMode = await runLoop({ trackingMode: "eval", recordFloats: ["loss"] });
  presentation.epochs.forEach((e, i) => {
    assert.deepEqual(e.correctRow, evalMode.epochs[i].correctRow, `epoch ${i}`);
    // Same math, but the inference path may fuse ops differently: equal to float rounding.
    e.floats.loss.forEach((l, id) => assert.ok(Math.abs(l - evalMode.epochs[i].floats.loss[id]) <= 1e-5 * (1 + l), `epoch ${i} example ${id} loss`));
  });
});

test("trainLoop(options) logs every LOG_COLUMNS value, tracks every example once per epoch and reports progress", async () => {
  const progress: TrainProgress[] = [];
  const { epochs, nExamples } = await runLoop({ recordFloats: ["prob"] }, (p) => progress.push(p));
  const batches = Math.ceil(nExamples / 64);
  const trainEvents = progress.filter((p) => p.phase === "train");
  assert.equal(trainEvents.length, 3 * batches);
  assert.deepEqual(trainEvents.slice(0, batches).map((p) => p.batch), Array.from({ length: batches }, (_, i) => i + 1));
  assert.ok(trainEvents.every((p) => p.batches === batches && p.epochs === 3 && p.lr === 0.05 && p.imagesPerSec > 0));
  assert.equal(progress.filter((p) => p.phase === "eval").length, 3);
  assert.ok(Number.isFinite(trainEvents[trainEvents.length - 1].etaSeconds));
  for (const { log, floats, correctRow } of epochs) {
    for (const [column, value] of Object.entries(log)) assert.ok(typeof value === "number" && Number.isFinite(value), `${column} = ${value}`);
    assert.ok(floats.prob.every((p) => p >= 0 && p <= 1), "every example has a probability (none NaN)");
    let ones = 0;
    for (let id = 0; id < nExamples; id++) ones += (correctRow[id >> 3] >> (id & 7)) & 1;
    assert.ok(Math.abs(ones / nExamples - log.train_acc!) < 1e-9, `record has ${ones} correct, log train_acc ${log.train_acc}`);
  }
  assert.ok(epochs[2].log.train_loss! < epochs[0].log.train_loss!, "training loss decreases");
});
