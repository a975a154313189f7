/**
 * `study` on another dataset than the digits: --preset mnist with --base-json @file (the
 * first 2,000 MNIST images, the digits MLP), 2 budgets x 2 seeds, the follow-ups, the analysis
 * and the six notebook reports, end to end through the CLI and its worker processes.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { main } from "../../src/cli";
import { TRAIN_PRESETS } from "../../src/config/train";
import type { ExperimentConfig } from "../../src/config/experiment";
import type { AnalysisSummary } from "../../src/analysis/summary";
import { DATA_ROOT_ENV } from "../../src/data/digits";
import { SHARED_DATA, missingShared, tempDir } from "../data/shared";
import { notebooksMissing } from "./notebooksMissing";
import { skipIfMissing } from "../requirements";

test("forgetting study --preset mnist --base-json @file runs a non-digits study end to end, reports included", { timeout: 600_000 }, async (t) => {
  if (skipIfMissing(t, missingShared("mnist") ?? notebooksMissing())) return;
  // The workers and the notebook kernel inherit the environment, so all of them read MNIST here.
  process.env[DATA_ROOT_ENV] = SHARED_DATA;
  const outputs = tempDir("study-mnist");
  const baseFile = path.join(outputs, "base.json");
  fs.writeFileSync(baseFile, JSON.stringify({ model: "digits-mlp", batchSize: 128, trainFirst: 2000 }));
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(...a.join(" ").split("\n"));
  let code: number;
  try {
    code = await main(["study", "--preset", "mnist", "--base-json", `@${baseFile}`, "--budgets", "1,2", "--seeds", "2", "--remove-fractions", "0.5", "--noise-fractions", "0.2", "--follow-up-seeds", "1", "--workers", "2", "--outputs", outputs]);
  } finally {
    console.log = log;
  }
  assert.equal(code, 0, lines.join("\n"));
  assert.equal(lines[0], `study: mnist-study: 4 runs (budgets 1, 2 epochs x 2 seeds) on mnist, in ${path.join(outputs, "mnist-study")}`);
  const dir = path.join(outputs, "mnist-study");
  const { epochs: _epochs, ...preset } = TRAIN_PRESETS.mnist;
  const definition = JSON.parse(fs.readFileSync(path.join(dir, "experiment.json"), "utf8")) as ExperimentConfig;
  assert.deepEqual(definition, { name: "mnist-study", base: { ...preset, model: "digits-mlp", batchSize: 128, trainFirst: 2000 }, budgets: [1, 2], seeds: 2 });
  // The follow-ups take the same base; removal counts are of the 2,000 trained examples.
  const removal = JSON.parse(fs.readFileSync(path.join(`${dir}-removal`, "experiment.json"), "utf8")) as ExperimentConfig;
  assert.deepEqual(removal.base, definition.base);
  assert.deepEqual(removal.variants?.map((v) => v.name), ["full", "least-forgotten-n1000", "random-n1000", ...["aum", "confidence", "variability", "el2n", "loss"].map((s) => `easiest-${s}-n1000`)]);
  assert.ok(removal.variants?.[1].config.removeIds?.every((id) => id < 2000));
  const noise = JSON.parse(fs.readFileSync(path.join(`${dir}-noise`, "experiment.json"), "utf8")) as ExperimentConfig;
  assert.deepEqual(noise.base, definition.base);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, "analysis", "summary.json"), "utf8")) as AnalysisSummary;
  assert.deepEqual(summary.budgets.map((b) => [b.budget, b.seeds.length, b.presentedAll]), [[1, 2, 2000], [2, 2, 2000]]);
  for (const name of ["01-data-eda", "02-train-one-run", "03-forgetting-one-run", "04-seed-intersection", "05-follow-ups", "06-training-dynamics"]) {
    assert.ok(fs.existsSync(path.join(dir, "reports", `${name}.html`)), name);
  }
  assert.match(lines[lines.length - 1], /^study: done in [\d.]+ s\. Open the reports: .*mnist-study\/reports\/index\.html$/);
});
