import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { parseIdx, readIdxImages, readMnistFolder } from "../../src/data/idx";
import { SHARED_DATA, missingShared, tempDir } from "./shared";
import { skipIfMissing } from "../requirements";

/** IDX bytes: magic 0x0000080N, big-endian dims, values. */
function idx(dims: number[], values: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, k) => header.writeUInt32BE(d, 4 + 4 * k));
  return Buffer.concat([header, Buffer.from(values)]);
}

test("parseIdx(file, bytes) reads big-endian dims and row-major values", () => {
  const parsed = parseIdx("x", idx([2, 1, 3], [1, 2, 3, 4, 5, 6]));
  assert.deepEqual(parsed.dims, [2, 1, 3]);
  assert.deepEqual(Array.from(parsed.data), [1, 2, 3, 4, 5, 6]);
});

test("readIdxImages(images, labels) reads plain and gzipped files alike (by content) into [n, h, w, 1]", () => {
  const dir = tempDir("idx-test");
  fs.writeFileSync(path.join(dir, "img.idx"), zlib.gzipSync(idx([2, 2, 2], [0, 255, 3, 4, 9, 8, 7, 6])));
  fs.writeFileSync(path.join(dir, "lab.idx"), idx([2], [1, 0]));
  const split = readIdxImages(path.join(dir, "img.idx"), path.join(dir, "lab.idx"), { name: "toy", split: "train", classNames: ["a", "b"] });
  assert.deepEqual(split.shape, [2, 2, 1]);
  assert.deepEqual(Array.from(split.pixels), [0, 255, 3, 4, 9, 8, 7, 6]);
  assert.deepEqual(Array.from(split.labels), [1, 0]);
  assert.equal(split.pixelMax, 255);
});

test("readIdxImages() names the file and the problem for each kind of bad input", () => {
  const dir = tempDir("idx-test");
  const f = (name: string, bytes: Buffer) => (fs.writeFileSync(path.join(dir, name), bytes), path.join(dir, name));
  const good = f("good-img", idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
  const labels = f("good-lab", idx([2], [0, 1]));
  const opts = { name: "toy", split: "train" as const, classNames: ["a", "b"] };
  const badMagic = f("magic", Buffer.concat([Buffer.from([0, 0, 0x0d, 3]), idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]).subarray(4)]));
  assert.throws(() => readIdxImages(badMagic, labels, opts), { name: "FileFormatError", message: `${badMagic}: expected IDX magic 0x000008NN (unsigned bytes, NN dimensions; 2049 labels, 2051 images), got 0x00000d03 (3331)` });
  const truncated = f("trunc", idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]).subarray(0, 20));
  assert.throws(() => readIdxImages(truncated, labels, opts), { message: `${truncated}: expected 24 bytes for dimensions [2, 2, 2], got 20 (truncated)` });
  const truncatedGz = f("trunc.gz", zlib.gzipSync(idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8])).subarray(0, 25));
  assert.throws(() => readIdxImages(truncatedGz, labels, opts), new RegExp(`^FileFormatError: ${truncatedGz}: expected a complete gzip stream, got .*truncated or corrupted download`));
  const threeLabels = f("three", idx([3], [0, 1, 0]));
  assert.throws(() => readIdxImages(good, threeLabels, opts), { message: `${threeLabels}: expected 2 labels to match good-img's 2 images, got 3 labels` });
  const outOfRange = f("range", idx([2], [0, 2]));
  assert.throws(() => readIdxImages(good, outOfRange, opts), { message: `${outOfRange}: record 1: expected a label in [0, 1], got 2` });
  assert.throws(() => readIdxImages(path.join(dir, "absent"), labels, opts), { message: `${path.join(dir, "absent")}: expected a readable file, got ENOENT` });
});

test("readMnistFolder(shared mnist) gives 60,000/10,000 images with the known per-class counts", (t) => {
  const reason = missingShared("mnist");
  if (skipIfMissing(t, reason)) return;
  const { train, test: testSplit } = readMnistFolder(path.join(SHARED_DATA, "mnist"), "mnist");
  const count = (labels: Int32Array) => Array.from({ length: 10 }, (_, c) => labels.filter((l) => l === c).length);
  assert.equal(train.labels.length, 60000);
  assert.equal(testSplit.labels.length, 10000);
  assert.deepEqual(train.shape, [28, 28, 1]);
  assert.deepEqual(count(train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(count(testSplit.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  // First training label of MNIST is 5, and the mean pixel of the training set is 0.1307 * 255.
  assert.equal(train.labels[0], 5);
  let sum = 0;
  for (const v of train.pixels) sum += v;
  assert.equal((sum / train.pixels.length / 255).toFixed(4), "0.1307");
});
