import { test } from "node:test";
import * as assert from "node:assert/strict";
import { NOT_RANKED, averageRanks, forgettingRanking, forgettingScores, pairwiseMatrix, removalIds, spearman, spearmanMatrix, tieBlocks } from "../../src/analysis/ranks";
import { Random } from "../../src/core/random";
import { statsFromSequences } from "./fakeRuns";

test("forgettingScores(stats) is forgetting events, or presentations when never learned", () => {
  // Example 0 forgets once (1, 0, 1); 1 is never learned in 3 presentations; 2 and 3 never forget.
  assert.deepEqual([...forgettingScores(statsFromSequences([[1, 0, 1], [0, 0, 0], [1, 1, 1], [0, 1, 1]]))], [1, 3, 0, 0]);
});

/** Position of each exampleId in the documented tie order `new Random(tieSeed, "ranking-ties").permutation(n)`. */
function tiePosition(tieSeed: number, n: number): Int32Array {
  const position = new Int32Array(n);
  new Random(tieSeed, "ranking-ties").permutation(n).forEach((id, k) => (position[id] = k));
  return position;
}

test("forgettingRanking(statsPerRun) sums forgetting, never learned counts as presentations, ties in the seeded order", () => {
  // Example scores: 0 -> 1 + 0 = 1; 1 -> never learned in run A (3 presentations) + 0 = 3;
  // 2 -> 0 + 0 = 0; 3 -> 0 + 1 = 1 (ties with example 0). Tie seed 0's permutation of 4 is
  // [3, 1, 2, 0], so 3 comes before 0; tie seed 2's is [1, 2, 3, 0], 3 still first.
  const runA = statsFromSequences([
    [1, 0, 1],
    [0, 0, 0],
    [1, 1, 1],
    [0, 1, 1],
  ]);
  const runB = statsFromSequences([
    [0, 1, 1],
    [1, 1, 1],
    [0, 0, 1],
    [1, 0, 1],
  ]);
  const ranking = forgettingRanking([runA, runB]);
  assert.deepEqual([...ranking.scores], [1, 3, 0, 1]);
  assert.deepEqual([...ranking.order], [2, 3, 0, 1]);
  assert.deepEqual([...ranking.rank], [2, 3, 0, 1]);
  assert.equal(ranking.tieSeed, 0);
  assert.deepEqual(forgettingRanking([runA, runB], { tieSeed: 0 }), ranking, "the default is tie seed 0");
  assert.deepEqual(tieBlocks(ranking), [
    { score: 0, size: 1, start: 0 },
    { score: 1, size: 2, start: 1 },
    { score: 3, size: 1, start: 3 },
  ]);
  assert.throws(() => forgettingRanking([]), { name: "ValueError", message: "forgettingRanking: expected at least one run, got none" });
  assert.throws(() => forgettingRanking([runA], { tieSeed: -1 }), { name: "ValueError", message: "forgettingRanking: expected options.tieSeed to be an integer >= 0, got -1" });
  assert.throws(() => forgettingRanking([runA], { tieSeed: 0.5 }), { name: "ValueError", message: "forgettingRanking: expected options.tieSeed to be an integer >= 0, got 0.5" });
});

test("forgettingRanking(statsPerRun, {tieSeed}) equals a comparison sort by (score, seeded tie position) on random runs", () => {
  const random = new Random(3, "ranking-test");
  const runs = [0, 1, 2].map(() => statsFromSequences(Array.from({ length: 300 }, () => Array.from({ length: 9 }, () => (random.next() < 0.6 ? 1 : 0)))));
  for (const tieSeed of [0, 7]) {
    const { scores, order, rank } = forgettingRanking(runs, { tieSeed });
    const position = tiePosition(tieSeed, 300);
    const expected = Array.from({ length: 300 }, (_, i) => i).sort((a, b) => scores[a] - scores[b] || position[a] - position[b]);
    assert.deepEqual([...order], expected, `tie seed ${tieSeed}`);
    expected.forEach((id, k) => assert.equal(rank[id], k));
    const blocks = tieBlocks(forgettingRanking(runs, { tieSeed }));
    assert.equal(blocks.reduce((sum, b) => sum + b.size, 0), 300);
    for (const b of blocks) assert.ok(expected.slice(b.start, b.start + b.size).every((id) => scores[id] === b.score), `block of score ${b.score}`);
  }
  assert.notDeepEqual([...forgettingRanking(runs, { tieSeed: 0 }).order], [...forgettingRanking(runs, { tieSeed: 7 }).order], "another seed, another tie order");
});

