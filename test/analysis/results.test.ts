import { test } from "node:test";
import * as assert from "node:assert/strict";
import { resultsTable } from "../../src/analysis/results";

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
