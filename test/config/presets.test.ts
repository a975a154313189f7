/**
 * Every training preset against the recipe it cites, value by value, and what the values do:
 * the learning rate at the cited epochs and the transforms the data pipeline builds.
 * The recipes, copied here from their sources (not from src/config/train.ts):
 * - Toneva et al. 2019, "An Empirical Study of Example Forgetting during Deep Neural Network
 *   Learning" (ICLR 2019, arXiv 1812.05159), MNIST: the CNN conv(1->10, k5) - maxpool2 - relu -
 *   conv(10->20, k5) - maxpool2 - relu - fc(320->50) - relu - fc(50->10), SGD lr 0.01, momentum
 *   0.5, batch 64, 200 epochs, normalized with mean 0.1307, std 0.3081; correctness taken at
 *   the presentation (the official code).
 * - Toneva et al. 2019, CIFAR-10: ResNet-18, batch 128, SGD lr 0.1, Nesterov momentum 0.9,
 *   weight decay 5e-4, lr x0.2 at epochs 60, 120, 160, 200 epochs; RandomCrop(32, padding 4) +
 *   horizontal flip.
 * - The ImageNet reference study (README, first section): ResNet-50, batch 256, SGD lr 0.1,
 *   momentum 0.9, weight decay 1e-4 on all parameters, linear warmup from 0 over 5 epochs then
 *   cosine decay to about 0 updated every iteration, 90 epochs (one of its budgets 40-450);
 *   RandomResizedCrop(224) + flip + normalize for training, Resize(256) + CenterCrop(224) for
 *   validation; correctness from an extra inference-mode forward (`eval`).
 * - digits cites no paper: README's Presets line, "MLP, lr 0.05, momentum 0.9, batch 32, 10 epochs".
 * The models' layer shapes and parameter counts are checked in test/models/models.test.ts.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { TRAIN_PRESETS, resolveTrainConfig } from "../../src/config/train";
import { openDataset } from "../../src/data";
import { learningRateAt } from "../../src/train/schedules";
import { SHARED_DATA, constantPng, missingShared, tempDir } from "../data/shared";
import { skipIfMissing } from "../requirements";

/** A preset resolved; a folder preset gets a folder, as --folder gives it. */
function resolvedPreset(name: keyof typeof TRAIN_PRESETS) {
  const preset = TRAIN_PRESETS[name];
  return resolveTrainConfig({ ...preset, ...(preset.dataset === "folder" ? { folder: "f" } : {}) });
}

/** The resolved preset's fields that a recipe fixes. */
function recipeFields(name: keyof typeof TRAIN_PRESETS) {
  const c = resolvedPreset(name);
  return {
    model: c.model,
    dataset: c.dataset,
    epochs: c.epochs,
    batchSize: c.batchSize,
    lr: c.lr,
    momentum: c.momentum,
    nesterov: c.nesterov,
    weightDecay: c.weightDecay,
    weightDecayExcludeBnAndBias: c.weightDecayExcludeBnAndBias,
    schedule: c.schedule,
    trackingMode: c.trackingMode,
    labelNoise: c.labelNoise,
    permutePixels: c.permutePixels,
  };
}

/** Learning rate at the first iteration of 0-based `epoch`, or at `iteration` within it. */
function lrAt(name: keyof typeof TRAIN_PRESETS, epoch: number, iteration = 0, itersPerEpoch = 100): number {
  return learningRateAt(resolvedPreset(name), { epoch, iteration, itersPerEpoch });
}

/** What both small recipes leave at plain values: SGD without Nesterov or weight decay, a constant rate, correctness at presentation, clean data. */
const PLAIN_SGD_ON_CLEAN_DATA = {
  nesterov: false, weightDecay: 0, weightDecayExcludeBnAndBias: false, schedule: "constant", trackingMode: "presentation", labelNoise: 0, permutePixels: false,
};

test("preset digits = README's Presets line: MLP on the embedded digits, lr 0.05, momentum 0.9, batch 32, 10 epochs, constant rate", () => {
  assert.deepEqual(recipeFields("digits"), {
    model: "digits-mlp", dataset: "digits", epochs: 10, batchSize: 32,
    lr: 0.05, momentum: 0.9,
    ...PLAIN_SGD_ON_CLEAN_DATA,
  });
  assert.deepEqual([lrAt("digits", 0), lrAt("digits", 9)], [0.05, 0.05]);
});

test("preset mnist = Toneva et al. 2019 (MNIST): the paper's CNN, SGD lr 0.01 momentum 0.5, batch 64, 200 epochs, constant rate", () => {
  assert.deepEqual(recipeFields("mnist"), {
    model: "mnist-cnn", dataset: "mnist", epochs: 200, batchSize: 64,
    lr: 0.01, momentum: 0.5,
    ...PLAIN_SGD_ON_CLEAN_DATA,
  });
  assert.deepEqual([lrAt("mnist", 0), lrAt("mnist", 199, 99)], [0.01, 0.01]);
});

