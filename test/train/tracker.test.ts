import { test } from "node:test";
import * as assert from "node:assert/strict";
import { ForgettingTracker } from "../../src/train/tracker";
import { ValueError } from "../../src/core/errors";

test("ForgettingTracker.add(exampleIds, correct, floats) stores values by exampleId, not batch order", () => {
  const t = new ForgettingTracker(10, ["loss"]);
  t.add([9, 0, 3], [1, 1, 0], { loss: [0.5, 0.25, 2] });
  t.add([8, 1], [0, 1], { loss: [1, 0.125] });
  assert.equal(t.presentedCount, 5);
  // correct: ids 0, 1, 9 -> byte 0 = bits 0,1 = 0b11 = 3; byte 1 = bit 1 (id 9) = 2
  assert.deepEqual(Array.from(t.correctRow()), [3, 2]);
  const loss = t.floatRow("loss");
  assert.equal(loss[9], 0.5);
  assert.equal(loss[0], 0.25);
  assert.equal(loss[3], 2);
  assert.equal(loss[1], 0.125);
  assert.ok(Number.isNaN(loss[2]), "an unpresented example has NaN");
});

test("ForgettingTracker.startEpoch() clears the previous epoch", () => {
  const t = new ForgettingTracker(3);
  t.add([0, 1, 2], [1, 1, 1]);
  assert.deepEqual(Array.from(t.correctRow()), [7]);
  t.startEpoch();
  assert.deepEqual(Array.from(t.correctRow()), [0]);
  t.add([2], [1]);
  assert.deepEqual(Array.from(t.correctRow()), [4]);
});

test("ForgettingTracker.add() rejects ids out of range, repeats and mismatched lengths", () => {
  const t = new ForgettingTracker(4, ["margin"]);
  const isValueError = (re: RegExp) => (e: Error) => e instanceof ValueError && re.test(e.message);
  assert.throws(() => t.add([4], [1], { margin: [0] }), isValueError(/expected exampleIds in \[0, 4\), got 4/));
  t.add([1], [1], { margin: [0] });
  assert.throws(() => t.add([1], [1], { margin: [0] }), isValueError(/exampleId 1 was already presented/));
  assert.throws(() => t.add([2, 3], [1], { margin: [0, 0] }), isValueError(/expected 2 correctness values/));
  assert.throws(() => t.add([2], [1]), isValueError(/expected 1 "margin" values, got none/));
});
