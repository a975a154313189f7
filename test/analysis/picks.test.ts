import { test } from "node:test";
import * as assert from "node:assert/strict";
import { forgettingRanking } from "../../src/analysis/ranks";
import { hardestFirst, idsByValue, membersHardestFirst } from "../../src/analysis/picks";
import { Random } from "../../src/core/random";
import { statsFromSequences } from "./fakeRuns";

/** Random runs of 40 examples x 6 epochs. */
function randomRuns(seed: number, k: number) {
  const random = new Random(seed, "picks-test");
  return Array.from({ length: k }, () => statsFromSequences(Array.from({ length: 40 }, () => Array.from({ length: 6 }, () => (random.next() < 0.6 ? 1 : 0)))));
}

test("hardestFirst(ids, ranking) orders by the summed forgetting score, highest first, ties in reverse ranking order", () => {
  const runs = randomRuns(1, 3);
  const ranking = forgettingRanking(runs);
  const ids = [5, 0, 39, 17, 22, 8, 31];
  const ordered = hardestFirst(ids, ranking);
  assert.deepEqual([...ordered].sort((a, b) => a - b), [...ids].sort((a, b) => a - b));
  // Slow reference: the score by hand (forgetting events, or 6 presentations when never learned), summed.
  const score = (id: number) => runs.reduce((sum, s) => sum + (s.neverLearned[id] ? 6 : s.forgettingEvents[id]), 0);
  for (let i = 1; i < ordered.length; i++) {
    assert.ok(score(ordered[i - 1]) >= score(ordered[i]), `score ${score(ordered[i - 1])} before ${score(ordered[i])}`);
    if (score(ordered[i - 1]) === score(ordered[i])) assert.ok(ranking.rank[ordered[i - 1]] > ranking.rank[ordered[i]], "inside a tie, the ranking's order reversed");
  }
});

test("membersHardestFirst(set, ranking) and idsByValue(values, ranking, options) group ids, each group hardest first", () => {
  const runs = randomRuns(2, 2);
  const ranking = forgettingRanking(runs);
  const set = Uint8Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  assert.deepEqual(membersHardestFirst(set, ranking), hardestFirst([...Array(40).keys()].filter((i) => i % 3 === 0), ranking));
  const values = Int32Array.from({ length: 40 }, (_, i) => (i % 7 === 0 ? -1 : i % 4));
  const mask = Uint8Array.from({ length: 40 }, (_, i) => (i < 30 ? 1 : 0));
  const groups = idsByValue(values, ranking, { mask, size: 6 });
  assert.equal(groups.length, 6, "size pads empty groups");
  for (let v = 0; v < 6; v++) {
    const slow = [...Array(40).keys()].filter((i) => i < 30 && values[i] === v);
    assert.deepEqual(groups[v], hardestFirst(slow, ranking));
  }
  assert.equal(idsByValue([0, 2], ranking).length, 3, "default size: largest value + 1");
});