test("preset mnist on the real MNIST files: no augmentation, normalized with the paper's 0.1307 / 0.3081", async (t) => {
  if (skipIfMissing(t, missingShared("mnist"))) return;
  const mnist = resolveTrainConfig(TRAIN_PRESETS.mnist);
  const { variant } = await openDataset({ dataset: mnist.dataset, dataRoot: SHARED_DATA, augment: mnist.augment, seed: 0 });
  assert.deepEqual(variant.trainTransforms.map((step) => step.kind), ["normalize"]);
  assert.deepEqual(variant.testTransforms.map((step) => step.kind), ["normalize"]);
  assert.deepEqual([variant.normalize.mean[0].toFixed(4), variant.normalize.std[0].toFixed(4)], ["0.1307", "0.3081"]);
});

test("preset cifar = Toneva et al. 2019 (CIFAR-10): ResNet-18, batch 128, lr 0.1 Nesterov 0.9, wd 5e-4, x0.2 at 60/120/160, 200 epochs, RandomCrop(32, 4) + flip", async () => {
  assert.deepEqual(recipeFields("cifar"), {
    model: "resnet18-cifar", dataset: "cifar10", epochs: 200, batchSize: 128,
    lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4, weightDecayExcludeBnAndBias: false, schedule: "multistep",
    trackingMode: "presentation", labelNoise: 0, permutePixels: false,
  });
  // PyTorch MultiStepLR([60, 120, 160], gamma 0.2) stepped once per epoch: 0-based epochs
  // 0-59 at 0.1, 60-119 at 0.02, 120-159 at 0.004, 160-199 at 0.0008.
  const epochs = [0, 59, 60, 119, 120, 159, 160, 199];
  const expected = [0.1, 0.1, 0.02, 0.02, 0.004, 0.004, 0.0008, 0.0008];
  epochs.forEach((epoch, k) => assert.ok(Math.abs(lrAt("cifar", epoch, 50) - expected[k]) < 1e-12, `epoch ${epoch}: ${lrAt("cifar", epoch, 50)} vs ${expected[k]}`));
  // The training transforms, built from one record per official file.
  const dataRoot = tempDir("preset-cifar");
  const batches = path.join(dataRoot, "cifar10", "cifar-10-batches-bin");
  fs.mkdirSync(batches, { recursive: true });
  for (const file of ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"]) {
    fs.writeFileSync(path.join(batches, file), Buffer.concat([Buffer.from([3]), Buffer.alloc(3072, 128)]));
  }
  const { variant } = await openDataset({ dataset: "cifar10", dataRoot, augment: TRAIN_PRESETS.cifar.augment, seed: 0 });
  assert.deepEqual(variant.trainTransforms.slice(0, 2), [{ kind: "randomCrop", size: 32, padding: 4 }, { kind: "horizontalFlip" }]);
  assert.deepEqual(variant.trainTransforms.slice(2).map((t) => t.kind), ["normalize"], "no cutout: the paper's plain setting");
  assert.deepEqual(variant.testTransforms.map((t) => t.kind), ["normalize"]);
});

test("preset imagenet = the ImageNet reference study: ResNet-50, batch 256, lr 0.1 m 0.9, wd 1e-4 on all parameters, 5 warmup epochs then cosine, 90 epochs, eval tracking", async () => {
  assert.deepEqual(recipeFields("imagenet"), {
    model: "resnet50", dataset: "folder", epochs: 90, batchSize: 256,
    lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 1e-4, weightDecayExcludeBnAndBias: false, schedule: "warmup-cosine",
    trackingMode: "eval", labelNoise: 0, permutePixels: false,
  });
  // Linear from 0 over 5 epochs (per iteration), then cosine from 0.1 to about 0 at the last step.
  const iters = 5005; // ceil(1,281,167 / 256)
  assert.equal(lrAt("imagenet", 0, 0, iters), 0);
  assert.ok(Math.abs(lrAt("imagenet", 2, 2502, iters) - 0.05) < 1e-5, "half way through the warmup");
  assert.equal(lrAt("imagenet", 5, 0, iters), 0.1);
  assert.ok(Math.abs(lrAt("imagenet", 47, 2502, iters) - 0.05) < 1e-5, "half way through the cosine");
  assert.ok(lrAt("imagenet", 89, iters - 1, iters) < 1e-9, "about 0 at the last step");
  // The transforms, on a two-image folder in the ImageNet layout.
  const folder = tempDir("preset-imagenet");
  await constantPng(path.join(folder, "train", "n01", "a.png"), 100, 300, 280);
  await constantPng(path.join(folder, "val", "n01", "b.png"), 100, 300, 280);
  const imagenet = resolveTrainConfig({ ...TRAIN_PRESETS.imagenet, folder });
  const { variant } = await openDataset({ dataset: imagenet.dataset, folder, augment: imagenet.augment, imageSize: imagenet.imageSize, seed: 0 });
  const imagenetNormalize = { kind: "normalize", mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  assert.deepEqual(variant.trainTransforms, [{ kind: "randomResizedCrop", size: 224 }, { kind: "horizontalFlip" }, imagenetNormalize]);
  assert.deepEqual(variant.testTransforms, [{ kind: "resize", size: 256 }, { kind: "centerCrop", size: 224 }, imagenetNormalize]);
});
