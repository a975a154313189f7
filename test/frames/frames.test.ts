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

test("classDistributionFrame(classNames, splits) has counts and percent shares per split, in their one format", () => {
  const frame = classDistributionFrame(["a", "b"], [{ name: "train", counts: [3000, 1000] }, { name: "test", counts: [1, 1] }]);
  assert.deepEqual(frame.columns, ["class", "train", "train share", "test", "test share"]);
  assert.deepEqual(frame.values, [["a", "3,000", "75.00%", "1", "50.00%"], ["b", "1,000", "25.00%", "1", "50.00%"]]);
});

test("pixelStatisticsFrame(stats, classNames) gives intensities to 3 decimals and ink in percent", () => {
  const frame = pixelStatisticsFrame(pixelStatistics(toySplit()), ["a", "b", "c"]);
  assert.deepEqual(frame.columns, ["class", "examples", "mean intensity (0-1)", "std intensity (0-1)", "ink pixels"]);
  assert.deepEqual(frame.values.slice(0, 2), [["a", "2", "0.500", "0.354", "25.00%"], ["b", "1", "1.000", "0.000", "100.00%"]]);
});

test("resultsFrame(results) has one column per seed (percent, 2 decimals), n/a where a budget lacks the seed", () => {
  const frame = resultsFrame([
    { budget: 5, seeds: [0, 1], best: [0.9, 0.95], bestEpoch: [4, 5], mean: 0.925, std: 0.0353553 },
    { budget: 10, seeds: [1], best: [0.97], bestEpoch: [9], mean: 0.97, std: NaN },
  ]);
  assert.deepEqual(frame.columns, ["budget (epochs)", "seed 0", "seed 1", "mean", "std"]);
  assert.deepEqual(frame.values, [[5, "90.00%", "95.00%", "92.50%", "3.54%"], [10, "n/a", "97.00%", "97.00%", "n/a"]]);
});

test("neverLearnedFrame(budgets) lists the sets and stability per budget", () => {
  const frame = neverLearnedFrame([
    { budget: 5, seeds: [0, 1], presentedAll: 1400, neverLearnedAll: 12, neverLearnedAny: 34, neverLearnedPerSeed: [21, 25], unforgettableAll: 1316, consistentlyNeverLearned: 12, meanSpearman: 0.35123, meanJaccard: NaN },
  ]);
  assert.equal(frame.columns[2], "presented in all seeds");
  assert.deepEqual(frame.values[0], [5, 2, "1,400", "12", "0.86%", "34", "21, 25", "12", "1,316", "0.351", "n/a"]);
});

test("perClassFrame(classNames, budgets) and examplesFrame(ids, classOf, columns)", () => {
  const perClass = perClassFrame(["a", "b"], [{ budget: 5, counts: Int32Array.from([1, 2]) }]);
  assert.deepEqual([perClass.columns, perClass.values], [["class", "5 epochs"], [["a", "1"], ["b", "2"]]]);
  const examples = examplesFrame([2, 0], (id) => `c${id}`, { forgetting: Int32Array.from([5, 6, 7]) });
  assert.deepEqual([examples.columns, examples.values], [["exampleId", "class", "forgetting"], [[2, "c2", 7], [0, "c0", 5]]]);
  const empty = examplesFrame([], String, { forgetting: [1] });
  assert.deepEqual([empty.columns, empty.values], [["exampleId", "class", "forgetting"], []]);
});
