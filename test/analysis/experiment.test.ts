import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { analyzeBudget, analyzeExperiment } from "../../src/analysis/experiment";
import { formatSummary, summarizeAnalysis } from "../../src/analysis/summary";
import { scanExperiment } from "../../src/runs/scan";
import { makeTempDir, rowsFromSequences, statsFromSequences, writeFakeRun } from "./fakeRuns";
import { NOT_RANKED } from "../../src/analysis/ranks";
import { exampleTableCsv } from "../../src/analysis/exports";
import { Random } from "../../src/core/random";

// Four examples over 3 epochs in two seeds. Never learned: seed 0 {0, 1}, seed 1 {0, 2}.
const seed0 = [
  [0, 0, 0],
  [0, 0, 0],
  [1, 1, 1],
  [1, 0, 1],
];
const seed1 = [
  [0, 0, 0],
  [0, 1, 1],
  [0, 0, 0],
  [1, 1, 1],
];

test("analyzeBudget(statsPerSeed, options) on a hand-made budget", () => {
  const b = analyzeBudget([statsFromSequences(seed0), statsFromSequences(seed1)], { budget: 3, seeds: [0, 1], labels: [0, 1, 1, 0], nClasses: 2 });
  assert.deepEqual(b.neverLearnedPerSeed, [2, 2]);
  assert.deepEqual([...b.neverLearnedAll], [1, 0, 0, 0]);
  assert.deepEqual([...b.neverLearnedAny], [1, 1, 1, 0]);
  assert.deepEqual([...b.neverLearnedSeedCount], [2, 1, 1, 0]);
  assert.deepEqual([...b.unforgettableAll], [0, 0, 0, 0]);
  // Scores: 0 -> 3 + 3; 1 -> 3 + 0; 2 -> 0 + 3; 3 -> 1 + 0.
  assert.deepEqual([...b.ranking.scores], [6, 3, 3, 1]);
  // 1 and 2 tie at 3: they keep their order in new Random(0, "ranking-ties").permutation(4) = [3, 1, 2, 0].
  assert.deepEqual([...b.ranking.order], [3, 1, 2, 0]);
  // Per-seed scores [3, 3, 0, 1] and [3, 0, 3, 0]: ranks [3.5, 3.5, 1, 2] and [3.5, 1.5, 3.5, 1.5].
  // dx = [1, 1, -1.5, -0.5], dy = [1, -1, 1, -1]: sum dxdy = -1, sxx = 4.5, syy = 4.
  assert.ok(Math.abs(b.spearman[0][1] - -1 / Math.sqrt(18)) < 1e-12);
  assert.equal(b.jaccard[0][1], 1 / 3);
  // First learned: seed 0 examples 2, 3 in epoch 1; seed 1 example 1 in epoch 2, example 3 in epoch 1.
  assert.deepEqual(b.firstLearnedHistogram, { counts: [3, 1, 0], never: 4 });
  // Forgetting events of learned (example, seed) pairs: 0, 1 (seed 0), 0, 0 (seed 1).
  assert.deepEqual(b.forgettingHistogram, [3, 1]);
  assert.deepEqual([...b.perClass!.neverLearnedAll], [1, 0]);
  assert.deepEqual([...b.perClass!.neverLearnedAny], [1, 2]);
  assert.deepEqual(b.perClass!.neverLearnedPerSeed.map((c) => [...c]), [
    [1, 1],
    [1, 1],
  ]);
  assert.throws(() => analyzeBudget([statsFromSequences(seed0)], { budget: 3, seeds: [0, 1] }), {
    name: "ValueError",
    message: "analyzeBudget: expected 1 seeds (one per run), got 2",
  });
});

test("analyzeBudget(statsPerSeed, {tieSeed}) orders ties by the seed; Spearman keeps average ranks", () => {
  const b = analyzeBudget([statsFromSequences(seed0), statsFromSequences(seed1)], { budget: 3, seeds: [0, 1], tieSeed: 1 });
  assert.equal(b.ranking.tieSeed, 1);
  assert.deepEqual([...b.ranking.scores], [6, 3, 3, 1]);
  // new Random(1, "ranking-ties").permutation(4) = [3, 2, 1, 0]: the tie at 3 is now 2 before 1.
  assert.deepEqual([...b.ranking.order], [3, 2, 1, 0]);
  assert.deepEqual([...b.ranking.rank], [3, 2, 1, 0]);
  // The same value as with tie seed 0 in the test above: ties keep averaged ranks there.
  assert.ok(Math.abs(b.spearman[0][1] - -1 / Math.sqrt(18)) < 1e-12);
});