test("forgettingRanking(statsPerRun, {tieSeed}) puts a tie block in a uniformly random order over seeds", () => {
  // Three examples, all unforgettable (score 0): each of the 3! = 6 orders has probability 1/6.
  // Over 6000 seeds a count is Binomial(6000, 1/6): mean 1000, sd sqrt(6000 * 1/6 * 5/6) = 28.9;
  // the bound of 5 sd (145) is exceeded with probability below 1e-5 per order.
  const allCorrect = statsFromSequences([[1, 1], [1, 1], [1, 1]]);
  const counts = new Map<string, number>();
  for (let tieSeed = 0; tieSeed < 6000; tieSeed++) {
    const key = forgettingRanking([allCorrect], { tieSeed }).order.join("");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), ["012", "021", "102", "120", "201", "210"]);
  for (const [order, count] of counts) assert.ok(Math.abs(count - 1000) <= 145, `order ${order}: ${count} of 6000`);
});

test("averageRanks(values) averages tied ranks (integer and float paths)", () => {
  assert.deepEqual([...averageRanks([10, 20, 20, 30])], [1, 2.5, 2.5, 4]);
  assert.deepEqual([...averageRanks([3, 0, 3, 3, 1])], [4, 1, 4, 4, 2]);
  assert.deepEqual([...averageRanks([0.5, -1, 0.5, 2.25])], [2.5, 1, 2.5, 4]);
});

test("spearman(x, y) matches hand-computed values", () => {
  // y ranks [1, 2, 3.5, 5, 3.5]: sum dxdy = 8, sum dx^2 = 10, sum dy^2 = 9.5 -> 8 / sqrt(95).
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) - 8 / Math.sqrt(95)) < 1e-12);
  assert.ok(Math.abs(spearman([0.5, 0.2, 0.9], [1, 3, 2]) - -0.5) < 1e-12);
  assert.equal(spearman([1, 2, 3], [30, 20, 10]), -1);
  assert.equal(spearman([4, 4, 1], [4, 4, 1]), 1);
  assert.ok(Number.isNaN(spearman([2, 2, 2], [1, 2, 3])), "constant input: NaN");
  assert.ok(Number.isNaN(spearman([1], [1])), "one value: NaN");
  assert.throws(() => spearman([1, 2], [1]), { name: "ValueError", message: "spearman: expected equal lengths, got x=2, y=1" });
});

test("spearmanMatrix(series) equals pairwiseMatrix(series, spearman), NaN for constant series", () => {
  const random = new Random(9, "spearman-matrix");
  const series = [0, 1, 2, 3].map((k) => Array.from({ length: 50 }, () => (k === 3 ? 4 : random.int(6))));
  const fast = spearmanMatrix(series);
  const slow = pairwiseMatrix(series, spearman);
  for (let a = 0; a < 4; a++) {
    for (let b = 0; b < 4; b++) {
      if (a === 3 || b === 3) assert.ok(Number.isNaN(fast[a][b]) && Number.isNaN(slow[a][b]), `constant series ${a},${b}`);
      else assert.ok(Math.abs(fast[a][b] - slow[a][b]) < 1e-12, `${a},${b}`);
    }
  }
  assert.equal(fast[0][0], 1);
  assert.throws(() => spearmanMatrix([[1, 2], [1]]), { name: "ValueError", message: "spearmanMatrix: expected series of equal length 2, got length 1 for series 1" });
});

test("pairwiseMatrix(items, measure) is symmetric with the diagonal computed", () => {
  const calls: string[] = [];
  const m = pairwiseMatrix([1, 2, 4], (a, b) => {
    calls.push(`${a},${b}`);
    return a * 10 + b;
  });
  assert.deepEqual(m, [
    [11, 12, 14],
    [12, 22, 24],
    [14, 24, 44],
  ]);
  assert.equal(calls.length, 6);
});

