import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { train } from "../../src/train/train";
import { constantPng as png } from "../data/shared";
import type { Transform } from "../../src/data/transforms";

test("train({dataset: 'folder', imageSize, classIndex, skipBadFiles, normalizeMean, normalizeStd}) reads the folder with those options", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-folder-train-"));
  const root = path.join(tmp, "images");
  for (let i = 0; i < 4; i++) await png(path.join(root, "train", "n01", `${i}.png`), 40 + i);
  for (let i = 0; i < 3; i++) await png(path.join(root, "train", "n02", `${i}.png`), 200 - i);
  fs.writeFileSync(path.join(root, "train", "n02", "notes.txt"), "not an image");
  await png(path.join(root, "val", "n01", "a.png"), 40);
  await png(path.join(root, "val", "n02", "b.png"), 200);
  // The class index puts n02 first: ids and names come from it, not from the folder order.
  const classIndex = path.join(tmp, "classes.json");
  fs.writeFileSync(classIndex, JSON.stringify({ 0: ["n02", "bee"], 1: ["n01", "ant"] }));
  const outputsRoot = path.join(tmp, "outputs");
  const mean = [0.5, 0.4, 0.3];
  const std = [0.2, 0.25, 0.3];
  const manifest = await train(
    { model: "digits-mlp", dataset: "folder", folder: root, imageSize: 8, classIndex, skipBadFiles: true, normalizeMean: mean, normalizeStd: std, epochs: 1, batchSize: 4 },
    { outputsRoot, experiment: "folder", runId: "f", backend: "wasm", quiet: true },
  );
  assert.equal(manifest.status, "completed");
  assert.deepEqual(manifest.dataset.classNames, ["bee", "ant"]);
  assert.equal(manifest.dataset.nExamples, 7);
  const variant = JSON.parse(fs.readFileSync(path.join(outputsRoot, "folder", "f", "dataset.json"), "utf8")) as { trainTransforms: Transform[]; testTransforms: Transform[]; skippedFiles: { file: string }[] };
  // imageSize 8: RandomResizedCrop(8) for training, Resize(round(8 / 0.875) = 9) + CenterCrop(8) for testing.
  assert.deepEqual(variant.trainTransforms, [{ kind: "randomResizedCrop", size: 8 }, { kind: "horizontalFlip" }, { kind: "normalize", mean, std }]);
  assert.deepEqual(variant.testTransforms, [{ kind: "resize", size: 9 }, { kind: "centerCrop", size: 8 }, { kind: "normalize", mean, std }]);
  assert.deepEqual(variant.skippedFiles.map((s) => s.file), [path.join("train", "n02", "notes.txt")]);
  fs.rmSync(tmp, { recursive: true, force: true });
});
