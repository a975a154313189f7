import test from "node:test";
import assert from "node:assert/strict";
import { recordFromRows, correctAt } from "../../src/runs/record";

test("recordFromRows(rows) packs bits least significant first", () => {
  const rows = [
    [1, 0, 0, 0, 0, 0, 0, 0, 1],
    [0, 1, 0, 0, 0, 0, 0, 0, 0],
  ];
  const record = recordFromRows(rows);
  assert.equal(record.rowBytes, 2);
  assert.deepEqual(Array.from(record.bits), [0b00000001, 0b1, 0b00000010, 0]);
  assert.equal(correctAt(record, 0, 8), 1);
  assert.equal(correctAt(record, 1, 8), 0);
  assert.equal(correctAt(record, 1, 1), 1);
});
