import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { readDigits, defaultDataRoot } from "../../src/data/digits";

const FILE = path.resolve(__dirname, "../../data/digits/digits.csv.gz");
const rows = zlib.gunzipSync(fs.readFileSync(FILE)).toString("utf8").trim().split("\n").map((l) => l.split(",").map(Number));

test("readDigits() splits 1,797 rows into 1,438 train / 359 test, stratified 80/20 per class", () => {
  const { train, test: testSplit } = readDigits();
  assert.equal(defaultDataRoot(), path.resolve(__dirname, "../../data"));
  assert.equal(train.labels.length, 1438);
  assert.equal(testSplit.labels.length, 359);
  const count = (labels: Int32Array) => Array.from({ length: 10 }, (_, c) => labels.filter((l) => l === c).length);
  // The attribution's per-class counts; test = round(0.2 * n) for each class.
  const perClass = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];
  assert.deepEqual(count(testSplit.labels), [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]);
  assert.deepEqual(count(train.labels), perClass.map((n, c) => n - [36, 36, 35, 37, 36, 36, 36, 36, 35, 36][c]));
  assert.deepEqual(train.shape, [8, 8, 1]);
  assert.equal(train.pixelMax, 16);
});

test("readDigits() keeps file order and every row exactly once, pixels equal to the CSV", () => {
  const { train, test: testSplit } = readDigits();
  const lineOf = (name: string) => Number(/line (\d+)$/.exec(name)![1]) - 1;
  const trainRows = train.exampleNames!.map(lineOf);
  const testRows = testSplit.exampleNames!.map(lineOf);
  assert.deepEqual([...trainRows, ...testRows].sort((a, b) => a - b), rows.map((_, i) => i));
  assert.deepEqual(trainRows, [...trainRows].sort((a, b) => a - b));
  for (const [split, splitRows] of [[train, trainRows], [testSplit, testRows]] as const) {
    splitRows.forEach((row, i) => {
      assert.deepEqual(Array.from(split.pixels.subarray(i * 64, (i + 1) * 64)), rows[row].slice(0, 64));
      assert.equal(split.labels[i], rows[row][64]);
    });
  }
});

test("readDigits(dataRoot) is the same split every call and names a missing file", () => {
  assert.equal(readDigits().train.checksum, readDigits().train.checksum);
  assert.notEqual(readDigits().train.checksum, readDigits().test.checksum);
  assert.throws(() => readDigits("/nonexistent-root"), /\/nonexistent-root\/digits\/digits\.csv\.gz: expected a readable gzip file/);
});
