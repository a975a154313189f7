import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ValueError } from "../../src/core/errors";
import { DEFAULT_TRAIN_CONFIG, TRAIN_PRESETS, configDifferences, describeConfigDifferences, isResolvedTrainConfig, kebabCaseKey, resolveTrainConfig } from "../../src/config/train";

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
  // A folder preset needs its folder, as --folder gives it.
  for (const [name, preset] of Object.entries(TRAIN_PRESETS)) assert.doesNotThrow(() => resolveTrainConfig({ ...preset, ...(preset.dataset === "folder" ? { folder: "f" } : {}) }), name);
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

test("configDifferences(a, b) lists the keys whose values differ", () => {
  const a = resolveTrainConfig({});
  assert.deepEqual(configDifferences(a, resolveTrainConfig({})), []);
  assert.deepEqual(configDifferences(a, resolveTrainConfig({ lr: 0.2, milestones: [3] })), ["lr", "milestones"]);
  // Partial configs (experiment.json's base): key order does not matter, an unset key differs from a set one.
  assert.deepEqual(configDifferences({ dataset: "digits", lr: 0.05 }, { lr: 0.05, dataset: "digits" }), []);
  assert.deepEqual(configDifferences({ lr: 0.05 }, {}), ["lr"]);
});

test("describeConfigDifferences(recorded, given, keyName) lists each differing key with both values", () => {
  const recorded = resolveTrainConfig({});
  const given = resolveTrainConfig({ batchSize: 64, milestones: [3] });
  assert.equal(describeConfigDifferences(recorded, given), "batchSize: recorded 32, given 64; milestones: recorded [], given [3]");
  assert.equal(describeConfigDifferences(recorded, given, kebabCaseKey), "batch-size: recorded 32, given 64; milestones: recorded [], given [3]");
  assert.equal(describeConfigDifferences(recorded, recorded), "");
});

test("resolveTrainConfig(partial) checks the fields openDataset and buildModel take as given", () => {
  rejects(() => resolveTrainConfig({ model: "vgg16" as never }), /config\.model: expected one of "mnist-cnn", .*"resnet50", got "vgg16"/);
  rejects(() => resolveTrainConfig({ seed: 1.5 }), /config\.seed: expected an integer, got 1\.5/);
  rejects(() => resolveTrainConfig({ augment: "wild" as never }), /config\.augment: expected one of "default", "none"/);
  rejects(() => resolveTrainConfig({ labelNoise: 1.5 }), /config\.labelNoise: expected a fraction in \[0, 1\), got 1\.5/);
  rejects(() => resolveTrainConfig({ augment: "rrc-flip" }), /^resolveTrainConfig: config\.augment: expected "rrc-flip" only for dataset "folder" \(use crop-flip or flip\), got dataset "digits"$/);
  rejects(
    () => resolveTrainConfig({ dataset: "folder", folder: "f", permutePixels: true }),
    /^resolveTrainConfig: config\.permutePixels: expected an in-memory dataset \(digits, mnist, fashion-mnist, cifar10, cifar100\), got dataset "folder"$/,
  );
  assert.doesNotThrow(() => resolveTrainConfig({ dataset: "folder", folder: "f", augment: "rrc-flip" }));
});

test("resolveTrainConfig(partial) gives permutePixels its own permutationSeed: 0 unless set, recorded, only with permutePixels", () => {
  assert.equal(resolveTrainConfig({ dataset: "mnist", permutePixels: true }).permutationSeed, 0);
  assert.equal(resolveTrainConfig({ dataset: "mnist", permutePixels: true, permutationSeed: 7 }).permutationSeed, 7);
  assert.ok(!("permutationSeed" in resolveTrainConfig({ dataset: "mnist" })), "no permutation, no permutation seed");
  // The run seed does not enter it: two seeds of a study resolve to the same permutation seed.
  assert.deepEqual(configDifferences(resolveTrainConfig({ permutePixels: true, seed: 0 }), resolveTrainConfig({ permutePixels: true, seed: 1 })), ["seed"]);
  rejects(() => resolveTrainConfig({ permutationSeed: 3 }), /^resolveTrainConfig: config\.permutationSeed: expected permutePixels true \(it seeds the pixel permutation\), got permutePixels false$/);
  rejects(() => resolveTrainConfig({ permutePixels: true, permutationSeed: -1 }), /^resolveTrainConfig: config\.permutationSeed: expected an integer >= 0, got -1$/);
  rejects(() => resolveTrainConfig({ permutePixels: true, permutationSeed: 0.5 }), /^resolveTrainConfig: config\.permutationSeed: expected an integer, got 0\.5$/);
});

