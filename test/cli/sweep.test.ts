/** The base config of sweep, noise and study from --preset, --base-json, --dataset and --folder (one function for all three). */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { parseArgs } from "../../src/cli/args";
import { baseConfigFromOptions, command as sweepCommand } from "../../src/cli/sweep";
import { STUDY_BASE_CONFIG, command as studyCommand } from "../../src/cli/study";
import { TRAIN_PRESETS } from "../../src/config/train";

const base = (command: typeof sweepCommand, argv: string[], noPreset?: typeof STUDY_BASE_CONFIG) => baseConfigFromOptions(command.name, parseArgs(command, argv).options, noPreset);

test("the base is the preset (without epochs), then --base-json, then --dataset and --folder", () => {
  const { epochs: _epochs, ...mnist } = TRAIN_PRESETS.mnist;
  assert.deepEqual(base(sweepCommand, ["--preset", "mnist"]), mnist);
  assert.deepEqual(base(sweepCommand, ["--preset", "mnist", "--base-json", '{"lr":0.1,"dataset":"mnist"}', "--dataset", "fashion-mnist"]), { ...mnist, lr: 0.1, dataset: "fashion-mnist" });
  assert.deepEqual(base(sweepCommand, []), {});
  // Paths are stored absolute, so experiment.json means the same from any working directory.
  assert.deepEqual(base(sweepCommand, ["--preset", "imagenet", "--folder", "data/imagenet"]).folder, path.resolve("data/imagenet"));
  assert.equal(base(sweepCommand, ["--base-json", '{"classIndex":"classes.json"}']).classIndex, path.resolve("classes.json"));
  assert.throws(() => base(sweepCommand, ["--base-json", '{"seed":1}']), { message: `sweep --base-json: expected no "seed" (each run's seed comes from --seeds), got 1` });
});

test("study: the digits recipe without --preset, the preset with it, and the same flags as sweep", () => {
  assert.deepEqual(base(studyCommand, [], STUDY_BASE_CONFIG), STUDY_BASE_CONFIG);
  assert.deepEqual(base(studyCommand, ["--base-json", '{"trainFirst":500}'], STUDY_BASE_CONFIG), { ...STUDY_BASE_CONFIG, trainFirst: 500 });
  const { epochs: _epochs, ...cifar } = TRAIN_PRESETS.cifar;
  assert.deepEqual(base(studyCommand, ["--preset", "cifar", "--dataset", "cifar100"], STUDY_BASE_CONFIG), { ...cifar, dataset: "cifar100" });
});