test("removalIds(ranking, {method, n}) takes the n least forgotten, or a seeded random draw", () => {
  // Scores: 0 -> 2, 1 -> 0, 2 -> 1, 3 -> 0 (never learned counts 2 presentations).
  const ranking = forgettingRanking([statsFromSequences([[1, 0], [1, 1], [0, 1], [1, 1]]), statsFromSequences([[1, 0], [1, 1], [1, 0], [0, 1]])]);
  assert.deepEqual([...ranking.scores], [2, 0, 1, 0]);
  assert.deepEqual(removalIds(ranking, { method: "least-forgotten", n: 3 }), [1, 2, 3]);
  assert.deepEqual(removalIds(ranking, { method: "least-forgotten", n: 0 }), []);
  // n = 1 cuts the tie block {1, 3}: the one removed is the one first in the seeded tie order.
  for (const tieSeed of [0, 1, 2, 3]) {
    const position = tiePosition(tieSeed, 4);
    const seeded = forgettingRanking([statsFromSequences([[1, 0], [1, 1], [0, 1], [1, 1]]), statsFromSequences([[1, 0], [1, 1], [1, 0], [0, 1]])], { tieSeed });
    assert.deepEqual(removalIds(seeded, { method: "least-forgotten", n: 1 }), [position[1] < position[3] ? 1 : 3], `tie seed ${tieSeed}`);
  }
  const random = removalIds(ranking, { method: "random", n: 2, seed: 4 });
  assert.deepEqual(random, Array.from(new Random(4, "removal-random", 2).permutation(4).slice(0, 2)).sort((a, b) => a - b));
  assert.deepEqual(removalIds(ranking, { method: "random", n: 2, seed: 4 }), random, "same seed, same draw");
  assert.throws(() => removalIds(ranking, { method: "random", n: 5 }), {
    name: "ValueError",
    message: "removalIds: expected n to be an integer in [0, 4] (the examples presented in every source run), got 5",
  });
});

/** exampleStats of a subset run: `presented[i]` 0 for the examples the run never saw (their bits are 0, as train writes them). */
const subsetRun = (sequences: number[][], presented: number[]) => statsFromSequences(sequences, { presented: Uint8Array.from(presented) });

test("forgettingScores and forgettingRanking leave out examples a run did not present", () => {
  // Six examples, 2 epochs. Run A never saw 4; run B never saw 4 and 5.
  // Scores A: 0 -> 1 (1, 0), 1 -> 2 (never learned), 2 -> 0, 3 -> 0, 5 -> 0.  B: 0 -> 0, 1 -> 0, 2 -> 1, 3 -> 0.
  const runA = subsetRun([[1, 0], [0, 0], [1, 1], [0, 1], [0, 0], [1, 1]], [1, 1, 1, 1, 0, 1]);
  const runB = subsetRun([[1, 1], [1, 1], [1, 0], [1, 1], [0, 0], [0, 0]], [1, 1, 1, 1, 0, 0]);
  assert.deepEqual([...forgettingScores(runA)], [1, 2, 0, 0, NOT_RANKED, 0]);
  assert.deepEqual([...forgettingScores(runB)], [0, 0, 1, 0, NOT_RANKED, NOT_RANKED]);
  // Presented in both: 0..3, summed 1, 2, 1, 0. Example 5 (seen by A only, unforgettable there) is not ranked either.
  const ranking = forgettingRanking([runA, runB]);
  assert.deepEqual([...ranking.scores], [1, 2, 1, 0, NOT_RANKED, NOT_RANKED]);
  // 3 (score 0) leads and 1 (score 2) ends; 0 and 2 tie at 1, in the documented seeded tie order.
  const tieOrder = Array.from(new Random(0, "ranking-ties").permutation(6));
  const [first, second] = [0, 2].sort((a, b) => tieOrder.indexOf(a) - tieOrder.indexOf(b));
  assert.deepEqual([...ranking.order], [3, first, second, 1]);
  const rank = [0, 0, 0, 0, NOT_RANKED, NOT_RANKED];
  [3, first, second, 1].forEach((id, position) => (rank[id] = position));
  assert.deepEqual([...ranking.rank], rank);
  // The least forgotten are drawn from the ranked examples: 3, then the first of the tie, never the unseen 4 or 5.
  assert.deepEqual(removalIds(ranking, { method: "least-forgotten", n: 2 }), [3, first].sort((a, b) => a - b));
  assert.throws(() => removalIds(ranking, { method: "least-forgotten", n: 5 }), /expected n to be an integer in \[0, 4\]/);
});

test("removalIds(ranking, {method: random}) draws among the ranked examples only", () => {
  // 40 examples, the run saw only the multiples of 4 (ids 0, 4, ..., 36).
  const presented = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? 1 : 0));
  const ranking = forgettingRanking([subsetRun(Array.from({ length: 40 }, (_, i) => [i % 3 === 0 ? 1 : 0, 1]), presented)]);
  const drawn = removalIds(ranking, { method: "random", n: 6, seed: 2 });
  // The documented draw: positions from the seeded permutation of the 10 ranked ids, mapped onto those ids (ascending: 4 * position).
  const expected = Array.from(new Random(2, "removal-random", 6).permutation(10).slice(0, 6), (k) => 4 * k).sort((a, b) => a - b);
  assert.deepEqual(drawn, expected);
  assert.ok(drawn.every((id) => id % 4 === 0), `every drawn id was presented: ${drawn}`);
  assert.equal(new Set(removalIds(ranking, { method: "random", n: 10, seed: 2 })).size, 10, "n = every ranked example draws each once");
});
