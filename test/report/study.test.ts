/**
 * The `study` command on a reduced grid (1 budget x 2 seeds, one removal and one noise
 * variant, no notebooks): experiment definitions, sweeps in worker processes, the analysis
 * and its exports, checked against the record bits.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../src/cli";
import { STUDY_BASE_CONFIG } from "../../src/cli/study";
import { CORRECT_FILE } from "../../src/runs/layout";
import type { ExperimentConfig } from "../../src/config/experiment";
import type { AnalysisSummary } from "../../src/analysis/summary";

/** Captures console.log lines while `run` executes. */
async function captureLog(run: () => Promise<number>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(...args.join(" ").split("\n"));
  try {
    return { code: await run(), lines };
  } finally {
    console.log = original;
  }
}

test("forgetting study --budgets 2 --seeds 2 trains, runs the follow-ups, analyses and exports", { timeout: 300_000 }, async () => {
  const outputs = fs.mkdtempSync(path.join(os.tmpdir(), "study-"));
  const args = ["study", "--outputs", outputs, "--budgets", "2", "--seeds", "2", "--remove-fractions", "0.5", "--noise-fractions", "0.2", "--follow-up-seeds", "1", "--notebooks", "false", "--workers", "2"];
  const { code, lines } = await captureLog(() => main(args));
  assert.equal(code, 0);
  const dir = path.join(outputs, "digits-study");
  const definition = JSON.parse(fs.readFileSync(path.join(dir, "experiment.json"), "utf8")) as ExperimentConfig;
  assert.deepEqual(definition, { name: "digits-study", base: STUDY_BASE_CONFIG, budgets: [2], seeds: 2 });
  const removal = JSON.parse(fs.readFileSync(path.join(`${dir}-removal`, "experiment.json"), "utf8")) as ExperimentConfig;
  // The default --removal-scores: forgetting's least forgotten, the random control, then the n easiest by each other score.
  assert.deepEqual(removal.variants?.map((v) => v.name), ["full", "least-forgotten-n719", "random-n719", ...["aum", "confidence", "variability", "el2n", "loss"].map((s) => `easiest-${s}-n719`)]);
  assert.deepEqual((JSON.parse(fs.readFileSync(path.join(`${dir}-noise`, "experiment.json"), "utf8")) as ExperimentConfig).variants?.map((v) => v.name), ["noise-0.2"]);
  for (const runId of ["full-b2-s0", "least-forgotten-n719-b2-s0", "random-n719-b2-s0", "easiest-aum-n719-b2-s0"]) assert.ok(fs.existsSync(path.join(`${dir}-removal`, runId, CORRECT_FILE)), runId);

  // The headline number, recounted from the two runs' correctness bits.
  const rowBytes = Math.ceil(1438 / 8);
  const records = ["b2-s0", "b2-s1"].map((id) => fs.readFileSync(path.join(dir, id, CORRECT_FILE)));
  let never = 0;
  for (let id = 0; id < 1438; id++) {
    if (records.every((bits) => [0, 1].every((e) => ((bits[e * rowBytes + (id >> 3)] >> (id & 7)) & 1) === 0))) never++;
  }
  const summary = JSON.parse(fs.readFileSync(path.join(dir, "analysis", "summary.json"), "utf8")) as AnalysisSummary;
  assert.equal(summary.budgets[0].neverLearnedAll, never);
  // The score comparison: every score, with its noise AUC and, for the removal scores, its removal row.
  const comparison = JSON.parse(fs.readFileSync(path.join(dir, "analysis", "score-comparison.json"), "utf8")) as { score: string; noise: unknown[]; removal: { removed: number }[] }[];
  assert.deepEqual(comparison.map((r) => r.score), ["forgetting", "first-learned", "aum", "confidence", "variability", "correctness", "el2n", "loss"]);
  assert.ok(comparison.every((r) => r.noise.length === 1));
  assert.deepEqual(comparison.filter((r) => r.removal.length).map((r) => [r.score, r.removal[0].removed]), ["forgetting", "aum", "confidence", "variability", "el2n", "loss"].map((s) => [s, 719]));
  assert.ok(fs.existsSync(path.join(dir, "analysis", "scores-b2.csv")));
  // budget, seeds, examples presented in both seeds (all 1438), then the count.
  assert.ok(lines.some((line) => line.startsWith(`     2      2            1438  ${never} / `)), "the printed summary shows the count");
  assert.match(lines[lines.length - 1], /^study: done in [\d.]+ s \(reports skipped: run `forgetting notebooks --experiment .*digits-study`\)$/);
  fs.rmSync(outputs, { recursive: true, force: true });
});

test("forgetting study rejects bad fractions and budgets with the option's name", async () => {
  const original = console.error;
  const errors: string[] = [];
  console.error = (...args: unknown[]) => errors.push(args.join(" "));
  try {
    assert.equal(await main(["study", "--remove-fractions", "0.5,1.5", "--notebooks", "false"]), 2);
    assert.equal(await main(["study", "--budgets", "5,x"]), 2);
  } finally {
    console.error = original;
  }
  assert.deepEqual(errors, ['forgetting study: study --remove-fractions: expected numbers in (0, 1), got "1.5"', 'forgetting study: study --budgets: expected an integer, got "x"']);
});
