import { test } from "node:test";
import * as assert from "node:assert/strict";
import type { InMemoryImages } from "../../src/data/types";
import { classDistributionFrame, examplesFrame, neverLearnedFrame, perClassFrame, pixelStatisticsFrame, resultsFrame } from "../../src/frames/frames";
import { pixelStatistics } from "../../src/frames/pixelStatistics";

/** Three 1x2 images, pixel values 0..4: class 0 = [0 4] and [2 2], class 1 = [4 4]. */
function toySplit(): InMemoryImages {
  return {
    kind: "in-memory",
    name: "toy",
    split: "train",
    pixels: Uint8Array.from([0, 4, 2, 2, 4, 4]),
    pixelMax: 4,
    shape: [1, 2, 1],
    labels: Int32Array.from([0, 0, 1]),
    classNames: ["a", "b", "c"],
    checksum: "x",
  };
}

test("pixelStatistics(split) per class: mean, std, ink share, mean image; value counts over the split", () => {
  const stats = pixelStatistics(toySplit());
  // Class a intensities: 0, 1, 0.5, 0.5 -> mean 0.5, variance (0.25 + 0.25 + 0 + 0) / 4 = 0.125.
  assert.deepEqual(stats.count, [2, 1, 0]);
  assert.deepEqual(stats.meanIntensity.slice(0, 2), [0.5, 1]);
  assert.ok(Math.abs(stats.stdIntensity[0] - Math.sqrt(0.125)) < 1e-12);
  assert.equal(stats.stdIntensity[1], 0);
  // Ink = raw value above pixelMax / 2 = 2: one of class a's four pixels, both of class b's.
  assert.deepEqual(stats.inkFraction.slice(0, 2), [0.25, 1]);
  assert.deepEqual([...stats.meanImages[0]], [0.25, 0.75]);
  assert.deepEqual([...stats.meanImages[1]], [1, 1]);
  assert.ok(Number.isNaN(stats.meanIntensity[2]) && Number.isNaN(stats.meanImages[2][0]), "an empty class has NaN statistics");
  assert.deepEqual(stats.valueCounts, [1, 0, 2, 0, 3]);
});

test("pixelStatistics(split) is unchanged when examples are shuffled (same per-class content)", () => {
  const split = toySplit();
  const shuffled = { ...split, pixels: Uint8Array.from([4, 4, 2, 2, 0, 4]), labels: Int32Array.from([1, 0, 0]) };
  const a = pixelStatistics(split);
  const b = pixelStatistics(shuffled);
  assert.deepEqual(b.count, a.count);
  assert.deepEqual(b.valueCounts, a.valueCounts);
  assert.deepEqual([...b.meanImages[0]], [...a.meanImages[0]]);
  assert.deepEqual(b.meanIntensity.slice(0, 2), a.meanIntensity.slice(0, 2));
});

test("pixelStatistics(split) rejects a label outside the classes", () => {
  assert.throws(() => pixelStatistics({ ...toySplit(), labels: Int32Array.from([0, 3, 1]) }), { name: "ValueError", message: "pixelStatistics: expected labels in [0, 3), got 3 for example 1" });
});

test("classDistributionFrame(classNames, splits) has counts and percent shares per split", () => {
  const frame = classDistributionFrame(["a", "b"], [{ name: "train", counts: [3, 1] }, { name: "test", counts: [1, 1] }]);
  assert.deepEqual(frame.columns, ["class", "train", "train %", "test", "test %"]);
  assert.deepEqual(frame.values, [["a", 3, 75, 1, 50], ["b", 1, 25, 1, 50]]);
});

test("pixelStatisticsFrame(stats, classNames) rounds intensities and gives ink in percent", () => {
  const frame = pixelStatisticsFrame(pixelStatistics(toySplit()), ["a", "b", "c"]);
  assert.deepEqual(frame.columns, ["class", "examples", "mean intensity", "std intensity", "ink pixels %"]);
  assert.deepEqual(frame.values.slice(0, 2), [["a", 2, 0.5, 0.3536, 25], ["b", 1, 1, 0, 100]]);
});

test("resultsFrame(results) has one column per seed (percent), NaN where a budget lacks the seed", () => {
  const frame = resultsFrame([
    { budget: 5, seeds: [0, 1], best: [0.9, 0.95], bestEpoch: [4, 5], mean: 0.925, std: 0.0353553 },
    { budget: 10, seeds: [1], best: [0.97], bestEpoch: [9], mean: 0.97, std: NaN },
  ]);
  assert.deepEqual(frame.columns, ["budget (epochs)", "seed 0", "seed 1", "mean %", "std %"]);
  const rows = frame.values as number[][];
  assert.deepEqual(rows[0], [5, 90, 95, 92.5, 3.54]);
  assert.deepEqual([rows[1][0], rows[1][2], rows[1][3]], [10, 97, 97]);
  assert.ok(Number.isNaN(rows[1][1]) && Number.isNaN(rows[1][4]));
});

test("neverLearnedFrame(budgets) lists the sets and stability per budget", () => {
  const frame = neverLearnedFrame([
    { budget: 5, seeds: [0, 1], presentedAll: 1400, neverLearnedAll: 12, neverLearnedAny: 34, neverLearnedPerSeed: [21, 25], unforgettableAll: 1316, consistentlyNeverLearned: 12, meanSpearman: 0.35123, meanJaccard: NaN },
  ]);
  assert.equal(frame.columns[2], "presented in all seeds");
  assert.deepEqual((frame.values[0] as unknown[]).slice(0, 9), [5, 2, 1400, 12, 34, "21, 25", 12, 1316, 0.351]);
  assert.ok(Number.isNaN((frame.values[0] as number[])[9]));
});

test("perClassFrame(classNames, budgets) and examplesFrame(ids, classOf, columns)", () => {
  const perClass = perClassFrame(["a", "b"], [{ budget: 5, counts: Int32Array.from([1, 2]) }]);
  assert.deepEqual([perClass.columns, perClass.values], [["class", "5 epochs"], [["a", 1], ["b", 2]]]);
  const examples = examplesFrame([2, 0], (id) => `c${id}`, { forgetting: Int32Array.from([5, 6, 7]) });
  assert.deepEqual([examples.columns, examples.values], [["exampleId", "class", "forgetting"], [[2, "c2", 7], [0, "c0", 5]]]);
  const empty = examplesFrame([], String, { forgetting: [1] });
  assert.deepEqual([empty.columns, empty.values], [["exampleId", "class", "forgetting"], []]);
});
