/**
 * Permuted pixels across seeds, with real one-epoch runs on the embedded digits: the seeds of
 * a study share one permuted dataset (one checksum) and are analysed together; a run of
 * another permutation seed is another dataset and is left out, never mixed in.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { analyzeExperiment } from "../../src/analysis/experiment";
import { formatSummary, summarizeAnalysis } from "../../src/analysis/summary";
import { scanExperiment } from "../../src/runs/scan";
import { train } from "../../src/train/train";
import { makeTempDir } from "../analysis/fakeRuns";

test("permutePixels: two run seeds share a dataset checksum and are analysed together; another permutationSeed is left out", async () => {
  const outputsRoot = makeTempDir("permuted-seeds-");
  try {
    const options = (runId: string) => ({ outputsRoot, experiment: "permuted", runId, backend: "wasm" as const, quiet: true });
    const base = { dataset: "digits" as const, epochs: 1, batchSize: 128, permutePixels: true };
    const s0 = await train({ ...base, seed: 0 }, options("b1-s0"));
    const s1 = await train({ ...base, seed: 1 }, options("b1-s1"));
    const other = await train({ ...base, seed: 2, permutationSeed: 1 }, options("b1-s2"));
    assert.equal(s0.config.permutationSeed, 0, "the default permutation seed is in the run's config");
    assert.equal(s0.dataset.checksum, s1.dataset.checksum);
    assert.notEqual(other.dataset.checksum, s0.dataset.checksum);
    const variant = (runId: string) => JSON.parse(fs.readFileSync(path.join(outputsRoot, "permuted", runId, "dataset.json"), "utf8")) as { permutePixels: { seed: number; permutationChecksum: string } };
    assert.deepEqual(variant("b1-s1").permutePixels, variant("b1-s0").permutePixels);
    assert.equal(variant("b1-s2").permutePixels.seed, 1);

    const scan = scanExperiment(path.join(outputsRoot, "permuted"));
    assert.deepEqual(scan.used.map((r) => r.runId), ["b1-s0", "b1-s1"]);
    assert.deepEqual(scan.leftOut.map((l) => [l.folder, l.reason]), [["b1-s2", "dataset-mismatch"]]);
    const summary = summarizeAnalysis(analyzeExperiment(scan));
    assert.deepEqual(summary.budgets.map((b) => [b.budget, b.seeds]), [[1, [0, 1]]]);
    assert.match(formatSummary(summary).join("\n"), /runs used: 2; left out: 1/);
  } finally {
    fs.rmSync(outputsRoot, { recursive: true, force: true });
  }
});
