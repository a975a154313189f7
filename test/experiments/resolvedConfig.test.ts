import { test } from "node:test";
import * as assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import { planRuns } from "../../src/config/experiment";
import { type RunManifest } from "../../src/runs/layout";
import { type WorkerJob, sweep } from "../../src/experiments/sweep";
import { isResolvedTrainConfig, resolveTrainConfig } from "../../src/config/train";
import { train } from "../../src/train/train";
import { makeTempDir } from "../analysis/fakeRuns";
import { readExperimentConfig, writeExperimentConfig } from "../../src/runs/experiment";

test("planRuns(checked experiment) hands out the configs checkExperimentConfig resolved, the same objects every time", () => {
  const root = makeTempDir("resolved-test-");
  try {
    const experiment = readExperimentConfig(writeExperimentConfig(root, { name: "grid", base: { lr: 0.2 }, budgets: [2, 1], seeds: 2 }));
    const [first, again] = [planRuns(experiment), planRuns(experiment)];
    assert.deepEqual(first.map((r) => r.runId), ["b1-s0", "b1-s1", "b2-s0", "b2-s1"]);
    assert.ok(first.every((r, i) => isResolvedTrainConfig(r.config) && r.config === again[i].config));
    assert.deepEqual(first[3].config, resolveTrainConfig({ lr: 0.2, epochs: 2, seed: 1 }));
    // The checked experiment is frozen, so its plan cannot go stale.
    assert.ok(Object.isFrozen(experiment) && Object.isFrozen(experiment.base) && Object.isFrozen(experiment.budgets));
    // An unchecked definition (here a modified copy) is checked by planRuns itself.
    assert.throws(() => planRuns({ ...experiment, base: { lr: -1 } }), {
      name: "ValueError",
      message: 'planRuns: field "base" with budget 1: resolveTrainConfig: config.lr: expected a finite number >= 0, got -1',
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

/** A worker that trains in this process, so the config object it gets can be followed into train(). */
function inProcessWorker(seen: { job: WorkerJob; manifest: RunManifest }[]) {
  return (job: WorkerJob): ChildProcess => {
    const child = new EventEmitter() as ChildProcess;
    train(job.config, { outputsRoot: job.outputsRoot, experiment: job.experiment, runId: job.runId, quiet: true }).then(
      (manifest) => {
        seen.push({ job, manifest });
        child.emit("close", 0);
      },
      (err: Error) => {
        child.emit("error", err);
        child.emit("close", 1);
      },
    );
    return child;
  };
}

test("sweep -> worker -> train: the planned run's resolved config reaches train() and the manifest as the same object", async () => {
  const root = makeTempDir("resolved-test-");
  try {
    const dir = writeExperimentConfig(root, { name: "grid", base: { dataset: "digits", batchSize: 256 }, budgets: [1], seeds: 1 });
    const seen: { job: WorkerJob; manifest: RunManifest }[] = [];
    const summary = await sweep(dir, { workers: 1, spawnWorker: inProcessWorker(seen), pollSeconds: 60 });
    assert.deepEqual([summary.completed, summary.failed], [["b1-s0"], []]);
    const [{ job, manifest }] = seen;
    assert.ok(isResolvedTrainConfig(job.config));
    assert.deepEqual(job.config, planRuns(readExperimentConfig(dir))[0].config);
    // Not a copy made by a second resolve: train() used the config it was given.
    assert.equal(manifest.config, job.config);
    assert.equal(manifest.status, "completed");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("train(partial config) resolves it at that entry: the manifest holds the filled-in config", async () => {
  const root = makeTempDir("resolved-test-");
  try {
    const partial = { epochs: 1, batchSize: 256, seed: 2 };
    const manifest = await train(partial, { outputsRoot: root, experiment: "nb", runId: "r", quiet: true });
    assert.ok(isResolvedTrainConfig(manifest.config));
    assert.deepEqual(manifest.config, resolveTrainConfig(partial));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
