import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { noiseComparison, noiseResults, readNoisyMask, removalResults, rocAuc } from "../../src/analysis/followUps";
import { createRemovalStudy } from "../../src/experiments/removal";
import { createNoiseStudy } from "../../src/experiments/noise";
import { planRuns } from "../../src/config/experiment";
import { Random } from "../../src/core/random";
import { makeTempDir, statsFromSequences, writeFakeRun } from "./fakeRuns";
import { readExperimentConfig, writeExperimentConfig } from "../../src/runs/experiment";

/** Slow reference: compare every (positive, negative) pair, ties 1/2. */
function pairwiseAuc(scores: number[], positive: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (!positive[i]) return;
    scores.forEach((sn, j) => {
      if (positive[j]) return;
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

test("rocAuc(scores, positive) by hand, with ties, and against a pairwise reference", () => {
  assert.equal(rocAuc([3, 2, 1, 0], [1, 1, 0, 0]), 1);
  assert.equal(rocAuc([0, 1, 2, 3], [1, 1, 0, 0]), 0);
  // Positives 2, 1; negatives 1, 0: pairs (2>1) (2>0) (1=1: 1/2) (1>0) -> 3.5 / 4.
  assert.equal(rocAuc([2, 1, 1, 0], [1, 1, 0, 0]), 0.875);
  assert.equal(rocAuc([5, 5, 5], [1, 0, 0]), 0.5);
  assert.ok(Number.isNaN(rocAuc([1, 2], [0, 0])), "no positive: NaN");
  assert.equal(rocAuc([9, 1, 0], [0, 1, 0], { mask: [0, 1, 1] }), 1);
  const random = new Random(5, "auc-test");
  for (let trial = 0; trial < 20; trial++) {
    const n = 5 + random.int(60);
    const scores = Array.from({ length: n }, () => (trial % 2 ? random.int(4) : random.next()));
    const positive = Array.from({ length: n }, (_, i) => (i < 2 ? i : random.next() < 0.3 ? 1 : 0));
    assert.ok(Math.abs(rocAuc(scores, positive) - pairwiseAuc(scores, positive)) < 1e-12, `trial ${trial}`);
  }
  assert.throws(() => rocAuc([1], [1, 0]), { name: "ValueError", message: "rocAuc: expected equal lengths, got scores=1, positive=2" });
});

test("noiseComparison(stats, noisy) compares flipped and clean examples", () => {
  // Flipped: 0 (never learned, score 4), 1 (forgotten twice). Clean: 2 (unforgettable), 3 (forgotten once).
  const stats = statsFromSequences([[0, 0, 0, 0], [1, 0, 1, 0], [1, 1, 1, 1], [0, 1, 0, 1]]);
  const c = noiseComparison(stats, Uint8Array.from([1, 1, 0, 0]));
  assert.deepEqual(c.noisy, { count: 2, meanScore: 3, meanForgettingEvents: 2, neverLearned: 0.5, unforgettable: 0 });
  assert.deepEqual(c.clean, { count: 2, meanScore: 0.5, meanForgettingEvents: 0.5, neverLearned: 0, unforgettable: 0.5 });
  assert.equal(c.auc, 1);
});

test("createRemovalStudy(options) and removalResults(dir): variants from the source ranking, accuracy per fraction", () => {
  const root = makeTempDir("removal-test-");
  try {
    const source = writeExperimentConfig(root, { name: "src", base: { dataset: "digits" }, budgets: [2], seeds: 2 });
    const cfg = (seed: number) => planRuns(readExperimentConfig(source))[seed].config as unknown as Record<string, unknown>;
    // Scores over both seeds: 0 -> 4 (never learned), 1 -> 0, 2 -> 1, 3 -> 0.
    writeFakeRun(source, { runId: "b2-s0", seed: 0, sequences: [[0, 0], [1, 1], [1, 0], [1, 1]], config: cfg(0) });
    writeFakeRun(source, { runId: "b2-s1", seed: 1, sequences: [[0, 0], [1, 1], [0, 1], [1, 1]], config: cfg(1) });
    const dir = createRemovalStudy({ outputsRoot: root, source: "src", name: "removal", counts: [2], seeds: 2 });
    const study = readExperimentConfig(dir);
    assert.deepEqual(study.budgets, [2]);
    assert.deepEqual(study.variants!.map((v) => [v.name, v.config.removeIds ?? null, v.meta]), [
      ["full", null, { method: "none", removed: 0, fraction: 0 }],
      // The cut takes the whole tie block of score 0 (examples 1 and 3): nothing left to draw.
      ["least-forgotten-n2", [1, 3], { method: "least-forgotten", removed: 2, fraction: 0.5, tieSeed: 0, tieScore: 0, tieBlock: 2, tieDrawn: 2 }],
      ["random-n2", Array.from(new Random(0, "removal-random", 2).permutation(4).slice(0, 2)).sort((a, b) => a - b), { method: "random", removed: 2, fraction: 0.5 }],
    ]);
    // Finish some retraining runs by hand: full (both seeds), least-forgotten (seed 0 only).
    const plan = planRuns(study);
    const finish = (runId: string, acc: number[]) => {
      const p = plan.find((r) => r.runId === runId)!;
      writeFakeRun(dir, { runId, seed: p.seed, sequences: [[1, 1], [1, 1], [1, 1], [1, 1]], config: p.config, acc });
    };
    finish("full-b2-s0", [0.8, 0.9]);
    finish("full-b2-s1", [0.7, 0.6]);
    finish("least-forgotten-n2-b2-s0", [0.85, 0.5]);
    const results = removalResults(dir);
    assert.deepEqual(results.map((r) => [r.variant, r.method, r.removed, r.fraction, r.seeds, r.best, r.missingSeeds]), [
      ["full", "none", 0, 0, [0, 1], [0.9, 0.7], []],
      ["least-forgotten-n2", "least-forgotten", 2, 0.5, [0], [0.85], [1]],
      ["random-n2", "random", 2, 0.5, [], [], [0, 1]],
    ]);
    assert.ok(Math.abs(results[0].mean - 0.8) < 1e-12);
    assert.throws(() => createRemovalStudy({ outputsRoot: root, source: "src", sourceBudget: 9, name: "r2", counts: [1], seeds: 1 }), /expected completed runs of budget 9 .*got budgets \[2\]/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("createRemovalStudy(options) from a subset source keeps the subset and draws removals among the presented examples", () => {
  const root = makeTempDir("removal-subset-test-");
  try {
    // A source without experiment.json: runs of `train --remove-ids`, seed 0 without 1 and 5, seed 1 without 5 and 6.
    const source = path.join(root, "src");
    const config = (removeIds: number[]) => ({ dataset: "digits", removeIds });
    // Seed 0 scores: 0 -> 2 (never learned), 2 -> 0, 3 -> 1, 4 -> 0, 6 -> 0, 7 -> 0 (1 and 5 not presented, bits 0).
    writeFakeRun(source, { runId: "s0", seed: 0, sequences: [[0, 0], [0, 0], [1, 1], [1, 0], [1, 1], [0, 0], [1, 1], [0, 1]], config: config([1, 5]) });
    // Seed 1 scores: 0 -> 2, 1 -> 0, 2 -> 0, 3 -> 0, 4 -> 0, 7 -> 1 (5 and 6 not presented).
    writeFakeRun(source, { runId: "s1", seed: 1, sequences: [[0, 0], [1, 1], [1, 1], [1, 1], [0, 1], [0, 0], [0, 0], [1, 0]], config: config([5, 6]) });
    // Presented in both: 0, 2, 3, 4, 7 with summed scores 4, 0, 1, 0, 1: least forgotten 2, 4 (never the unseen 1, 5, 6).
    const dir = createRemovalStudy({ outputsRoot: root, source: "src", name: "removal", counts: [2], seeds: 1, randomSeed: 3 });
    const study = readExperimentConfig(dir);
    assert.deepEqual(study.base.removeIds, [1, 5, 6], "the baseline trains on what every source run saw");
    const presentedInBoth = [0, 2, 3, 4, 7];
    const randomDraw = Array.from(new Random(3, "removal-random", 2).permutation(5).slice(0, 2), (k) => presentedInBoth[k]);
    assert.deepEqual(study.variants!.map((v) => [v.name, v.config.removeIds ?? null, v.meta]), [
      ["full", null, { method: "none", removed: 0, fraction: 0 }],
      // The cut (n = 2) falls in the score-0 tie block {2, 4}, which starts at 0: both are drawn.
      ["least-forgotten-n2", [1, 2, 4, 5, 6], { method: "least-forgotten", removed: 2, fraction: 2 / 5, tieSeed: 3, tieScore: 0, tieBlock: 2, tieDrawn: 2 }],
      ["random-n2", [1, 5, 6, ...randomDraw].sort((a, b) => a - b), { method: "random", removed: 2, fraction: 2 / 5 }],
    ]);
    // Every planned run, "full" included, leaves out the source's subset.
    for (const planned of planRuns(study)) {
      const removed = planned.config.removeIds ?? [];
      assert.ok([1, 5, 6].every((id) => removed.includes(id)), `${planned.runId} removes ${removed}`);
      assert.equal(removed.length, planned.variant!.name === "full" ? 3 : 5, planned.runId);
    }
    assert.throws(() => createRemovalStudy({ outputsRoot: root, source: "src", name: "r2", counts: [6], seeds: 1 }), /removalIds: expected n to be an integer in \[0, 5\]/);
    // Fractions are of the 5 examples the source trained on in every run: 0.4 -> 2 (not 0.4 of all 8 -> 3).
    const byFraction = readExperimentConfig(createRemovalStudy({ outputsRoot: root, source: "src", name: "r3", fractions: [0.4], seeds: 1, randomSeed: 3 }));
    assert.deepEqual(byFraction.variants!.map((v) => v.name), ["full", "least-forgotten-n2", "random-n2"]);
    assert.throws(() => createRemovalStudy({ outputsRoot: root, source: "src", name: "r4", seeds: 1 }), /createRemovalStudy: expected counts or fractions \(one of them\), got neither/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("createNoiseStudy(options) and noiseResults(dir): flipped vs clean forgetting and AUC per fraction", () => {
  const root = makeTempDir("noise-test-");
  try {
    const dir = createNoiseStudy({ outputsRoot: root, name: "noise", base: { dataset: "digits" }, fractions: [0.5], epochs: 4, seeds: 1 });
    const plan = planRuns(readExperimentConfig(dir));
    assert.deepEqual(plan.map((p) => [p.runId, p.config.labelNoise]), [["noise-0.5-b4-s0", 0.5]]);
    const runDir = writeFakeRun(dir, {
      runId: "noise-0.5-b4-s0",
      seed: 0,
      sequences: [[0, 0, 0, 0], [1, 0, 1, 0], [1, 1, 1, 1], [0, 1, 0, 1]],
      config: plan[0].config,
    });
    assert.throws(() => noiseResults(dir), /noise\.json: label-noise record is missing/);
    fs.writeFileSync(path.join(runDir, "noise.json"), JSON.stringify({ fraction: 0.5, seed: 0, count: 2, noisyIds: [0, 1], noisyLabels: [1, 0] }));
    assert.deepEqual([...readNoisyMask(runDir, 4)], [1, 1, 0, 0]);
    const [result] = noiseResults(dir);
    assert.equal(result.labelNoise, 0.5);
    assert.equal(result.meanAuc, 1);
    assert.equal(result.meanScoreNoisy, 3);
    assert.equal(result.meanScoreClean, 0.5);
    assert.deepEqual(result.missingSeeds, []);
    assert.throws(() => createNoiseStudy({ outputsRoot: root, name: "n2", base: {}, fractions: [0], epochs: 2, seeds: 1 }), /expected fractions > 0/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("createRemovalStudy({rankBy}) removes the n easiest by each score (AUM: highest mean margin over seeds) beside the shared random control", () => {
  const root = makeTempDir("removal-scores-test-");
  try {
    const source = writeExperimentConfig(root, { name: "src", base: { dataset: "digits" }, budgets: [2], seeds: 2 });
    const cfg = (seed: number) => ({ ...(planRuns(readExperimentConfig(source))[seed].config as unknown as Record<string, unknown>), recordFloats: ["margin"] });
    const sequences = [[0, 0], [1, 1], [1, 0], [1, 1]];
    // Mean margin over epochs and seeds: example 0 -> -1.5, 1 -> 2.5, 2 -> 0.25, 3 -> 1.
    writeFakeRun(source, { runId: "b2-s0", seed: 0, sequences, config: cfg(0), floats: { margin: [[-1, 3, 0.5, 1], [-2, 2, 0, 1]] } });
    writeFakeRun(source, { runId: "b2-s1", seed: 1, sequences, config: cfg(1), floats: { margin: [[-1, 2, 0.5, 1], [-2, 3, 0, 1]] } });
    const dir = createRemovalStudy({ outputsRoot: root, source: "src", name: "removal", counts: [1, 3], seeds: 1, rankBy: ["aum"] });
    assert.deepEqual(readExperimentConfig(dir).variants!.map((v) => [v.name, v.config.removeIds ?? null, v.meta?.method, v.meta?.score ?? null]), [
      ["full", null, "none", null],
      ["random-n1", Array.from(new Random(0, "removal-random", 1).permutation(4).slice(0, 1)), "random", null],
      ["easiest-aum-n1", [1], "easiest", "aum"],
      ["random-n3", Array.from(new Random(0, "removal-random", 3).permutation(4).slice(0, 3)).sort((a, b) => a - b), "random", null],
      ["easiest-aum-n3", [1, 2, 3], "easiest", "aum"],
    ]);
    assert.throws(() => createRemovalStudy({ outputsRoot: root, source: "src", name: "removal2", counts: [1], seeds: 1, rankBy: ["el2n"] }), /rankBy "el2n": expected source runs with the float records it needs .* got runs recording \[margin\]/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
