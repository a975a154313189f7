import { test } from "node:test";
import * as assert from "node:assert/strict";
import { formatDuration, formatSweepProgress, formatTrainProgress } from "../../src/core/progress";

test("formatDuration(seconds) shows seconds, minutes or hours, and ? when unknown", () => {
  assert.equal(formatDuration(45.4), "45s");
  assert.equal(formatDuration(187), "3m07s");
  assert.equal(formatDuration(7500), "2h05m");
  assert.equal(formatDuration(NaN), "?");
});

test("formatTrainProgress(progress) shows epoch, batch, loss, acc, lr, images/s and ETA", () => {
  const p = { phase: "train" as const, epoch: 3, epochs: 10, batch: 45, batches: 90, loss: 0.41234, acc: 0.8712, lr: 0.05, imagesPerSec: 1234.4, etaSeconds: 83 };
  assert.equal(formatTrainProgress(p), "epoch 3/10  batch 45/90  loss 0.4123  acc 0.871  lr 0.05  1234 img/s  ETA 1m23s");
  assert.equal(formatTrainProgress({ ...p, phase: "eval" }), "epoch 3/10  evaluating on the test split...");
});

test("formatSweepProgress(progress) shows runs, epochs, elapsed time, ETA and the running runs", () => {
  const p = { runsDone: 3, runsTotal: 5, epochsDone: 12, epochsTotal: 20, running: [{ runId: "b2-s0", budget: 2, seed: 0, epochsCompleted: 1 }], elapsedSeconds: 65, etaSeconds: NaN };
  assert.equal(formatSweepProgress(p), "runs 3/5  epochs 12/20  1m05s elapsed  ETA -  running: b2-s0 1/2");
});
