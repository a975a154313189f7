import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { FileFormatError } from "../../src/core/errors";
import { DEFAULT_TRAIN_CONFIG, isResolvedTrainConfig } from "../../src/config/train";
import { readManifest } from "../../src/runs/manifest";
import { sweepStatus } from "../../src/runs/status";
import { writeExperimentConfig } from "../../src/runs/experiment";
import { makeTempDir, writeFakeRun } from "../analysis/fakeRuns";

test("readManifest(dir) resolves the manifest's config once: defaults filled in, a checked config", () => {
  const root = makeTempDir("manifest-test-");
  try {
    const dir = writeFakeRun(root, { runId: "r", seed: 3, sequences: [[1, 0]], config: { lr: 0.2 } });
    const { config } = readManifest(dir);
    assert.deepEqual(config, { ...DEFAULT_TRAIN_CONFIG, lr: 0.2, seed: 3, epochs: 2 });
    assert.ok(isResolvedTrainConfig(config));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("readManifest(dir) with a bad config: one-line FileFormatError naming the file and the field", () => {
  const root = makeTempDir("manifest-test-");
  try {
    const cases: [Record<string, unknown>, string][] = [
      [{ lr: -1 }, "resolveTrainConfig: config.lr: expected a finite number >= 0, got -1"],
      [{ seed: 1.5 }, "resolveTrainConfig: config.seed: expected an integer, got 1.5"],
      [{ model: "vgg16" }, 'resolveTrainConfig: config.model: expected one of "mnist-cnn", "digits-mlp", "digits-cnn", "resnet20-cifar", "resnet18-cifar", "resnet50", got "vgg16"'],
      [{ trackingMode: "train" }, 'resolveTrainConfig: config.trackingMode: expected one of "presentation", "eval", got "train"'],
    ];
    cases.forEach(([config, reason], i) => {
      const dir = writeFakeRun(root, { runId: `r${i}`, seed: 0, sequences: [[1, 0]] });
      const file = path.join(dir, "manifest.json");
      const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
      Object.assign(manifest.config, config);
      fs.writeFileSync(file, JSON.stringify(manifest));
      assert.throws(() => readManifest(dir), (err: Error) => {
        assert.ok(err instanceof FileFormatError);
        assert.equal(err.message, `${file}: field "config" is no longer a valid config: ${reason}`);
        assert.ok(!err.message.includes("\n"));
        return true;
      });
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("sweepStatus(dir): a run folder whose manifest config is invalid is no match; its planned run is unreadable, with the reason", () => {
  const root = makeTempDir("manifest-test-");
  try {
    const dir = writeExperimentConfig(root, { name: "grid", base: {}, budgets: [2], seeds: 1 });
    const runDir = writeFakeRun(dir, { runId: "b2-s0", seed: 0, sequences: [[1, 1]] });
    assert.deepEqual(sweepStatus(dir).map((s) => s.state), ["completed"]);
    const file = path.join(runDir, "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    manifest.config.batchSize = 0;
    fs.writeFileSync(file, JSON.stringify(manifest));
    // Not "pending": that would hide a run that exists and blocks its id.
    assert.deepEqual(
      sweepStatus(dir).map((s) => [s.state, s.error]),
      [["unreadable", `${file}: field "config" is no longer a valid config: resolveTrainConfig: config.batchSize: expected an integer > 0, got 0`]],
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
