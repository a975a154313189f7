/**
 * The UCI optical digits (8x8, values 0..16), embedded in data/digits as the default dataset,
 * with a fixed stratified train/test split.
 *
 * Split rule (fixed, independent of the run seed): the rows of each class, in file order, are
 * permuted by `new Random(DIGITS_SPLIT_SEED, "digits-split", classIndex).permutation(nRowsOfClass)`;
 * the rows at the first `round(0.2 * nRowsOfClass)` positions of that permutation are the test
 * split, the rest are training. Both splits keep file order, so training exampleId i is the
 * i-th training row of the file. Result: 1,438 training and 359 test images; test per class
 * [36, 36, 35, 37, 36, 36, 36, 36, 35, 36].
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { FileFormatError } from "../core/errors";
import { Random } from "../core/random";
import type { InMemoryImages } from "./types";
import { splitChecksum } from "../core/checksum";

/** Seed of the fixed train/test split of the embedded digits (not the run seed). */
const DIGITS_SPLIT_SEED = 1797;
/** Fraction of each class that goes to the test split. */
const DIGITS_TEST_FRACTION = 0.2;
const DIGITS_FILE = "digits.csv.gz";
const SIDE = 8;
const N_PIXELS = SIDE * SIDE;
const PIXEL_MAX = 16;
const N_CLASSES = 10;

/**
 * Names the data folder for every command that has no --data-root, sweep workers and cluster
 * tasks included (they inherit the environment), e.g. a cluster's shared dataset folder.
 */
export const DATA_ROOT_ENV = "FORGETTING_DATA_ROOT";

/** The data folder: $FORGETTING_DATA_ROOT if set, else the project's (`<project>/data`, from this file's place in src/ or dist/). */
export function defaultDataRoot(): string {
  const fromEnv = process.env[DATA_ROOT_ENV];
  return fromEnv ? path.resolve(fromEnv) : path.resolve(__dirname, "..", "..", "data");
}

/** Parses the CSV text: [nRows] rows of 64 pixels then the label. */
function parseDigitsCsv(file: string, text: string): { pixels: Uint8Array; labels: Int32Array } {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const pixels = new Uint8Array(lines.length * N_PIXELS);
  const labels = new Int32Array(lines.length);
  lines.forEach((line, row) => {
    const fields = line.split(",");
    if (fields.length !== N_PIXELS + 1) {
      throw new FileFormatError(file, `line ${row + 1}: expected ${N_PIXELS + 1} comma-separated values, got ${fields.length}`);
    }
    for (let k = 0; k <= N_PIXELS; k++) {
      const value = Number(fields[k]);
      const max = k < N_PIXELS ? PIXEL_MAX : N_CLASSES - 1;
      if (!Number.isInteger(value) || value < 0 || value > max) {
        throw new FileFormatError(file, `line ${row + 1}, column ${k + 1}: expected an integer in [0, ${max}], got ${JSON.stringify(fields[k])}`);
      }
      if (k < N_PIXELS) pixels[row * N_PIXELS + k] = value;
      else labels[row] = value;
    }
  });
  return { pixels, labels };
}

/** For each row of the file, whether it belongs to the test split (the rule in the module doc). */
function digitsTestMask(labels: Int32Array): Uint8Array {
  const isTest = new Uint8Array(labels.length);
  for (let c = 0; c < N_CLASSES; c++) {
    const rows: number[] = [];
    labels.forEach((label, row) => {
      if (label === c) rows.push(row);
    });
    const order = new Random(DIGITS_SPLIT_SEED, "digits-split", c).permutation(rows.length);
    const nTest = Math.round(DIGITS_TEST_FRACTION * rows.length);
    for (let k = 0; k < nTest; k++) isTest[rows[order[k]]] = 1;
  }
  return isTest;
}

function takeRows(name: "train" | "test", file: string, pixels: Uint8Array, labels: Int32Array, rows: number[]): InMemoryImages {
  const out = new Uint8Array(rows.length * N_PIXELS);
  const outLabels = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    out.set(pixels.subarray(row * N_PIXELS, (row + 1) * N_PIXELS), i * N_PIXELS);
    outLabels[i] = labels[row];
  });
  const shape: [number, number, number] = [SIDE, SIDE, 1];
  return {
    kind: "in-memory",
    name: "digits",
    split: name,
    pixels: out,
    pixelMax: PIXEL_MAX,
    shape,
    labels: outLabels,
    classNames: Array.from({ length: N_CLASSES }, (_, c) => String(c)),
    exampleNames: rows.map((row) => `${path.basename(file)} line ${row + 1}`),
    checksum: splitChecksum(shape, out, outLabels),
  };
}

/**
 * Reads the embedded digits and applies the fixed stratified split.
 * @param dataRoot folder holding `digits/digits.csv.gz` (default: the project's data/).
 * @returns train [1438, 8, 8, 1] and test [359, 8, 8, 1], pixels 0..16.
 * @throws FileFormatError naming the file if it is missing or malformed.
 */
export function readDigits(dataRoot: string = defaultDataRoot()): { train: InMemoryImages; test: InMemoryImages } {
  const file = path.join(dataRoot, "digits", DIGITS_FILE);
  let text: string;
  try {
    text = zlib.gunzipSync(fs.readFileSync(file)).toString("utf8");
  } catch (err) {
    throw new FileFormatError(file, `expected a readable gzip file of the UCI digits CSV, got ${(err as Error).message}`);
  }
  const { pixels, labels } = parseDigitsCsv(file, text);
  const isTest = digitsTestMask(labels);
  const trainRows: number[] = [];
  const testRows: number[] = [];
  isTest.forEach((t, row) => (t ? testRows : trainRows).push(row));
  return {
    train: takeRows("train", file, pixels, labels, trainRows),
    test: takeRows("test", file, pixels, labels, testRows),
  };
}
