import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { analyzeBudget, analyzeExperiment } from "../../src/analysis/experiment";
import { formatSummary, summarizeAnalysis } from "../../src/analysis/summary";
import { exampleStats } from "../../src/runs/stats";
import { recordFromRows } from "../../src/runs/record";
import { scanExperiment } from "../../src/runs/scan";
import { makeTempDir, writeFakeRun } from "./fakeRuns";

const transpose = (sequences: number[][]) => sequences[0].map((_, e) => sequences.map((s) => s[e]));
const run = (sequences: number[][]) => exampleStats(recordFromRows(transpose(sequences), sequences.length));

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
  const b = analyzeBudget([run(seed0), run(seed1)], { budget: 3, seeds: [0, 1], labels: [0, 1, 1, 0], nClasses: 2 });
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
  assert.throws(() => analyzeBudget([run(seed0)], { budget: 3, seeds: [0, 1] }), {
    name: "ValueError",
    message: "analyzeBudget: expected 1 seeds (one per run), got 2",
  });
});

test("analyzeBudget(statsPerSeed, {tieSeed}) orders ties by the seed; Spearman keeps average ranks", () => {
  const b = analyzeBudget([run(seed0), run(seed1)], { budget: 3, seeds: [0, 1], tieSeed: 1 });
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
    const prob = (seq: number[][]) => transpose(seq).map((row) => row.map((c) => (c ? 0.75 : 0.25)));
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
    assert.match(text, /^\s+3\s+2\s+1 \/ 3 \/ \[2, 2\]/m);
    assert.match(text, /3: s0 60\.00, s1 80\.00; mean 70\.00/);
    assert.match(text, /^ {2}budget 3, tie seed 0: score 3 x 2 \(50\.0%\), score 1 x 1 \(25\.0%\), score 6 x 1 \(25\.0%\); 3 scores$/m);
    const reseeded = analyzeExperiment(scanExperiment(dir), { tieSeed: 1 });
    assert.deepEqual([...reseeded.budgets[0].ranking.order], [3, 2, 1, 0], "the tie seed reaches every budget's ranking");
    assert.equal(summarizeAnalysis(reseeded).budgets[1].ranking.tieSeed, 1);
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