test("resolveTrainConfig(partial) returns a frozen copy, and a config it returned as is", () => {
  const milestones = [2, 4];
  const resolved = resolveTrainConfig({ epochs: 6, milestones });
  assert.ok(Object.isFrozen(resolved) && Object.isFrozen(resolved.milestones));
  assert.ok(!Object.isFrozen(milestones), "the caller's array stays the caller's");
  assert.equal(Reflect.set(resolved, "epochs", 0), false);
  assert.equal(resolved.epochs, 6);
  assert.equal(resolveTrainConfig(resolved), resolved);
  assert.ok(isResolvedTrainConfig(resolved));
  // A spread is a new, unchecked config: resolving it checks it again.
  assert.ok(!isResolvedTrainConfig({ ...resolved }));
  rejects(() => resolveTrainConfig({ ...resolved, epochs: 0 }), /config\.epochs: expected an integer > 0, got 0/);
});

test("resolveTrainConfig(partial) checks the image-folder options imageSize, classIndex, skipBadFiles and normalizeMean/normalizeStd", () => {
  const folder = resolveTrainConfig({ dataset: "folder", folder: "f", imageSize: 32, classIndex: "index.json", skipBadFiles: true, normalizeMean: [0.5, 0.5, 0.5], normalizeStd: [0.25, 0.25, 0.25] });
  // Paths are stored absolute (resolved against the working folder), so a run resumes from anywhere.
  assert.deepEqual([folder.folder, folder.imageSize, folder.classIndex, folder.skipBadFiles], [`${process.cwd()}/f`, 32, `${process.cwd()}/index.json`, true]);
  // Unset, they stay out of the resolved config, so runs recorded before these keys existed keep their config.
  assert.deepEqual(Object.keys(resolveTrainConfig({ ...TRAIN_PRESETS.imagenet, folder: "f" })).filter((k) => ["imageSize", "classIndex", "skipBadFiles", "normalizeMean", "normalizeStd"].includes(k)), []);
  rejects(() => resolveTrainConfig({ imageSize: 32 }), /config\.imageSize: expected dataset "folder" \(it sets how image folders are read\), got dataset "digits"/);
  rejects(() => resolveTrainConfig({ skipBadFiles: true }), /config\.skipBadFiles: expected dataset "folder"/);
  rejects(() => resolveTrainConfig({ dataset: "folder", folder: "f", imageSize: 0 }), /config\.imageSize: expected an integer > 0, got 0/);
  rejects(() => resolveTrainConfig({ dataset: "folder" }), /config\.folder: expected the root folder of dataset "folder" \(holding train\/ and val\/ or test\/; --folder\), got none/);
  rejects(() => resolveTrainConfig({ normalizeMean: [0.5] }), /config\.normalizeMean\/normalizeStd: expected both or neither, got only normalizeMean/);
  rejects(() => resolveTrainConfig({ normalizeMean: [0.5], normalizeStd: [0] }), /expected equal non-empty lists \(one value per channel\) with std > 0, got mean \[0\.5\], std \[0\]/);
});

test("resolveTrainConfig(partial) checks checkpointEveryMinutes: unset by default, 0 resolves to unset (configs and their hash stay as before the key), negative is one line", () => {
  const plain = resolveTrainConfig({});
  assert.equal("checkpointEveryMinutes" in plain, false);
  assert.equal(JSON.stringify(resolveTrainConfig({ checkpointEveryMinutes: 0 })), JSON.stringify(plain));
  assert.equal(resolveTrainConfig({ checkpointEveryMinutes: 30 }).checkpointEveryMinutes, 30);
  assert.equal(resolveTrainConfig({ ...TRAIN_PRESETS.imagenet, folder: "/data/imagenet" }).checkpointEveryMinutes, 30);
  assert.throws(() => resolveTrainConfig({ checkpointEveryMinutes: -1 }), /^ValueError: resolveTrainConfig: config.checkpointEveryMinutes: expected a number >= 0 \(0: checkpoints at epoch ends only\), got -1$/);
  assert.throws(() => resolveTrainConfig({ checkpointEveryMinutes: "30" as unknown as number }), /config.checkpointEveryMinutes: expected a finite number, got "30"/);
});
