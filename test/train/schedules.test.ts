import { test } from "node:test";
import * as assert from "node:assert/strict";
import { learningRateAt } from "../../src/train/schedules";
import { DEFAULT_TRAIN_CONFIG } from "../../src/config/train";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test("learningRateAt(constant) is lr everywhere", () => {
  const c = { ...DEFAULT_TRAIN_CONFIG, lr: 0.01 };
  assert.equal(learningRateAt(c, { epoch: 0, iteration: 0, itersPerEpoch: 10 }), 0.01);
  assert.equal(learningRateAt(c, { epoch: 9, iteration: 9, itersPerEpoch: 10 }), 0.01);
});

test("learningRateAt(multistep [60,120,160] x0.2) follows the paper's CIFAR recipe", () => {
  const c = { ...DEFAULT_TRAIN_CONFIG, lr: 0.1, epochs: 200, schedule: "multistep" as const, milestones: [60, 120, 160], gamma: 0.2 };
  const at = (epoch: number) => learningRateAt(c, { epoch, iteration: 3, itersPerEpoch: 10 });
  close(at(0), 0.1);
  close(at(59), 0.1);
  close(at(60), 0.02);
  close(at(119), 0.02);
  close(at(120), 0.004);
  close(at(160), 0.0008);
  close(at(199), 0.0008);
});

test("learningRateAt(warmup-cosine) warms up linearly from 0 per iteration then decays to ~0", () => {
  // lr 0.1, 10 epochs of 5 iterations, 2 warmup epochs: W = 10 steps, T = 50 steps.
  const c = { ...DEFAULT_TRAIN_CONFIG, lr: 0.1, epochs: 10, schedule: "warmup-cosine" as const, warmupEpochs: 2 };
  const at = (epoch: number, iteration: number) => learningRateAt(c, { epoch, iteration, itersPerEpoch: 5 });
  close(at(0, 0), 0);
  close(at(0, 1), 0.01);
  close(at(1, 0), 0.05); // t = 5
  close(at(2, 0), 0.1); // t = 10: end of warmup, cos(0) = 1
  close(at(6, 0), 0.05); // t = 30: halfway through the decay, cos(pi/2) = 0
  close(at(9, 4), 0.1 * (1 - 0.9969173337331280) / 2); // t = 49: cos(39 pi / 40) = -cos(pi / 40)
});
