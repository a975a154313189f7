import { test } from "node:test";
import * as assert from "node:assert/strict";
import { consistentlyNeverLearned, countCommon, countMembers, intersection, jaccard, membersOf, nestingMatrix, perClassCounts, union } from "../../src/analysis/sets";

const set = (...bits: number[]) => Uint8Array.from(bits);

test("intersection(sets) keeps examples in every set; union(sets) in any", () => {
  const seeds = [set(1, 1, 0, 1, 0), set(1, 0, 0, 1, 1), set(1, 1, 0, 1, 0)];
  assert.deepEqual([...intersection(seeds)], [1, 0, 0, 1, 0]);
  assert.deepEqual([...union(seeds)], [1, 1, 0, 1, 1]);
  assert.deepEqual([...intersection([set(0, 1)])], [0, 1]);
  assert.throws(() => intersection([]), { name: "ValueError", message: "intersection: expected at least one set, got none" });
  assert.throws(() => union([set(1), set(1, 0)]), { name: "ValueError", message: "union: expected equal lengths, got set 0=1, set 1=2" });
});

test("countMembers(set), countCommon(a, b), membersOf(set)", () => {
  assert.equal(countMembers(set(1, 0, 1, 1)), 3);
  assert.equal(countCommon(set(1, 0, 1, 1), set(0, 0, 1, 1)), 2);
  assert.deepEqual([...membersOf(set(0, 1, 0, 1, 1))], [1, 3, 4]);
  assert.deepEqual([...membersOf(set(0, 0))], []);
});

test("nestingMatrix(sets) counts how many of budget b's set lie in budget a's", () => {
  // Budget 10: {0,1,2,3}; budget 20: {1,2,5}; budget 40: {2}.
  const sets = [set(1, 1, 1, 1, 0, 0), set(0, 1, 1, 0, 0, 1), set(0, 0, 1, 0, 0, 0)];
  const { common, contained } = nestingMatrix(sets);
  assert.deepEqual(common, [
    [4, 2, 1],
    [2, 3, 1],
    [1, 1, 1],
  ]);
  assert.deepEqual(contained[1], [2 / 3, 1, 1 / 3]);
  assert.deepEqual(contained[2], [1, 1, 1]);
  assert.ok(Number.isNaN(nestingMatrix([set(0, 0), set(1, 0)]).contained[0][1]), "an empty set's containment is NaN");
});

test("consistentlyNeverLearned(setsByBudget) is the running intersection from the first budget", () => {
  const sets = [set(1, 1, 1, 0), set(0, 1, 1, 1), set(1, 1, 0, 1)];
  assert.deepEqual(consistentlyNeverLearned(sets).map((s) => [...s]), [
    [1, 1, 1, 0],
    [0, 1, 1, 0],
    [0, 1, 0, 0],
  ]);
  assert.deepEqual(consistentlyNeverLearned([]), []);
});

test("perClassCounts(set, labels, nClasses) counts members per class", () => {
  assert.deepEqual([...perClassCounts(set(1, 1, 0, 1, 1), [0, 2, 2, 2, 1], 3)], [1, 1, 2]);
  assert.throws(() => perClassCounts(set(1), [3], 3), { name: "ValueError", message: "perClassCounts: expected labels in [0, 3), got 3 for example 0" });
});

test("jaccard(a, b) is |a∩b| / |a∪b|, NaN for two empty sets", () => {
  assert.equal(jaccard(set(1, 1, 1, 0, 0), set(0, 1, 1, 1, 1)), 2 / 5);
  assert.equal(jaccard(set(1, 0), set(1, 0)), 1);
  assert.equal(jaccard(set(1, 0), set(0, 1)), 0);
  assert.ok(Number.isNaN(jaccard(set(0, 0), set(0, 0))));
  assert.throws(() => jaccard(set(1), set(1, 1)), { name: "ValueError", message: "jaccard: expected equal lengths, got a=1, b=2" });
});
