import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { readCifarFiles } from "../../src/data/cifar";
import { SHARED_DATA, missingShared, tempDir } from "./shared";
import { skipIfMissing } from "../requirements";

/** A record whose R plane is all r, G all g, B all b. */
function record(prefix: number[], r: number, g: number, b: number): Buffer {
  return Buffer.concat([Buffer.from(prefix), Buffer.alloc(1024, r), Buffer.alloc(1024, g), Buffer.alloc(1024, b)]);
}

test("readCifarFiles(files, {variant: 'cifar10'}) concatenates files and turns RGB planes into [32, 32, 3]", () => {
  const dir = tempDir("cifar-test");
  fs.writeFileSync(path.join(dir, "a.bin"), Buffer.concat([record([3], 1, 2, 3), record([9], 4, 5, 6)]));
  fs.writeFileSync(path.join(dir, "b.bin"), record([0], 7, 8, 9));
  const split = readCifarFiles([path.join(dir, "a.bin"), path.join(dir, "b.bin")], { variant: "cifar10", split: "train" });
  assert.deepEqual(Array.from(split.labels), [3, 9, 0]);
  assert.deepEqual(split.shape, [32, 32, 3]);
  assert.deepEqual(Array.from(split.pixels.subarray(0, 6)), [1, 2, 3, 1, 2, 3]);
  assert.deepEqual(Array.from(split.pixels.subarray(3072 * 2 + 3069, 3072 * 3)), [7, 8, 9]);
  assert.equal(split.classNames[3], "cat");
});

test("readCifarFiles(files, {variant: 'cifar100'}) uses the fine label (second byte) of 3,074-byte records", () => {
  const dir = tempDir("cifar-test");
  fs.writeFileSync(path.join(dir, "train.bin"), Buffer.concat([record([11, 57], 0, 0, 0), record([19, 99], 5, 5, 5)]));
  const split = readCifarFiles([path.join(dir, "train.bin")], { variant: "cifar100", split: "train" });
  assert.deepEqual(Array.from(split.labels), [57, 99]);
  assert.equal(split.classNames.length, 100);
});

test("readCifarFiles() rejects a size that is not a multiple of the record, and labels out of range, naming the file", () => {
  const dir = tempDir("cifar-test");
  const odd = path.join(dir, "odd.bin");
  fs.writeFileSync(odd, Buffer.concat([record([1], 0, 0, 0), Buffer.alloc(10)]));
  assert.throws(() => readCifarFiles([odd], { variant: "cifar10", split: "train" }), { name: "FileFormatError", message: `${odd}: expected a size that is a multiple of the 3073-byte cifar10 record, got 3083 bytes (1.003 records)` });
  const c10 = path.join(dir, "c10.bin");
  fs.writeFileSync(c10, record([1], 0, 0, 0));
  assert.throws(() => readCifarFiles([c10], { variant: "cifar100", split: "train" }), { message: `${c10}: expected a size that is a multiple of the 3074-byte cifar100 record, got 3073 bytes (1.000 records)` });
  const bad = path.join(dir, "bad.bin");
  fs.writeFileSync(bad, Buffer.concat([record([1], 0, 0, 0), record([10], 0, 0, 0)]));
  assert.throws(() => readCifarFiles([bad], { variant: "cifar10", split: "train" }), { message: `${bad}: record 1: expected a label in [0, 9], got 10` });
});

test("readCifarFiles(shared data_batch_1.first4000.bin): 4,000 records, record 0 is a frog (6) with the known first pixels", (t) => {
  const reason = missingShared("cifar10-partial/data_batch_1.first4000.bin");
  if (skipIfMissing(t, reason)) return;
  const dir = path.join(SHARED_DATA, "cifar10-partial");
  const split = readCifarFiles([path.join(dir, "data_batch_1.first4000.bin")], { variant: "cifar10", split: "train" });
  assert.equal(split.labels.length, 4000);
  assert.equal(split.labels[0], 6);
  assert.deepEqual(Array.from(split.labels.subarray(0, 10)), [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
  // Red channel of row 0 starts 59, 43, 50, 68 (PROVENANCE.md); every third byte is red.
  assert.deepEqual([0, 1, 2, 3].map((x) => split.pixels[3 * x]), [59, 43, 50, 68]);
  const labels = fs.readFileSync(path.join(dir, "train_labels.all50000.u8")).subarray(0, 4000);
  assert.deepEqual(Array.from(split.labels), Array.from(labels));
});
