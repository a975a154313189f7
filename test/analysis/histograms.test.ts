import { test } from "node:test";
import * as assert from "node:assert/strict";
import { integerHistogram } from "../../src/analysis/histograms";
import { dataMap } from "../../src/analysis/dataMap";
import { resultsTable } from "../../src/analysis/results";
import { recordFromRows } from "../../src/runs/record";

test("integerHistogram(values, {mask, maxValue}) counts integers, skipping negatives", () => {
  assert.deepEqual(integerHistogram([0, 2, 2, -1, 3]), { counts: [1, 0, 2, 1], skipped: 1 });
  assert.deepEqual(integerHistogram([0, 2, 2, -1, 3], { mask: Uint8Array.from([1, 1, 0, 1, 0]), maxValue: 4 }), { counts: [1, 0, 1, 0, 0], skipped: 1 });
  assert.deepEqual(integerHistogram([]), { counts: [], skipped: 0 });
  assert.throws(() => integerHistogram([5], { maxValue: 3 }), { name: "ValueError", message: "integerHistogram: expected values <= maxValue 3, got 5" });
});

test("dataMap(prob, record) gives confidence, variability (ddof 0) and correctness", () => {
  // Two examples, four epochs. Example 0 probs 0.2, 0.4, 0.6, 0.8: mean 0.5, std sqrt(0.05).
  const prob = Float32Array.from([0.2, 0.9, 0.4, 0.9, 0.6, 0.9, 0.8, 0.9]);
  const record = recordFromRows([
    [0, 1],
    [0, 1],
    [1, 1],
    [1, 1],
  ]);
  const map = dataMap(prob, record);
  assert.ok(Math.abs(map.confidence[0] - 0.5) < 1e-6);
  assert.ok(Math.abs(map.variability[0] - Math.sqrt(0.05)) < 1e-6);
  assert.deepEqual([...map.correctness], [0.5, 1]);
  assert.ok(Math.abs(map.confidence[1] - 0.9) < 1e-6);
  assert.ok(map.variability[1] < 1e-3);
  const subset = dataMap(prob, record, { presented: Uint8Array.from([1, 0]) });
  assert.ok(Number.isNaN(subset.confidence[1]) && Number.isNaN(subset.correctness[1]));
  assert.throws(() => dataMap(new Float32Array(3), record), { name: "ValueError", message: "dataMap: expected prob of 4 x 2 = 8 values, got 3" });
});

test("resultsTable(runs) takes each run's best accuracy, then mean and sample std per budget", () => {
  const rows = resultsTable([
    { budget: 40, seed: 1, acc: [0.5, 0.7, 0.6] },
    { budget: 40, seed: 0, acc: [0.4, NaN, 0.9] },
    { budget: 20, seed: 0, acc: [0.3, 0.3] },
    { budget: 20, seed: 1, acc: [] },
  ]);
  assert.deepEqual(rows[0], { budget: 20, seeds: [0, 1], best: [0.3, NaN], bestEpoch: [1, null], mean: 0.3, std: NaN });
  assert.deepEqual(rows[1].seeds, [0, 1]);
  assert.deepEqual(rows[1].best, [0.9, 0.7]);
  assert.deepEqual(rows[1].bestEpoch, [3, 2]);
  assert.ok(Math.abs(rows[1].mean - 0.8) < 1e-12);
  assert.ok(Math.abs(rows[1].std - Math.sqrt(0.02)) < 1e-12);
});
