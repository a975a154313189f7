import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ValueError } from "../../src/core/errors";
import { DEFAULT_TRAIN_CONFIG, TRAIN_PRESETS, configDifferences, parseConfigOverrides, resolveTrainConfig } from "../../src/config/train";

const rejects = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: Error) => e instanceof ValueError && re.test(e.message));

test("resolveTrainConfig({}) returns the defaults; partial fields override", () => {
  assert.deepEqual(resolveTrainConfig({}), DEFAULT_TRAIN_CONFIG);
  const c = resolveTrainConfig({ epochs: 3, lr: 0.2, milestones: [1, 2] });
  assert.equal(c.epochs, 3);
  assert.equal(c.lr, 0.2);
  assert.deepEqual(c.milestones, [1, 2]);
  assert.equal(c.batchSize, DEFAULT_TRAIN_CONFIG.batchSize);
});

test("resolveTrainConfig(preset) accepts every preset of the paper's recipes", () => {
  for (const [name, preset] of Object.entries(TRAIN_PRESETS)) assert.doesNotThrow(() => resolveTrainConfig(preset), name);
  const cifar = resolveTrainConfig(TRAIN_PRESETS.cifar);
  assert.deepEqual([cifar.lr, cifar.momentum, cifar.nesterov, cifar.weightDecay, cifar.gamma], [0.1, 0.9, true, 5e-4, 0.2]);
  assert.deepEqual(cifar.milestones, [60, 120, 160]);
});

test("resolveTrainConfig(partial) rejects an unknown key, listing the valid keys", () => {
  rejects(() => resolveTrainConfig({ epoch: 3 } as never), /unknown config key "epoch"; valid keys: model, dataset, folder, epochs, batchSize/);
});

test("resolveTrainConfig(partial) rejects an unknown model, dataset or tracking mode, listing the choices", () => {
  rejects(() => resolveTrainConfig({ model: "vgg16" as never }), /config\.model: expected one of "mnist-cnn", "digits-mlp".*got "vgg16"/);
  rejects(() => resolveTrainConfig({ dataset: "svhn" as never }), /config\.dataset: expected one of "digits", "mnist".*got "svhn"/);
  rejects(() => resolveTrainConfig({ trackingMode: "train" as never }), /config\.trackingMode: expected one of "presentation", "eval", got "train"/);
  rejects(() => resolveTrainConfig({ recordFloats: ["entropy" as never] }), /config\.recordFloats: expected one of "loss", "margin", "prob", got "entropy"/);
});

test("resolveTrainConfig(partial) rejects non-positive epochs or batch size and a non-finite lr", () => {
  rejects(() => resolveTrainConfig({ epochs: 0 }), /config\.epochs: expected an integer > 0, got 0/);
  rejects(() => resolveTrainConfig({ epochs: 2.5 }), /config\.epochs: expected an integer, got 2\.5/);
  rejects(() => resolveTrainConfig({ batchSize: -8 }), /config\.batchSize: expected an integer > 0, got -8/);
  rejects(() => resolveTrainConfig({ lr: NaN }), /config\.lr: expected a finite number, got NaN/);
  rejects(() => resolveTrainConfig({ lr: Infinity }), /config\.lr: expected a finite number, got Infinity/);
  rejects(() => resolveTrainConfig({ lr: "0.1" as never }), /config\.lr: expected a finite number, got "0\.1"/);
  rejects(() => resolveTrainConfig({ lr: -0.1 }), /config\.lr: expected a finite number >= 0, got -0\.1/);
});

test("resolveTrainConfig(partial) rejects wrong types and inconsistent values", () => {
  rejects(() => resolveTrainConfig({ nesterov: "yes" as never }), /config\.nesterov: expected true or false, got "yes"/);
  rejects(() => resolveTrainConfig({ momentum: 0, nesterov: true }), /config\.nesterov: expected momentum > 0/);
  rejects(() => resolveTrainConfig({ momentum: 1 }), /config\.momentum: expected a number in \[0, 1\), got 1/);
  rejects(() => resolveTrainConfig({ milestones: [120, 60] }), /config\.milestones: expected increasing integers > 0, got \[120, 60\]/);
  rejects(() => resolveTrainConfig({ labelNoise: 1 }), /config\.labelNoise: expected a fraction in \[0, 1\), got 1/);
  rejects(() => resolveTrainConfig({ warmupEpochs: 20, epochs: 10 }), /config\.warmupEpochs: expected a number in \[0, epochs=10\], got 20/);
  rejects(() => resolveTrainConfig({ removeIds: [1, -2] }), /config\.removeIds: expected exampleIds >= 0/);
});

