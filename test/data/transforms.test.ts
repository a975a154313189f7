import { test } from "node:test";
import assert from "node:assert/strict";
import { Random } from "../../src/core/random";
import {
  applyTransform,
  applyTransforms,
  centerCropBox,
  randomResizedCropBox,
  resizeBilinear,
  resizeShape,
  roundHalfEven,
  type FloatImage,
  type Transform,
} from "../../src/data/transforms";

/** A Random whose next() returns the given values in order (uniform and int are built on next). */
class ScriptedRandom extends Random {
  constructor(private readonly values: number[]) {
    super(0);
  }
  override next(): number {
    const v = this.values.shift();
    if (v === undefined) throw new Error("ScriptedRandom: ran out of values");
    return v;
  }
}

/** A 4x4 one-channel image with pixel (y, x) = 4y + x. */
function grid(height = 4, width = 4): FloatImage {
  return { data: Float32Array.from({ length: height * width }, (_, k) => k), height, width, channels: 1 };
}

const rows = (img: FloatImage) => Array.from({ length: img.height }, (_, y) => Array.from(img.data.subarray(y * img.width * img.channels, (y + 1) * img.width * img.channels)));

test("roundHalfEven(x) rounds halves to even like Python's round()", () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.49, 2.51].map(roundHalfEven), [0, 2, 2, 3, 3]);
});

test("randomResizedCropBox(4, 4, rng) takes the first box that fits: area 0.25, ratio 1 -> 2x2 at (1, 2)", () => {
  // Draws: scale U(0.08, 1) -> 0.25; log-ratio U(log 3/4, log 4/3) -> 0; top int(3) -> 1; left int(3) -> 2.
  const rng = new ScriptedRandom([(0.25 - 0.08) / 0.92, 0.5, 0.4, 0.9]);
  assert.deepEqual(randomResizedCropBox(4, 4, rng), { top: 1, left: 2, height: 2, width: 2 });
  // The crop then resizes the 2x2 block [[6, 7], [10, 11]] to 1x1: its mean, 8.5.
  const out = applyTransform(grid(), { kind: "randomResizedCrop", size: 1 }, new ScriptedRandom([(0.25 - 0.08) / 0.92, 0.5, 0.4, 0.9]));
  assert.deepEqual(Array.from(out.data), [8.5]);
});

test("randomResizedCropBox(h, w, rng) falls back to a center crop clamped to the ratio after 10 misses", () => {
  // Every try: whole area at ratio 4/3 -> w = round(sqrt(16 * 4/3)) = 5 > 4: no fit.
  const misses = () => new Array<number>(20).fill(0.999999);
  assert.deepEqual(randomResizedCropBox(4, 4, new ScriptedRandom(misses())), { top: 0, left: 0, height: 4, width: 4 });
  // A 2x8 image is wider than 4/3: h = 2, w = round(2 * 4/3) = 3, left = (8 - 3) // 2 = 2.
  assert.deepEqual(randomResizedCropBox(2, 8, new ScriptedRandom(misses())), { top: 0, left: 2, height: 2, width: 3 });
  // An 8x2 image is taller than 3/4: w = 2, h = round(2 / (3/4)) = round(2.67) = 3, top = (8 - 3) // 2 = 2.
  assert.deepEqual(randomResizedCropBox(8, 2, new ScriptedRandom(misses())), { top: 2, left: 0, height: 3, width: 2 });
});

test("resizeBilinear(image, h, w) uses half-pixel centers: 4x4 -> 2x2 averages 2x2 blocks; 2x2 -> 4x4 by hand", () => {
  assert.deepEqual(rows(resizeBilinear(grid(), 2, 2)), [[2.5, 4.5], [10.5, 12.5]]);
  const small: FloatImage = { data: Float32Array.from([0, 4, 8, 12]), height: 2, width: 2, channels: 1 };
  // x sources: -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1); the same for y.
  assert.deepEqual(rows(resizeBilinear(small, 4, 4)), [
    [0, 1, 3, 4],
    [2, 3, 5, 6],
    [6, 7, 9, 10],
    [8, 9, 11, 12],
  ]);
});

