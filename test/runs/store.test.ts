import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openDataset } from "../../src/data";
import { ValueError } from "../../src/core/errors";
import { readManifest } from "../../src/runs/manifest";
import { createRun, examplesCsv, gitState, newRunId } from "../../src/runs/store";
import { resolveTrainConfig } from "../../src/config/train";
import { checkFolderName } from "../../src/core/paths";

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-store-"));
const ENV = { backend: "cpu", backendPackage: "@tensorflow/tfjs-backend-cpu", device: "CPU", versions: {}, platform: "test" };

test("examplesCsv(labels, names) writes example_id,label,name and quotes names with commas", () => {
  assert.equal(examplesCsv(Int32Array.from([3, 0]), ["a.png", "ant photos, 2.jpg"]), 'example_id,label,name\n0,3,a.png\n1,0,"ant photos, 2.jpg"\n');
  assert.equal(examplesCsv(Int32Array.from([1])), "example_id,label,name\n0,1,\n");
});

test("createRun(options) writes examples.csv with the noisy labels, noise.json, dataset.json and a running manifest", async () => {
  const outputsRoot = tempDir();
  const config = resolveTrainConfig({ labelNoise: 0.2, seed: 4 });
  const data = await openDataset({ dataset: "digits", seed: 4, labelNoise: 0.2 });
  const { dir, manifest } = createRun({ outputsRoot, experiment: "noise", runId: "r1", config: config, data, environment: ENV });
  assert.equal(dir, path.join(outputsRoot, "noise", "r1"));
  assert.deepEqual(readManifest(dir), manifest);
  assert.equal(manifest.status, "running");
  assert.equal(manifest.epochsCompleted, 0);
  assert.equal(manifest.dataset.checksum, data.train.checksum);
  assert.equal(manifest.dataset.nExamples, data.train.nExamples);
  assert.deepEqual(manifest.config, config);
  const noise = JSON.parse(fs.readFileSync(path.join(dir, "noise.json"), "utf8")) as { fraction: number; count: number; noisyIds: number[]; noisyLabels: number[] };
  assert.equal(noise.fraction, 0.2);
  assert.equal(noise.count, noise.noisyIds.length);
  assert.ok(Math.abs(noise.count - 0.2 * data.train.nExamples) <= 1, `${noise.count} flipped of ${data.train.nExamples}`);
  const rows = fs.readFileSync(path.join(dir, "examples.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
  assert.equal(rows.length, data.train.nExamples);
  noise.noisyIds.forEach((id, k) => assert.equal(Number(rows[id][1]), noise.noisyLabels[k]));
  const variant = JSON.parse(fs.readFileSync(path.join(dir, "dataset.json"), "utf8")) as { dataset: string; labelNoise: { count: number } };
  assert.equal(variant.dataset, "digits");
  assert.equal(variant.labelNoise.count, noise.count);
  assert.throws(
    () => createRun({ outputsRoot, experiment: "noise", runId: "r1", config: config, data, environment: ENV }),
    (e: Error) => e instanceof ValueError && /expected a new run folder, got an existing run/.test(e.message),
  );
  fs.rmSync(outputsRoot, { recursive: true, force: true });
});

test("gitState(cwd) gives nulls outside a git repository", () => {
  const dir = tempDir();
  assert.deepEqual(gitState(dir), { commit: null, dirty: null });
  fs.rmSync(dir, { recursive: true, force: true });
});

test("newRunId() gives distinct 10-character URL-safe ids; checkFolderName rejects path tricks", async () => {
  const ids = await Promise.all(Array.from({ length: 20 }, () => newRunId()));
  assert.equal(new Set(ids).size, 20);
  ids.forEach((id) => assert.match(id, /^[A-Za-z0-9_-]{10}$/));
  for (const bad of ["..", "a/b", "", ".hidden", "x".repeat(65)]) {
    assert.throws(() => checkFolderName("run id", bad), (e: Error) => e instanceof ValueError && /run id: expected 1-64 characters/.test(e.message), bad);
  }
});