test("analyzeExperiment(scan) reads run files: budgets, nesting, consistent sets, results, data maps", () => {
  const dir = makeTempDir("analyze-test-");
  try {
    writeFakeRun(dir, { runId: "b3-s0", seed: 0, sequences: seed0, acc: [0.5, 0.6, 0.55] });
    writeFakeRun(dir, { runId: "b3-s1", seed: 1, sequences: seed1, acc: [0.4, 0.8, 0.7] });
    // Budget 4: example 0 never learned in both seeds, example 1 in both, example 2 learned.
    const long0 = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 1, 1, 1], [1, 1, 1, 1]];
    const long1 = [[0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1]];
    const prob = (seq: number[][]) => rowsFromSequences(seq).map((row) => row.map((c) => (c ? 0.75 : 0.25)));
    writeFakeRun(dir, { runId: "b4-s0", seed: 0, sequences: long0, floats: { prob: prob(long0) } });
    writeFakeRun(dir, { runId: "b4-s1", seed: 1, sequences: long1, floats: { prob: prob(long1) } });
    fs.writeFileSync(path.join(dir, "b3-s0", "examples.csv"), 'exampleId,label,name\n0,0,a.png\n1,1,"b,1.png"\n2,1,c.png\n3,0,d.png\n');
    const progress: string[] = [];
    const analysis = analyzeExperiment(scanExperiment(dir), { onProgress: (done, total, id) => progress.push(`${done}/${total} ${id}`) });
    assert.deepEqual(progress, ["1/4 b3-s0", "2/4 b3-s1", "3/4 b4-s0", "4/4 b4-s1"]);
    assert.deepEqual([...analysis.labels!], [0, 1, 1, 0]);
    assert.deepEqual(analysis.exampleNames, ["a.png", "b,1.png", "c.png", "d.png"]);
    assert.deepEqual(analysis.nesting.common, [
      [1, 1],
      [1, 2],
    ]);
    assert.deepEqual(analysis.consistentlyNeverLearned.map((s) => [...s]), [
      [1, 0, 0, 0],
      [1, 0, 0, 0],
    ]);
    assert.deepEqual(analysis.dataMaps[0], null);
    const map = analysis.dataMaps[1]!;
    assert.deepEqual([...map.confidence], [0.25, 0.25, (0.625 + 0.75) / 2, 0.75]);
    assert.deepEqual([...map.correctness], [0, 0, (0.75 + 1) / 2, 1]);
    assert.deepEqual(analysis.results[0].best, [0.6, 0.8]);

    const summary = summarizeAnalysis(analysis);
    assert.equal(summary.budgets[0].neverLearnedAll, 1);
    assert.deepEqual(summary.budgets[1].neverLearnedAllIds, [0, 1]);
    assert.deepEqual(summary.budgets[0].perClass!.neverLearnedAny, { zero: 1, one: 2 });
    assert.deepEqual(summary.budgets[1].perClass!.consistentlyNeverLearned, { zero: 1, one: 0 });
    assert.deepEqual(summary.budgets[0].perClass!.neverLearnedPerSeed, [{ zero: 1, one: 1 }, { zero: 1, one: 1 }]);
    assert.equal(summary.budgets[1].consistentlyNeverLearned, 1);
    // Budget 3 scores [6, 3, 3, 1] (see the first test): one tie block of 2.
    assert.deepEqual(summary.budgets[0].ranking, { tieSeed: 0, tieBlocks: [{ score: 1, size: 1 }, { score: 3, size: 2 }, { score: 6, size: 1 }] });
    const json = JSON.parse(JSON.stringify(summary)) as typeof summary;
    assert.equal(json.budgets[1].meanSpearman, 1, "identical never-learned/forgetting scores in budget 4");
    const text = formatSummary(summary).join("\n");
    assert.match(text, /runs used: 4; left out: 0/);
    assert.match(text, /^\s+3\s+2\s+4\s+1 \/ 3 \/ \[2, 2\]/m);
    assert.match(text, /3: s0 60\.00, s1 80\.00; mean 70\.00/);
    assert.match(text, /^ {2}budget 3, tie seed 0: score 3 x 2 \(50\.0%\), score 1 x 1 \(25\.0%\), score 6 x 1 \(25\.0%\); 3 scores$/m);
    const reseeded = analyzeExperiment(scanExperiment(dir), { tieSeed: 1 });
    assert.deepEqual([...reseeded.budgets[0].ranking.order], [3, 2, 1, 0], "the tie seed reaches every budget's ranking");
    assert.equal(summarizeAnalysis(reseeded).budgets[1].ranking.tieSeed, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("analyzeBudget(statsPerSeed, options) over seeds that saw different subsets compares them where both saw the examples", () => {
  // Five examples over 3 epochs. Seed 0 never saw example 4, seed 1 never saw example 3 (their bits stay 0, as train writes them).
  // Seed 0: 0 never learned (score 3), 1 forgot once (1), 2 unforgettable (0), 3 never learned (3).
  // Seed 1: 0 never learned (3), 1 learned in epoch 2 and kept (0), 2 forgot once (1), 4 never learned (3).
  const subset0 = statsFromSequences([[0, 0, 0], [1, 0, 1], [1, 1, 1], [0, 0, 0], [0, 0, 0]], { presented: Uint8Array.from([1, 1, 1, 1, 0]) });
  const subset1 = statsFromSequences([[0, 0, 0], [0, 1, 1], [1, 0, 0], [0, 0, 0], [0, 0, 0]], { presented: Uint8Array.from([1, 1, 1, 0, 1]) });
  const b = analyzeBudget([subset0, subset1], { budget: 3, seeds: [0, 1], labels: [0, 1, 1, 0, 1], nClasses: 2 });
  assert.deepEqual([...b.presentedAll], [1, 1, 1, 0, 0]);
  // Each seed's own count covers what it saw; 3 and 4 are never learned by the seed that saw them, and absent from the other.
  assert.deepEqual(b.neverLearnedPerSeed, [2, 2]);
  assert.deepEqual(b.perClass!.neverLearnedPerSeed.map((c) => [...c]), [
    [2, 0],
    [1, 1],
  ]);
  // Across seeds only examples 0..2 count: 3 and 4 are in no combined set.
  assert.deepEqual([...b.neverLearnedAll], [1, 0, 0, 0, 0]);
  assert.deepEqual([...b.neverLearnedAny], [1, 0, 0, 0, 0]);
  assert.deepEqual([...b.neverLearnedSeedCount], [2, 0, 0, 0, 0]);
  assert.deepEqual([...b.unforgettableAll], [0, 0, 0, 0, 0]);
  assert.deepEqual([...b.perClass!.neverLearnedAny], [1, 0]);
  assert.deepEqual([...b.ranking.scores], [6, 1, 1, NOT_RANKED, NOT_RANKED]);
  assert.deepEqual([...b.ranking.order], [1, 2, 0]);
  // Scores over 0..2: [3, 1, 0] and [3, 0, 1], ranks [3, 2, 1] and [3, 1, 2]: dx = [1, 0, -1], dy = [1, -1, 0]: 1 / sqrt(2 * 2).
  assert.ok(Math.abs(b.spearman[0][1] - 0.5) < 1e-12, `spearman ${b.spearman[0][1]}`);
  // Never-learned sets within 0..2: {0} and {0}.
  assert.equal(b.jaccard[0][1], 1);
  // Pooled over each seed's presented examples: first learned seed 0: 1, 2 in epoch 1; seed 1: 2 in epoch 1, 1 in epoch 2.
  assert.deepEqual(b.firstLearnedHistogram, { counts: [3, 1, 0], never: 4 });
  // Forgetting events of the learned pairs: seed 0: 1 (1), 2 (0); seed 1: 1 (0), 2 (1).
  assert.deepEqual(b.forgettingHistogram, [2, 2]);
});

/** Slow reference: average ranks by counting, for each value, the values below it and the ties. */
function slowAverageRanks(values: number[]): number[] {
  return values.map((v) => 1 + values.filter((w) => w < v).length + (values.filter((w) => w === v).length - 1) / 2);
}

/** Slow reference: Spearman's rho as Pearson's correlation of average ranks, computed from scratch. */
function slowSpearman(x: number[], y: number[]): number {
  const rx = slowAverageRanks(x);
  const ry = slowAverageRanks(y);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const mx = mean(rx);
  const my = mean(ry);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  rx.forEach((_, i) => {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

/** The paper's per-run score from a correctness sequence: 1 -> 0 steps, or the number of presentations if never correct. */
function slowScore(sequence: number[]): number {
  if (!sequence.includes(1)) return sequence.length;
  return sequence.filter((bit, e) => e > 0 && sequence[e - 1] === 1 && bit === 0).length;
}

test("the issue's protocol in miniature: subset runs are analysed over the examples they were presented", () => {
  // 40 examples; budget 6: both seeds trained without ids 24..39 (the first 24 kept, like the first 10,000 of MNIST);
  // budget 4: seed 0 without 30..39, seed 1 without 0..5 (different subsets: compared over 6..29).
  const dir = makeTempDir("analyze-subset-");
  try {
    const random = new Random(11, "subset-protocol");
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
    const runs = [
      { runId: "b6-s0", seed: 0, epochs: 6, removeIds: range(24, 40) },
      { runId: "b6-s1", seed: 1, epochs: 6, removeIds: range(24, 40) },
      { runId: "b4-s0", seed: 0, epochs: 4, removeIds: range(30, 40) },
      { runId: "b4-s1", seed: 1, epochs: 4, removeIds: range(0, 6) },
    ].map((r) => {
      const removed = new Set(r.removeIds);
      // Mostly learned examples with some forgetting; unpresented examples keep 0 bits, as train writes them.
      const sequences = range(0, 40).map((i) => range(0, r.epochs).map(() => (removed.has(i) ? 0 : random.next() < 0.7 ? 1 : 0)));
      writeFakeRun(dir, { runId: r.runId, seed: r.seed, sequences, config: { removeIds: r.removeIds } });
      return { ...r, removed, sequences };
    });
    const analysis = analyzeExperiment(scanExperiment(dir));
    const summary = summarizeAnalysis(analysis);
    assert.deepEqual(summary.budgets.map((b) => b.budget), [4, 6]);
    for (const [k, budget] of [4, 6].entries()) {
      const [a, b] = runs.filter((r) => r.epochs === budget);
      const both = range(0, 40).filter((i) => !a.removed.has(i) && !b.removed.has(i));
      const reference = slowSpearman(both.map((i) => slowScore(a.sequences[i])), both.map((i) => slowScore(b.sequences[i])));
      const s = summary.budgets[k];
      assert.ok(Math.abs(s.meanSpearman - reference) < 1e-12, `budget ${budget}: product ${s.meanSpearman}, reference ${reference}`);
      // Ranking the unpresented examples as score-0 ties (the reported bug) gives another value: the test tells them apart.
      const everything = range(0, 40);
      const withAbsent = slowSpearman(everything.map((i) => (a.removed.has(i) ? 0 : slowScore(a.sequences[i]))), everything.map((i) => (b.removed.has(i) ? 0 : slowScore(b.sequences[i]))));
      assert.ok(Math.abs(withAbsent - reference) > 1e-3, `budget ${budget}: ${withAbsent} vs ${reference}`);
      assert.equal(s.presentedAll, both.length);
      const neverInBoth = both.filter((i) => !a.sequences[i].includes(1) && !b.sequences[i].includes(1));
      assert.deepEqual(s.neverLearnedAllIds, neverInBoth);
      assert.equal(s.neverLearnedAny, both.filter((i) => !a.sequences[i].includes(1) || !b.sequences[i].includes(1)).length);
      assert.deepEqual(s.neverLearnedPerSeed, [a, b].map((r) => range(0, 40).filter((i) => !r.removed.has(i) && !r.sequences[i].includes(1)).length));
      const ranked = analysis.budgets[k].ranking.order;
      assert.deepEqual([...ranked].sort((x, y) => x - y), both, `budget ${budget}: the ranking holds the examples both seeds saw`);
      // The export has a row for exactly those examples.
      const rows = exampleTableCsv(analysis, k).trim().split("\n").slice(1).map((line) => Number(line.split(",")[0]));
      assert.deepEqual(rows, both);
    }
    assert.equal(summary.budgets[0].presentedAll, 24, "budget 4 compares ids 6..29");
    assert.equal(summary.budgets[1].presentedAll, 24, "budget 6 compares ids 0..23");
    assert.match(formatSummary(summary).join("\n"), /presented\(all\)/);
    assert.match(formatSummary(summary).join("\n"), /^\s+6\s+2\s+24\s+/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("analyzeExperiment(scan) on an empty experiment says why nothing can be analysed", () => {
  const dir = makeTempDir("analyze-empty-");
  try {
    writeFakeRun(dir, { runId: "r", seed: 0, sequences: seed0, status: "running", epochsCompleted: 1, rowsWritten: 1 });
    assert.throws(() => analyzeExperiment(scanExperiment(dir)), (err: Error) =>
      err.name === "ValueError" && err.message === `analyzeExperiment: expected at least one usable run in ${dir}, got none; left out: r (not-completed)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