test("resizeShape(h, w, size) maps the shorter side to size and the longer to int(size * long / short)", () => {
  assert.deepEqual(resizeShape(375, 500, 256), [256, 341]);
  assert.deepEqual(resizeShape(500, 333, 256), [384, 256]);
  assert.deepEqual(resizeShape(256, 300, 256), [256, 300]);
});

test("centerCrop: 4x4 -> 2 takes the middle; 3x3 -> 2 starts at round(0.5) = 0; 2x2 -> 4 pads with zeros", () => {
  assert.deepEqual(rows(applyTransform(grid(), { kind: "centerCrop", size: 2 }, new Random(0))), [[5, 6], [9, 10]]);
  assert.deepEqual(centerCropBox(3, 3, 2), { top: 0, left: 0, height: 2, width: 2 });
  const small: FloatImage = { data: Float32Array.from([1, 2, 3, 4]), height: 2, width: 2, channels: 1 };
  assert.deepEqual(rows(applyTransform(small, { kind: "centerCrop", size: 4 }, new Random(0))), [[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]]);
});

test("randomCrop(size 2, padding 1) of a 2x2 image: corner (0, 2) of the zero-padded 4x4", () => {
  const small: FloatImage = { data: Float32Array.from([1, 2, 3, 4]), height: 2, width: 2, channels: 1 };
  // Draws: top int(3) -> 0, left int(3) -> 2.
  const out = applyTransform(small, { kind: "randomCrop", size: 2, padding: 1 }, new ScriptedRandom([0.1, 0.9]));
  assert.deepEqual(rows(out), [[0, 0], [2, 0]]);
  // No padding and equal sizes: no draw at all (the scripted generator is empty).
  assert.deepEqual(rows(applyTransform(small, { kind: "randomCrop", size: 2, padding: 0 }, new ScriptedRandom([]))), [[1, 2], [3, 4]]);
});

test("horizontalFlip flips when next() < p; cutout zeroes the clipped hole; normalize per channel", () => {
  const rgb: FloatImage = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), height: 1, width: 2, channels: 3 };
  assert.deepEqual(Array.from(applyTransform(rgb, { kind: "horizontalFlip" }, new ScriptedRandom([0.3])).data), [4, 5, 6, 1, 2, 3]);
  assert.deepEqual(Array.from(applyTransform(rgb, { kind: "horizontalFlip" }, new ScriptedRandom([0.7])).data), [1, 2, 3, 4, 5, 6]);
  // Hole size 2 centred at (y 0, x 3): rows [max(-1, 0), 1), columns [2, 4).
  assert.deepEqual(rows(applyTransform(grid(), { kind: "cutout", size: 2 }, new ScriptedRandom([0.1, 0.8]))), [
    [0, 1, 0, 0],
    [4, 5, 6, 7],
    [8, 9, 10, 11],
    [12, 13, 14, 15],
  ]);
  const normalized = applyTransform(rgb, { kind: "normalize", mean: [1, 2, 3], std: [1, 2, 4] }, new Random(0));
  assert.deepEqual(Array.from(normalized.data), [0, 0, 0, 3, 1.5, 0.75]);
});

test("applyTransforms(image, pipeline, rng): same seed, same pixels; another seed, other pixels", () => {
  const image = grid(8, 8);
  const pipeline: Transform[] = [
    { kind: "randomResizedCrop", size: 4 },
    { kind: "horizontalFlip" },
    { kind: "normalize", mean: [10], std: [5] },
    { kind: "cutout", size: 2 },
  ];
  const run = (seed: number) => Array.from(applyTransforms(image, pipeline, new Random(seed, "augment", 0, 7)).data);
  assert.deepEqual(run(1), run(1));
  const outputs = new Set([1, 2, 3, 4, 5].map((s) => run(s).join()));
  assert.ok(outputs.size >= 4, `expected seeds to differ, got ${outputs.size} distinct outputs`);
});