test("parseConfigOverrides(args) parses each value by its key's type (kebab-case or camelCase keys)", () => {
  assert.deepEqual(parseConfigOverrides(["--epochs=5", "--batch-size=128", "--lr=0.1", "--nesterov=true", "--milestones=60,120,160", "--recordFloats=loss,margin", "--model=mnist-cnn"]), {
    epochs: 5,
    batchSize: 128,
    lr: 0.1,
    nesterov: true,
    milestones: [60, 120, 160],
    recordFloats: ["loss", "margin"],
    model: "mnist-cnn",
  });
});

test("parseConfigOverrides(args) rejects unknown keys, bad syntax and wrong types", () => {
  rejects(() => parseConfigOverrides(["--epoch=3"]), /unknown config key "epoch"; valid keys: model, dataset/);
  rejects(() => parseConfigOverrides(["epochs=3"]), /expected --key=value, got "epochs=3"/);
  rejects(() => parseConfigOverrides(["--epochs=three"]), /--epochs: expected an integer, got "three"/);
  rejects(() => parseConfigOverrides(["--lr=fast"]), /--lr: expected a finite number, got "fast"/);
  rejects(() => parseConfigOverrides(["--augment-flag=1"]), /unknown config key "augment-flag"/);
  rejects(() => parseConfigOverrides(["--nesterov=maybe"]), /--nesterov: expected true or false, got "maybe"/);
});

test("configDifferences(a, b) lists the keys whose values differ", () => {
  const a = resolveTrainConfig({});
  assert.deepEqual(configDifferences(a, resolveTrainConfig({})), []);
  assert.deepEqual(configDifferences(a, resolveTrainConfig({ lr: 0.2, milestones: [3] })), ["lr", "milestones"]);
});

test("resolveTrainConfig(partial) checks the image-folder options imageSize, classIndex, skipBadFiles and normalizeMean/normalizeStd", () => {
  const folder = resolveTrainConfig({ dataset: "folder", folder: "f", imageSize: 32, classIndex: "index.json", skipBadFiles: true, normalizeMean: [0.5, 0.5, 0.5], normalizeStd: [0.25, 0.25, 0.25] });
  assert.deepEqual([folder.imageSize, folder.classIndex, folder.skipBadFiles], [32, "index.json", true]);
  // Unset, they stay out of the resolved config, so runs recorded before these keys existed keep their config.
  assert.deepEqual(Object.keys(resolveTrainConfig(TRAIN_PRESETS.imagenet)).filter((k) => ["imageSize", "classIndex", "skipBadFiles", "normalizeMean", "normalizeStd"].includes(k)), []);
  rejects(() => resolveTrainConfig({ imageSize: 32 }), /config\.imageSize: expected dataset "folder" \(it sets how image folders are read\), got dataset "digits"/);
  rejects(() => resolveTrainConfig({ skipBadFiles: true }), /config\.skipBadFiles: expected dataset "folder"/);
  rejects(() => resolveTrainConfig({ dataset: "folder", imageSize: 0 }), /config\.imageSize: expected an integer > 0, got 0/);
  rejects(() => resolveTrainConfig({ normalizeMean: [0.5] }), /config\.normalizeMean\/normalizeStd: expected both or neither, got only normalizeMean/);
  rejects(() => resolveTrainConfig({ normalizeMean: [0.5], normalizeStd: [0] }), /expected equal non-empty lists \(one value per channel\) with std > 0, got mean \[0\.5\], std \[0\]/);
  assert.deepEqual(parseConfigOverrides(["--image-size=64", "--normalize-mean=0.5,0.4,0.3"]), { imageSize: 64, normalizeMean: [0.5, 0.4, 0.3] });
});
