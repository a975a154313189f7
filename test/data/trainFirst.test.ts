/**
 * The subset rule `trainFirst`: training on the first N examples in the official order, alone
 * and with removeIds, checked in the config, when the data is opened, in a run's files and its
 * analysis; on digits and on the first 10,000 MNIST images.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { openDataset } from "../../src/data/index";
import { resolveTrainConfig } from "../../src/config/train";
import { cli } from "../cli/inProcess";
import { readManifest } from "../../src/runs/manifest";
import { presentedMask } from "../../src/runs/scan";
import { analyzeExperiment } from "../../src/analysis/experiment";
import { scanExperiment } from "../../src/runs/scan";
import type { Batch } from "../../src/data/types";
import { SHARED_DATA, missingShared, tempDir } from "./shared";
import { skipIfMissing } from "../requirements";

async function epochIds(batches: AsyncIterable<Batch>): Promise<number[]> {
  const ids: number[] = [];
  for await (const b of batches) ids.push(...b.exampleIds);
  return ids.sort((a, b) => a - b);
}


test("resolveTrainConfig checks trainFirst once: an integer >= 1", () => {
  assert.equal(resolveTrainConfig({ trainFirst: 100 }).trainFirst, 100);
  assert.equal("trainFirst" in resolveTrainConfig({}), false);
  assert.throws(() => resolveTrainConfig({ trainFirst: 0 }), { message: "resolveTrainConfig: config.trainFirst: expected an integer > 0, got 0" });
  assert.throws(() => resolveTrainConfig({ trainFirst: 2.5 }), { message: "resolveTrainConfig: config.trainFirst: expected an integer, got 2.5" });
});

test("openDataset({trainFirst}) presents exampleIds 0..N-1 only, with removeIds leaves those out as well", async () => {
  const first = await openDataset({ dataset: "digits", seed: 1, trainFirst: 300 });
  assert.equal(first.train.nExamples, 1438);
  assert.equal(first.variant.removedCount, 1138);
  assert.deepEqual(await epochIds(first.train.batches(0, 64)), Array.from({ length: 300 }, (_, i) => i));
  const both = await openDataset({ dataset: "digits", seed: 1, trainFirst: 300, removeIds: [0, 7, 1000] });
  assert.deepEqual(await epochIds(both.train.batches(0, 64)), Array.from({ length: 300 }, (_, i) => i).filter((id) => id !== 0 && id !== 7));
  assert.equal(both.variant.removedCount, 1140);
  // The whole split is no subset: the same data as without the key.
  const all = await openDataset({ dataset: "digits", seed: 1, trainFirst: 1438 });
  assert.equal(all.train.checksum, (await openDataset({ dataset: "digits", seed: 1 })).train.checksum);
  await assert.rejects(openDataset({ dataset: "digits", seed: 1, trainFirst: 1439 }), {
    message: 'openDataset trainFirst: expected at most the 1438 training examples of dataset "digits", got 1439',
  });
  await assert.rejects(openDataset({ dataset: "digits", seed: 1, trainFirst: 2, removeIds: [0, 1] }), {
    message: "openDataset removeIds: expected at least one training example left, got all first 2 exampleIds (trainFirst) removed",
  });
});

test("train --train-first: a digits run on the first 300 examples records the key, and the analysis counts only them", async () => {
  const outputs = tempDir("train-first");
  const tooMany = await cli(["train", "--train-first", "5000", "--epochs", "1", "--outputs", outputs, "--quiet"]);
  assert.equal(tooMany.code, 2);
  assert.equal(tooMany.err, 'forgetting train: openDataset trainFirst: expected at most the 1438 training examples of dataset "digits", got 5000\n');
  assert.deepEqual(fs.readdirSync(outputs), [], "nothing written before the check");
  const { code, out } = await cli(["train", "--train-first", "300", "--remove-ids", "0,1", "--epochs", "2", "--experiment", "first", "--run-id", "r", "--outputs", outputs, "--quiet"]);
  assert.equal(code, 0);
  assert.match(out, /298 of 1438 examples presented/);
  const manifest = readManifest(path.join(outputs, "first", "r"));
  assert.equal(manifest.config.trainFirst, 300);
  const mask = presentedMask(manifest)!;
  assert.equal(mask.reduce((s, v) => s + v, 0), 298);
  assert.deepEqual([mask[0], mask[1], mask[2], mask[299], mask[300]], [0, 0, 1, 1, 0]);
  const analysis = analyzeExperiment(scanExperiment(path.join(outputs, "first")));
  assert.equal(analysis.budgets[0].presentedAll.reduce((s, v) => s + v, 0), 298);
  const stats = fs.readFileSync(path.join(outputs, "first", "r", "stats.csv"), "utf8").trim().split("\n");
  assert.equal(stats.length, 1 + 1438, "stats.csv keeps a row per exampleId");
});

test("train --train-first 10000 on MNIST trains on the first 10,000 images in official order", { timeout: 120_000 }, async (t) => {
  if (skipIfMissing(t, missingShared("mnist"))) return;
  const outputs = tempDir("train-first-mnist");
  const args = ["train", "--preset", "mnist", "--model", "digits-mlp", "--epochs", "1", "--batch-size", "128", "--data-root", SHARED_DATA, "--outputs", outputs, "--quiet"];
  const { code, out } = await cli([...args, "--train-first", "10000", "--run-id", "m"]);
  assert.equal(code, 0);
  assert.match(out, /10000 of 60000 examples presented/);
  const manifest = readManifest(path.join(outputs, "default", "m"));
  assert.equal(manifest.config.trainFirst, 10000);
  assert.equal(manifest.dataset.nExamples, 60000);
  assert.deepEqual(Array.from(presentedMask(manifest)!.subarray(9998, 10002)), [1, 1, 0, 0]);
  const tooMany = await cli([...args, "--train-first", "60001", "--run-id", "m2"]);
  assert.equal(tooMany.err, 'forgetting train: openDataset trainFirst: expected at most the 60000 training examples of dataset "mnist", got 60001\n');
  assert.equal(fs.existsSync(path.join(outputs, "default", "m2")), false);
});
