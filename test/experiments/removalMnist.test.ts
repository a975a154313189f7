/**
 * No size limits: the removal experiment at 50% of MNIST (30,000 removed exampleIds per run)
 * runs to the end through the real CLI, sweep worker processes and job files, and
 * `train --remove-ids @file` takes 30,000 ids. A small fast model (the digits MLP, which
 * flattens any input) and one epoch keep it to about half a minute.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { cli } from "../cli/inProcess";
import { sweep } from "../../src/experiments/sweep";
import { readManifest } from "../../src/runs/manifest";
import { presentedMask } from "../../src/runs/scan";
import { DATA_ROOT_ENV } from "../../src/data/digits";
import { SWEEP_DIR } from "../../src/runs/lock";
import type { ExperimentConfig } from "../../src/config/experiment";
import type { RemovalResultRow } from "../../src/analysis/followUps";
import { SHARED_DATA, missingShared, tempDir } from "../data/shared";
import { skipIfMissing } from "../requirements";


/** The presented count of a stats.csv (column "presented"). */
function presentedInStats(runDir: string): number {
  const [header, ...rows] = fs.readFileSync(path.join(runDir, "stats.csv"), "utf8").trim().split("\n");
  const column = header.split(",").indexOf("presented");
  return rows.filter((row) => row.split(",")[column] === "1").length;
}

test("removal --fractions 0.5 of MNIST: a 30,000-id removal sweep runs to the end", { timeout: 600_000 }, async (t) => {
  if (skipIfMissing(t, missingShared("mnist"))) return;
  // Sweep workers inherit the environment, so they read MNIST from the shared data too.
  process.env[DATA_ROOT_ENV] = SHARED_DATA;
  const outputs = tempDir("removal-mnist");
  const baseFile = path.join(outputs, "base.json");
  fs.writeFileSync(baseFile, JSON.stringify({ model: "digits-mlp", batchSize: 256 }));

  // The full-data source run (one seed, one epoch), its base config from a file.
  const source = await cli(["sweep", "source", "--preset", "mnist", "--base-json", `@${baseFile}`, "--budgets", "1", "--seeds", "1", "--outputs", outputs, "--workers", "1"]);
  assert.equal(source.code, 0, source.err);

  // The study: full, the 30,000 least forgotten removed, 30,000 random removed.
  const written = await cli(["removal", "half", "--from", "source", "--fractions", "0.5", "--seeds", "1", "--no-sweep", "--outputs", outputs]);
  assert.equal(written.code, 0, written.err);
  const dir = path.join(outputs, "half");
  const study = JSON.parse(fs.readFileSync(path.join(dir, "experiment.json"), "utf8")) as ExperimentConfig;
  assert.deepEqual(study.variants?.map((v) => [v.name, v.config.removeIds?.length ?? 0]), [["full", 0], ["least-forgotten-n30000", 30000], ["random-n30000", 30000]]);

  // The sweep, timed from its start to the first finished epoch of a 30,000-id run.
  const removalRuns = ["least-forgotten-n30000-b1-s0", "random-n30000-b1-s0"];
  const started = performance.now();
  let firstEpochSeconds: number | undefined;
  const epochDone = (runId: string) => {
    try {
      return readManifest(path.join(dir, runId)).epochsCompleted >= 1;
    } catch {
      return false;
    }
  };
  const summary = await sweep(dir, {
    workers: 2,
    pollSeconds: 0.2,
    onProgress: () => {
      if (firstEpochSeconds === undefined && removalRuns.some(epochDone)) firstEpochSeconds = (performance.now() - started) / 1000;
    },
  });
  const sweepSeconds = (performance.now() - started) / 1000;
  assert.deepEqual(summary.failed, []);
  assert.deepEqual([...summary.completed].sort(), ["full-b1-s0", ...removalRuns]);
  assert.ok(firstEpochSeconds !== undefined);
  const line = `30000-id removal sweep: first epoch after ${firstEpochSeconds.toFixed(1)} s (whole sweep of 3 runs, 2 workers: ${sweepSeconds.toFixed(1)} s)`;
  t.diagnostic(line);

  for (const runId of removalRuns) {
    // Each worker got its 30,000 ids in its job file, and trained on the other 30,000.
    const job = JSON.parse(fs.readFileSync(path.join(dir, SWEEP_DIR, "jobs", `${runId}.json`), "utf8")) as { config: { removeIds: number[] } };
    assert.equal(job.config.removeIds.length, 30000);
    const manifest = readManifest(path.join(dir, runId));
    assert.equal(manifest.status, "completed");
    assert.equal(manifest.config.removeIds?.length, 30000);
    assert.equal(manifest.dataset.subsetSize, 30000);
    assert.equal(presentedMask(manifest)!.reduce((s, v) => s + v, 0), 30000);
    assert.equal(presentedInStats(path.join(dir, runId)), 30000);
  }

  // The results, by the CLI with nothing left to train.
  const results = await cli(["removal", "half", "--from", "source", "--fractions", "0.5", "--seeds", "1", "--outputs", outputs]);
  assert.equal(results.code, 0, results.err);
  assert.match(results.out, /completed now: 0; already done: 3;/);
  const rows = JSON.parse(fs.readFileSync(path.join(dir, "analysis", "removal.json"), "utf8")) as RemovalResultRow[];
  assert.deepEqual(rows.map((r) => [r.variant, r.removed, r.fraction, r.seeds]), [["full", 0, 0, [0]], ["least-forgotten-n30000", 30000, 0.5, [0]], ["random-n30000", 30000, 0.5, [0]]]);
  for (const r of rows) assert.ok(r.mean > 0.5 && r.mean <= 1, `${r.variant}: best test accuracy ${r.mean}`);
  assert.ok(fs.existsSync(path.join(dir, "analysis", "removal.csv")));
});

test("train --remove-ids @file takes 30,000 MNIST ids", { timeout: 120_000 }, async (t) => {
  if (skipIfMissing(t, missingShared("mnist"))) return;
  const outputs = tempDir("remove-ids-file");
  const ids = path.join(outputs, "odd-ids.txt");
  fs.writeFileSync(ids, `# the odd exampleIds\n${Array.from({ length: 30000 }, (_, i) => 2 * i + 1).join("\n")}\n`);
  const { code, out, err } = await cli(["train", "--preset", "mnist", "--model", "digits-mlp", "--epochs", "1", "--batch-size", "256", "--remove-ids", `@${ids}`, "--data-root", SHARED_DATA, "--outputs", outputs, "--run-id", "odd", "--quiet"]);
  assert.equal(code, 0, err);
  assert.match(out, /30000 of 60000 examples presented/);
  const manifest = readManifest(path.join(outputs, "default", "odd"));
  assert.equal(manifest.config.removeIds?.length, 30000);
  assert.equal(manifest.config.removeIds?.[29999], 59999);
});
