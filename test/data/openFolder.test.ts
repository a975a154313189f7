import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { openDataset, readImageSplits } from "../../src/data/index";
import { readImageFolder } from "../../src/data/imageFolder";
import { folderBatchSource } from "../../src/data/folderBatches";
import type { Batch } from "../../src/data/types";
import { SHARED_DATA, constantPng as png, missingShared, tempDir } from "./shared";
import { skipIfMissing } from "../requirements";

test("openDataset({dataset: 'folder', folder}) trains on RandomResizedCrop + flip and tests on Resize + CenterCrop, ImageNet-normalized", async () => {
  const root = tempDir("open-folder-test");
  for (let i = 0; i < 5; i++) await png(path.join(root, "train", "cat", `${i}.png`), 50 + i);
  for (let i = 0; i < 3; i++) await png(path.join(root, "train", "dog", `${i}.png`), 200);
  await png(path.join(root, "val", "dog", "v.png"), 255);
  const { train, test: testSource, variant } = await openDataset({ dataset: "folder", folder: root, seed: 2, imageSize: 16, labelNoise: 0.25, removeIds: [7] });
  assert.deepEqual(variant.trainTransforms.map((t) => t.kind), ["randomResizedCrop", "horizontalFlip", "normalize"]);
  assert.deepEqual(variant.testTransforms.map((t) => t.kind), ["resize", "centerCrop", "normalize"]);
  assert.deepEqual(variant.testTransforms[0], { kind: "resize", size: 18 }); // round(16 / 0.875)
  assert.equal(variant.labelNoise?.noisyIds.length, 2);
  assert.equal(variant.removedCount, 1);
  assert.deepEqual(train.classNames, ["cat", "dog"]);
  assert.deepEqual(train.inputShape, [16, 16, 3]);
  const batches: Batch[] = [];
  for await (const b of train.batches(0, 3)) batches.push(b);
  assert.deepEqual(batches.map((b) => b.shape[0]), [3, 3, 1]);
  assert.deepEqual(batches.flatMap((b) => Array.from(b.exampleIds)).sort(), [0, 1, 2, 3, 4, 5, 6]);
  // A constant image stays constant through crop and resize: cat 0 is 50/255 everywhere, red normalized with ImageNet stats.
  const k = batches.flatMap((b) => Array.from(b.exampleIds)).indexOf(0);
  const batch = batches[Math.floor(k / 3)];
  const offset = (k % 3) * 16 * 16 * 3;
  assert.ok(Math.abs(batch.images[offset] - (50 / 255 - 0.485) / 0.229) < 1e-5);
  const testBatches: Batch[] = [];
  for await (const b of testSource.batches(0, 8)) testBatches.push(b);
  assert.deepEqual(Array.from(testBatches[0].labels), [1]);
  assert.ok(Math.abs(testBatches[0].images[0] - (1 - 0.485) / 0.229) < 1e-5);
  assert.deepEqual(testSource.exampleNames, ["dog/v.png"]);
});

test("folderBatchSource(images, {prefetch: 3}).batches() decodes ahead but reports a bad file at its own batch, naming it", async () => {
  const root = tempDir("open-folder-test");
  for (let i = 0; i < 6; i++) await png(path.join(root, "a", `${i}.png`), 10 * i);
  // 5.png keeps a valid PNG signature (so indexing accepts it) but is cut after 60 bytes.
  fs.writeFileSync(path.join(root, "a", "5.png"), fs.readFileSync(path.join(root, "a", "4.png")).subarray(0, 60));
  const { images } = await readImageFolder(root);
  const source = folderBatchSource(images, { seed: 0, transforms: [{ kind: "centerCrop", size: 8 }], prefetch: 3 });
  const seen: number[][] = [];
  await assert.rejects(
    (async () => {
      for await (const b of source.batches(0, 2)) seen.push(Array.from(b.exampleIds));
    })(),
    { name: "FileFormatError", message: new RegExp(`^${path.join(root, "a", "5.png")}: expected a decodable image, got `) },
  );
  assert.deepEqual(seen, [[0, 1], [2, 3]]);
});

test("openDataset({dataset: 'folder'}) on hymenoptera: 245 train / 153 val, ids are file paths", async (t) => {
  const reason = missingShared("hymenoptera_data/val");
  if (skipIfMissing(t, reason)) return;
  const { train, test: testSource } = await openDataset({ dataset: "folder", folder: path.join(SHARED_DATA, "hymenoptera_data"), seed: 1 });
  assert.equal(train.nExamples, 245);
  assert.equal(testSource.nExamples, 153);
  assert.ok(train.exampleNames?.includes("ants/ant photos.jpg"));
  assert.deepEqual(testSource.classNames, ["ants", "bees"]);
  await assert.rejects(openDataset({ dataset: "folder", seed: 1 }), /openDataset folder: expected the root folder/);
});

test("openDataset and readImageSplits read a folder dataset alike: test/ when there is no val/, classes numbered by the class index", async () => {
  const root = tempDir("open-folder-test");
  await png(path.join(root, "train", "n01", "a.png"), 10);
  await png(path.join(root, "train", "n02", "b.png"), 20);
  await png(path.join(root, "test", "n02", "t.png"), 30);
  const classIndex = path.join(root, "index.json");
  fs.writeFileSync(classIndex, JSON.stringify({ 0: ["n02", "bee"], 1: ["n01", "ant"] }));
  const splits = await readImageSplits({ dataset: "folder", folder: root, classIndex });
  assert.ok(splits.train.kind === "image-folder" && splits.test.kind === "image-folder");
  assert.deepEqual([splits.train.classNames, splits.train.files, Array.from(splits.train.labels)], [["bee", "ant"], ["n02/b.png", "n01/a.png"], [0, 1]]);
  assert.deepEqual([splits.test.root, splits.test.classNames, splits.test.files, Array.from(splits.test.labels)], [path.join(root, "test"), ["bee", "ant"], ["n02/t.png"], [0]]);
  const { test: testSource } = await openDataset({ dataset: "folder", folder: root, classIndex, seed: 0, imageSize: 8 });
  assert.deepEqual([testSource.classNames, testSource.exampleNames], [["bee", "ant"], ["n02/t.png"]]);
  fs.rmSync(path.join(root, "test"), { recursive: true });
  const noTest = `${root}: expected train/ and val/ (or test/) folders of class folders, got no val/ or test/`;
  await assert.rejects(readImageSplits({ dataset: "folder", folder: root }), { name: "FileFormatError", message: noTest });
  await assert.rejects(openDataset({ dataset: "folder", folder: root, seed: 0 }), { name: "FileFormatError", message: noTest });
});

test("readImageSplits({dataset: 'folder', folder}) lists train/ and val/ with the same class ids", async (t) => {
  const reason = missingShared("hymenoptera_data/val");
  if (skipIfMissing(t, reason)) return;
  const { train, test: val } = await readImageSplits({ dataset: "folder", folder: path.join(SHARED_DATA, "hymenoptera_data"), skipBadFiles: true });
  assert.equal(train.kind, "image-folder");
  assert.deepEqual(train.classNames, val.classNames);
  assert.ok(train.kind === "image-folder" && train.files.includes("ants/ant photos.jpg"), "the file name with a space is listed");
});
