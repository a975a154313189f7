import { test } from "node:test";
import * as assert from "node:assert/strict";
import { dataMap, meanDataMap } from "../../src/analysis/dataMap";
import { recordFromRows } from "../../src/runs/record";

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

test("meanDataMap(maps) averages each field element-wise over the seeds' maps", () => {
  const map = (confidence: number[], variability: number[], correctness: number[]) => ({
    confidence: Float32Array.from(confidence),
    variability: Float32Array.from(variability),
    correctness: Float32Array.from(correctness),
  });
  const mean = meanDataMap([map([0.25, 1], [0, 0.5], [0, 1]), map([0.75, 0.5], [0.5, 0.25], [1, 1])]);
  assert.deepEqual([...mean.confidence], [0.5, 0.75]);
  assert.deepEqual([...mean.variability], [0.25, 0.375]);
  assert.deepEqual([...mean.correctness], [0.5, 1]);
  assert.ok(Number.isNaN(meanDataMap([map([NaN], [NaN], [NaN])]).confidence[0]), "an example not presented stays NaN");
  assert.throws(() => meanDataMap([]), { name: "ValueError", message: "meanDataMap: expected at least one data map, got none" });
});
