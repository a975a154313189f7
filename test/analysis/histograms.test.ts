import { test } from "node:test";
import * as assert from "node:assert/strict";
import { integerHistogram } from "../../src/analysis/histograms";

test("integerHistogram(values, {mask, maxValue}) counts integers, skipping negatives", () => {
  assert.deepEqual(integerHistogram([0, 2, 2, -1, 3]), { counts: [1, 0, 2, 1], skipped: 1 });
  assert.deepEqual(integerHistogram([0, 2, 2, -1, 3], { mask: Uint8Array.from([1, 1, 0, 1, 0]), maxValue: 4 }), { counts: [1, 0, 1, 0, 0], skipped: 1 });
  assert.deepEqual(integerHistogram([]), { counts: [], skipped: 0 });
  assert.throws(() => integerHistogram([5], { maxValue: 3 }), { name: "ValueError", message: "integerHistogram: expected values <= maxValue 3, got 5" });
});
