import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { analyzeExperiment } from "../../src/analysis/experiment";
import { exampleTableCsv, neverLearnedBudgetsByExample, neverLearnedByClass, writeExports } from "../../src/analysis/exports";
import { scanExperiment } from "../../src/runs/scan";
import { makeTempDir, writeFakeRun } from "./fakeRuns";
import { skipIfMissing } from "../requirements";

// Budget 2: never learned in both seeds {0, 2}; budget 3: {0}.
function makeExperiment(dir: string, withNames: boolean) {
  writeFakeRun(dir, { runId: "b2-s0", seed: 0, sequences: [[0, 0], [1, 1], [0, 0]] });
  writeFakeRun(dir, { runId: "b2-s5", seed: 5, sequences: [[0, 0], [0, 1], [0, 0]] });
  writeFakeRun(dir, { runId: "b3-s0", seed: 0, sequences: [[0, 0, 0], [1, 0, 1], [0, 0, 1]] });
  writeFakeRun(dir, { runId: "b3-s5", seed: 5, sequences: [[0, 0, 0], [1, 1, 1], [1, 1, 1]] });
  if (withNames) fs.writeFileSync(path.join(dir, "b2-s0", "examples.csv"), 'exampleId,label,name\n0,1,"ant photos, 1.jpg"\n1,0,bee.jpg\n2,0,b2.jpg\n');
  return analyzeExperiment(scanExperiment(dir));
}

test("neverLearnedByClass(analysis, k) and neverLearnedBudgetsByExample(analysis) give the reference JSON forms", () => {
  const dir = makeTempDir("export-test-");
  try {
    const named = makeExperiment(dir, true);
    assert.deepEqual(neverLearnedByClass(named, 0), { zero: ["b2.jpg"], one: ["ant photos, 1.jpg"] });
    assert.deepEqual(neverLearnedByClass(named, 1), { zero: [], one: ["ant photos, 1.jpg"] });
    assert.deepEqual(neverLearnedBudgetsByExample(named), { "ant photos, 1.jpg": [2, 3], "b2.jpg": [2] });
    fs.rmSync(path.join(dir, "b2-s0", "examples.csv"));
    const plain = analyzeExperiment(scanExperiment(dir));
    assert.deepEqual(neverLearnedByClass(plain, 0), { all: [0, 2] });
    assert.deepEqual(neverLearnedBudgetsByExample(plain), { "0": [2, 3], "2": [2] });
    assert.throws(() => neverLearnedByClass(plain, 2), { name: "ValueError", message: "neverLearnedByClass: expected a budget index in [0, 2), got 2" });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("exampleTableCsv(analysis, k) writes one row per example with every statistic", () => {
  const dir = makeTempDir("export-csv-");
  try {
    const analysis = makeExperiment(dir, true);
    const lines = exampleTableCsv(analysis, 1).split("\n");
    assert.equal(
      lines[0],
      "example_id,label,class_name,name,never_learned_all,never_learned_any,never_learned_seeds,unforgettable_all,consistently_never_learned,forgetting_score,forgetting_rank,forgetting_events_s0,first_learned_epoch_s0,forgetting_events_s5,first_learned_epoch_s5,confidence,variability,correctness",
    );
    // Example 0: never learned in both seeds (score 3 + 3), consistent since budget 2.
    assert.equal(lines[1], '0,1,one,"ant photos, 1.jpg",1,1,2,0,1,6,2,0,,0,,,,');
    // Example 1: seed 0 forgot once (1, 0, 1), seed 5 unforgettable: score 1.
    assert.equal(lines[2], "1,0,zero,bee.jpg,0,0,0,0,0,1,1,1,1,0,1,,,");
    // Example 2: learned in the last epoch of seed 0, from the start in seed 5: never
    // forgotten in either seed, so unforgettable in all, score 0.
    assert.equal(lines[3], "2,0,zero,b2.jpg,0,0,0,1,0,0,0,0,3,0,1,,,");
    assert.equal(lines.length, 5);
    assert.equal(lines[4], "");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("writeExports(analysis, outDir) writes every file atomically; pandas reads the CSV", (t) => {
  const dir = makeTempDir("export-write-");
  try {
    const analysis = makeExperiment(dir, true);
    const out = path.join(dir, "analysis");
    const written = writeExports(analysis, out);
    assert.deepEqual(written.map((f) => path.basename(f)), [
      "never-learned-b2.json",
      "examples-b2.csv",
      "scores-b2.csv",
      "never-learned-b3.json",
      "examples-b3.csv",
      "scores-b3.csv",
      "never-learned-by-example.json",
    ]);
    assert.deepEqual(fs.readdirSync(out).sort(), written.map((f) => path.basename(f)).sort(), "no temporary files left");
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, "never-learned-by-example.json"), "utf8")), { "ant photos, 1.jpg": [2, 3], "b2.jpg": [2] });
    let hasPandas = true;
    try {
      execFileSync("/usr/bin/python3", ["-c", "import pandas"], { stdio: "ignore" });
    } catch {
      hasPandas = false;
    }
    if (skipIfMissing(t, hasPandas ? undefined : "pandas is not installed for /usr/bin/python3 (apt-get install python3-pandas)")) return;
    const script = [
      "import pandas as pd, sys",
      "df = pd.read_csv(sys.argv[1])",
      "print(df.shape[0], df.shape[1], df['name'][0], int(df['forgetting_score'].sum()), int(df['first_learned_epoch_s0'].isna().sum()))",
    ].join("\n");
    const printed = execFileSync("/usr/bin/python3", ["-c", script, path.join(out, "examples-b3.csv")], { encoding: "utf8" }).trim();
    assert.equal(printed, "3 18 ant photos, 1.jpg 7 1");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
