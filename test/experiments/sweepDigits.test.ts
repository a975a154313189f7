/**
 * End to end from the CLI on the embedded digits: a sweep of 2 budgets x 3 seeds in worker
 * processes, then status, analyze and export, checked against the run files read back
 * with a slow per-bit reference.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readManifest } from "../../src/runs/manifest";
import { correctAt, readCorrectRecord } from "../../src/runs/record";
import { planRuns } from "../../src/config/experiment";
import type { AnalysisSummary } from "../../src/analysis/summary";
import { makeTempDir, writeFakeRun } from "../analysis/fakeRuns";
import { readExperimentConfig, writeExperimentConfig } from "../../src/runs/experiment";
import { skipIfMissing } from "../requirements";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "forgetting.js");

/** The CLI runs from dist/: why these tests cannot run, or undefined when it is built. */
const distMissing = (): string | undefined =>
  fs.existsSync(path.join(ROOT, "dist", "cli.js")) ? undefined : "dist/ is not built: run `npm run build` (npm test builds it before the tests)";

function cli(args: string[]): string {
  return execFileSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

test("forgetting sweep/status/analyze/export on digits: 2 budgets x 3 seeds from the CLI", (t) => {
  if (skipIfMissing(t, distMissing())) return;
  const outputs = makeTempDir("sweep-digits-");
  try {
    const sweepOut = cli(["sweep", "digits-e2e", "--outputs", outputs, "--budgets", "2,3", "--seeds", "3", "--preset", "digits", "--workers", "2"]);
    assert.match(sweepOut, /completed now: 6; already done: 0; locked by another process: 0; failed: 0/);
    assert.match(cli(["sweep", "digits-e2e", "--outputs", outputs]), /completed now: 0; already done: 6/);
    const status = cli(["status", "digits-e2e", "--outputs", outputs]);
    assert.match(status, /6 runs: 6 completed/);

    const analyzeOut = cli(["analyze", "digits-e2e", "--outputs", outputs]);
    assert.match(analyzeOut, /runs used: 6; left out: 0/);
    const experimentDir = path.join(outputs, "digits-e2e");
    const summary = JSON.parse(fs.readFileSync(path.join(experimentDir, "analysis", "summary.json"), "utf8")) as AnalysisSummary;
    assert.deepEqual(summary.budgets.map((b) => [b.budget, b.seeds]), [
      [2, [0, 1, 2]],
      [3, [0, 1, 2]],
    ]);
    // Slow reference: never learned in all 3 seeds, straight from each run's bits.
    for (const budget of [2, 3]) {
      const records = [0, 1, 2].map((seed) => {
        const dir = path.join(experimentDir, `b${budget}-s${seed}`);
        const m = readManifest(dir);
        assert.equal(m.status, "completed");
        return readCorrectRecord(dir, m.dataset.nExamples, budget);
      });
      const n = records[0].nExamples;
      const neverAll: number[] = [];
      for (let i = 0; i < n; i++) {
        if (records.every((r) => Array.from({ length: budget }, (_, e) => correctAt(r, e, i)).every((c) => c === 0))) neverAll.push(i);
      }
      const b = summary.budgets.find((x) => x.budget === budget);
      assert.deepEqual(b?.neverLearnedAllIds, neverAll, `budget ${budget}`);
    }

    const exportOut = cli(["export", "digits-e2e", "--outputs", outputs]);
    assert.match(exportOut, /used 6 run\(s\); wrote:/);
    const analysisDir = path.join(experimentDir, "analysis");
    const csv = fs.readFileSync(path.join(analysisDir, "examples-b3.csv"), "utf8").trim().split("\n");
    assert.ok(summary.dataset, "summary.json names the dataset");
    assert.equal(csv.length, 1 + summary.dataset.nExamples);
    const byClass = JSON.parse(fs.readFileSync(path.join(analysisDir, "never-learned-b3.json"), "utf8")) as Record<string, number[]>;
    const listed = Object.values(byClass).flat().length;
    assert.equal(listed, summary.budgets[1].neverLearnedAll);
    const merged = JSON.parse(fs.readFileSync(path.join(analysisDir, "never-learned-by-example.json"), "utf8")) as Record<string, number[]>;
    assert.equal(Object.values(merged).filter((budgets) => budgets.includes(3)).length, listed);
  } finally {
    fs.rmSync(outputs, { recursive: true, force: true });
  }
});

test("forgetting analyze/sweep/status report bad input with one clear line and exit code 2", (t) => {
  if (skipIfMissing(t, distMissing())) return;
  const outputs = makeTempDir("cli-errors-");
  try {
    fs.mkdirSync(path.join(outputs, "empty"));
    const fail = (args: string[]) => {
      try {
        cli(args);
      } catch (err) {
        const e = err as { status: number; stderr: string };
        return { status: e.status, stderr: e.stderr.trim() };
      }
      assert.fail(`expected ${args.join(" ")} to fail`);
    };
    assert.deepEqual(fail(["analyze", "empty", "--outputs", outputs]), {
      status: 2,
      stderr: `forgetting analyze: analyzeExperiment: expected at least one usable run in ${path.join(outputs, "empty")}, got none`,
    });
    assert.deepEqual(fail(["sweep", "empty", "--outputs", outputs, "--budgets", "2"]), { status: 2, stderr: "forgetting sweep: sweep: expected --budgets and --seeds together (they define the grid)" });
    assert.match(fail(["sweep", "empty", "--outputs", outputs]).stderr, /experiment\.json: experiment definition is missing/);
    assert.match(fail(["status", "nothing", "--outputs", outputs]).stderr, /scanExperiment: expected an experiment folder, got ".*nothing" \(not a folder\)/);
    assert.match(fail(["sweep", "x", "--outputs", outputs, "--budgets", "2", "--seeds", "a"]).stderr, /sweep --seeds: expected a count \(e\.g\. 3\) or a list of seeds/);
  } finally {
    fs.rmSync(outputs, { recursive: true, force: true });
  }
});

test("forgetting removal/noise --no-sweep write the study and report what is finished", (t) => {
  if (skipIfMissing(t, distMissing())) return;
  const outputs = makeTempDir("cli-studies-");
  try {
    const source = writeExperimentConfig(outputs, { name: "src", base: { dataset: "digits" }, budgets: [2], seeds: 1 });
    const [planned] = planRuns(readExperimentConfig(source));
    writeFakeRun(source, { runId: planned.runId, seed: 0, sequences: [[0, 0], [1, 1], [1, 0]], config: planned.config });
    const removal = cli(["removal", "rm", "--from", "src", "--outputs", outputs, "--remove", "1", "--seeds", "2", "--no-sweep"]);
    assert.match(removal, /^full\s+0\s+0\.000\s+0\s+n\/a \(n\/a\)\s+missing seeds 0,1$/m);
    assert.match(removal, /^least-forgotten-n1\s+1\s+0\.333\s+0 /m);
    const study = readExperimentConfig(path.join(outputs, "rm"));
    // Scores: example 0 never learned (2), 1 unforgettable (0), 2 forgotten once (1): least forgotten is 1.
    assert.deepEqual(study.variants!.find((v) => v.name === "least-forgotten-n1")!.config.removeIds, [1]);
    assert.ok(fs.existsSync(path.join(outputs, "rm", "analysis", "removal.csv")));
    const noise = cli(["noise", "nz", "--outputs", outputs, "--fractions", "0.5", "--epochs", "2", "--seeds", "1", "--preset", "digits", "--no-sweep"]);
    assert.match(noise, /^0\.5\s+0\s+n\/a .*missing seeds 0$/m);
    assert.deepEqual(readExperimentConfig(path.join(outputs, "nz")).variants, [{ name: "noise-0.5", config: { labelNoise: 0.5 }, meta: { labelNoise: 0.5 } }]);
  } finally {
    fs.rmSync(outputs, { recursive: true, force: true });
  }
});
