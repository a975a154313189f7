import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type ExperimentScan, chooseRun } from "../../src/runs/scan";
import { followUpStudies } from "../../src/runs/layout";
import { classCounts } from "../../src/analysis/perClassCounts";
import { experimentDataset } from "../../src/runs/experiment";
import { readImageSplits } from "../../src/data/index";

const sharedData = path.resolve(__dirname, "..", "..", "..", "shared", "data");

test("experimentDataset(dir, fallback) reads experiment.json's base, else a run's config, else the fallback", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "experiment-"));
  assert.deepEqual(experimentDataset(path.join(dir, "absent"), "digits"), { dataset: "digits" });
  fs.mkdirSync(path.join(dir, "b2-s0"));
  fs.writeFileSync(path.join(dir, "b2-s0", "manifest.json"), JSON.stringify({ config: { dataset: "folder", folder: "/data/imagenet", skipBadFiles: true } }));
  assert.deepEqual(experimentDataset(dir, "digits"), { dataset: "folder", folder: "/data/imagenet", skipBadFiles: true });
  fs.writeFileSync(path.join(dir, "experiment.json"), JSON.stringify({ name: "x", base: { dataset: "mnist" }, budgets: [2], seeds: 1 }));
  assert.deepEqual(experimentDataset(dir, "digits"), { dataset: "mnist" });
  fs.rmSync(dir, { recursive: true });
});

test("readImageSplits({dataset: 'digits'}) gives the embedded digits with their fixed split", async () => {
  const { train, test: testSplit } = await readImageSplits({ dataset: "digits" });
  assert.equal(train.labels.length, 1438);
  assert.equal(testSplit.labels.length, 359);
  // Test per class as the digits module documents it; training = UCI per-class totals minus test.
  assert.deepEqual([...classCounts(testSplit)], [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]);
  assert.deepEqual([...classCounts(train)], [178 - 36, 182 - 36, 177 - 35, 183 - 37, 181 - 36, 182 - 36, 181 - 36, 179 - 36, 174 - 35, 180 - 36]);
  await assert.rejects(readImageSplits({ dataset: "svhn" as never }), { name: "ValueError", message: 'readImageSplits: expected one of digits, mnist, fashion-mnist, cifar10, cifar100, folder, got "svhn"' });
  await assert.rejects(readImageSplits({ dataset: "folder" }), { message: 'readImageSplits: expected the root folder of dataset "folder" (config.folder), got none' });
});

test("readImageSplits({dataset: 'folder', folder}) lists train/ and val/ with the same class ids", { skip: fs.existsSync(path.join(sharedData, "hymenoptera_data")) ? false : `no shared data at ${sharedData}` }, async () => {
  const { train, test: val } = await readImageSplits({ dataset: "folder", folder: path.join(sharedData, "hymenoptera_data"), skipBadFiles: true });
  assert.equal(train.kind, "image-folder");
  assert.deepEqual(train.classNames, val.classNames);
  assert.ok(train.kind === "image-folder" && train.files.includes("ants/ant photos.jpg"), "the file name with a space is listed");
});

test("chooseRun(scan, options) picks the asked budget and seed, else the smallest seed of the largest budget", () => {
  const run = (budget: number, seed: number) => ({ runId: `b${budget}-s${seed}`, dir: "", budget, seed, manifest: {} as never });
  const scan = { experimentDir: "/x", budgets: [{ budget: 5, seeds: [0, 1], runs: [run(5, 0), run(5, 1)] }, { budget: 10, seeds: [2, 3], runs: [run(10, 2), run(10, 3)] }], leftOut: [] } as unknown as ExperimentScan;
  assert.equal(chooseRun(scan).runId, "b10-s2");
  assert.equal(chooseRun(scan, { budget: 5, seed: 1 }).runId, "b5-s1");
  assert.equal(chooseRun(scan, { budget: 7 }).runId, "b10-s2");
  assert.throws(() => chooseRun({ experimentDir: "/x", budgets: [], leftOut: [{}, {}] } as unknown as ExperimentScan), {
    name: "ValueError",
    message: "chooseRun: expected a usable run in /x, got none (2 left out); run `forgetting study` or a sweep first",
  });
});

test("followUpStudies(experimentDir) finds <experiment>-removal and <experiment>-noise holding experiment.json", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "followups-"));
  const experiment = path.join(dir, "study");
  assert.deepEqual(followUpStudies(experiment), { removal: null, noise: null });
  fs.mkdirSync(`${experiment}-removal`, { recursive: true });
  fs.writeFileSync(path.join(`${experiment}-removal`, "experiment.json"), "{}");
  fs.mkdirSync(`${experiment}-noise`, { recursive: true });
  assert.deepEqual(followUpStudies(experiment), { removal: `${experiment}-removal`, noise: null });
  fs.rmSync(dir, { recursive: true });
});
