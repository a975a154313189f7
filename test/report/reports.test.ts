/**
 * End to end: a small digits study (2 budgets x 2 seeds, a removal and a label-noise
 * study), the five notebooks executed headless on the project kernel, then the exported
 * HTML opened in headless Chromium. Screenshots go to .test-output/reports/screenshots/.
 * Skips with a reason when Jupyter, the registered kernel, the build or Chromium is absent
 * (fails with it in strict mode: see ../requirements.ts).
 */
import { before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createNoiseStudy } from "../../src/experiments/noise";
import { createRemovalStudy } from "../../src/experiments/removal";
import { CORRECT_FILE } from "../../src/runs/layout";
import { planRuns } from "../../src/config/experiment";
import { NotebookCellError, runNotebooks } from "../../src/report/runNotebooks";
import { readNotebook } from "../../src/report/notebookFile";
import { experimentSummary } from "../../src/report/summary";
import { TRAIN_PRESETS } from "../../src/config/train";
import { train } from "../../src/train/train";
import { chromiumMissing, inspectReport, openBrowser } from "./reportPage";
import { projectRoot } from "../../src/core/paths";
import { readExperimentConfig, writeExperimentConfig } from "../../src/runs/experiment";
import { notebooksMissing } from "./notebooksMissing";
import { skipIfMissing } from "../requirements";

const root = projectRoot();
const outputDir = path.join(root, ".test-output", "reports");
const outputsRoot = path.join(outputDir, "outputs");
const experimentDir = path.join(outputsRoot, "tiny-study");
const reportsDir = path.join(experimentDir, "reports");

const notebooksMissingReason = notebooksMissing();

/** Trains every planned run of an experiment in this process (what a sweep worker does). */
async function trainAll(dir: string): Promise<void> {
  for (const run of planRuns(readExperimentConfig(dir))) {
    await train(run.config, { outputsRoot, experiment: path.basename(dir), runId: run.runId, quiet: true });
  }
}

/** Slow reference: examples with no 1 bit in any row of any of the runs' correct.bits. */
function neverLearnedInAll(runDirs: string[], nExamples: number, epochs: number): number {
  const rowBytes = Math.ceil(nExamples / 8);
  let count = 0;
  const records = runDirs.map((dir) => fs.readFileSync(path.join(dir, CORRECT_FILE)));
  for (let id = 0; id < nExamples; id++) {
    let everCorrect = false;
    for (const bits of records) for (let e = 0; e < epochs; e++) if ((bits[e * rowBytes + (id >> 3)] >> (id & 7)) & 1) everCorrect = true;
    if (!everCorrect) count++;
  }
  return count;
}

before(async () => {
  if (notebooksMissingReason) return;
  fs.rmSync(outputDir, { recursive: true, force: true });
  const { epochs: _epochs, ...base } = TRAIN_PRESETS.digits;
  await trainAll(writeExperimentConfig(outputsRoot, { name: "tiny-study", base, budgets: [2, 3], seeds: 2 }));
  await trainAll(createRemovalStudy({ outputsRoot, source: "tiny-study", name: "tiny-study-removal", counts: [300], seeds: 1, epochs: 2 }));
  await trainAll(createNoiseStudy({ outputsRoot, name: "tiny-study-noise", base, fractions: [0.2], epochs: 3, seeds: 1 }));
});

test("runNotebooks(experimentDir) executes the five notebooks and writes .ipynb, .html and index.html", { timeout: 600_000 }, async (t) => {
  if (skipIfMissing(t, notebooksMissingReason)) return;
  const result = await runNotebooks(experimentDir, { summary: experimentSummary, log: () => {} });
  const names = ["01-data-eda", "02-train-one-run", "03-forgetting-one-run", "04-seed-intersection", "05-follow-ups"];
  assert.deepEqual(result.entries.map((e) => [e.ipynb, e.status]), names.map((n) => [`${n}.ipynb`, "ok"]));
  for (const name of names) {
    assert.ok(fs.statSync(path.join(reportsDir, `${name}.html`)).size > 1_000_000, `${name}.html holds the plotly bundle`);
    const executed = readNotebook(path.join(reportsDir, `${name}.ipynb`));
    for (const cell of executed.cells.filter((c) => c.cell_type === "code")) {
      assert.ok((cell.outputs ?? []).length > 0, `${name} cell ${cell.id} has outputs`);
      assert.ok(!(cell.outputs ?? []).some((o) => o.name === "stderr"), `${name} cell ${cell.id} wrote no stderr`);
    }
  }
  // The headline number in notebook 04 and the index matches a slow count over the record bits.
  const runsOf3 = ["b3-s0", "b3-s1"].map((id) => path.join(experimentDir, id));
  const expected = neverLearnedInAll(runsOf3, 1438, 3);
  const report04 = fs.readFileSync(path.join(reportsDir, "04-seed-intersection.html"), "utf8");
  assert.ok(report04.includes(`3 epochs: ${expected} never learned in all 2 seeds`), `notebook 04 shows ${expected} never learned in all seeds at 3 epochs`);
  const index = fs.readFileSync(result.index, "utf8");
  assert.ok(index.includes('<a href="04-seed-intersection.html">4. Never learned in all seeds: the seed intersection</a>'));
  // budget, seeds, examples presented in both seeds (every one of the 1438), then the count.
  assert.ok(index.includes(`<tr><td class="num">3</td><td class="num">2</td><td class="num">1,438</td><td class="num">${expected.toLocaleString("en-US")}</td>`), "index summary row of budget 3");
});

test("the exported reports render in headless Chromium: every chart drawn, tables and images present, no console errors", { timeout: 240_000 }, async (t) => {
  if (skipIfMissing(t, notebooksMissingReason ?? chromiumMissing())) return;
  // Minimum charts, tables and grid images each report must show.
  const expectations: Record<string, { charts: number; tables: number; images: number }> = {
    "01-data-eda": { charts: 3, tables: 3, images: 120 },
    "02-train-one-run": { charts: 1, tables: 3, images: 0 },
    "03-forgetting-one-run": { charts: 2, tables: 2, images: 1 },
    "04-seed-intersection": { charts: 7, tables: 3, images: 1 },
    "05-follow-ups": { charts: 2, tables: 3, images: 0 },
    index: { charts: 0, tables: 2, images: 0 },
  };
  const browser = await openBrowser();
  try {
    for (const [name, want] of Object.entries(expectations)) {
      const page = await inspectReport(browser.context, path.join(reportsDir, `${name}.html`), path.join(outputDir, "screenshots", `${name}.png`));
      assert.deepEqual(page.consoleErrors, [], `${name}: console errors`);
      assert.deepEqual(page.stderrOutputs, [], `${name}: stderr outputs`);
      assert.ok(page.charts >= want.charts, `${name}: ${page.charts} charts, expected at least ${want.charts}`);
      assert.deepEqual(page.chartsWithoutSvg, [], `${name}: charts without a drawn SVG`);
      assert.equal(page.chartsWithSvg, page.charts);
      assert.ok(page.tables >= want.tables, `${name}: ${page.tables} tables, expected at least ${want.tables}`);
      assert.ok(page.gridImages >= want.images, `${name}: ${page.gridImages} grid images, expected at least ${want.images}`);
      assert.equal(page.gridImagesDecoded, page.gridImages, `${name}: every grid image decodes`);
      assert.ok(fs.statSync(path.join(outputDir, "screenshots", `${name}.png`)).size > 10_000, `${name}: screenshot saved`);
    }
  } finally {
    await browser.close();
  }
});

test("runNotebooks(experimentDir) stops at the first failing cell with that cell's message", { timeout: 120_000 }, async (t) => {
  if (skipIfMissing(t, notebooksMissingReason)) return;
  const notebooksDir = path.join(outputDir, "failing-notebooks");
  fs.mkdirSync(notebooksDir, { recursive: true });
  const cell = (id: string, source: string) => ({ cell_type: "code", id, metadata: {}, execution_count: null, outputs: [], source });
  const notebook = {
    cells: [{ cell_type: "markdown", id: "t", metadata: {}, source: "# Failing on purpose" }, cell("ok", 'console.log("first")'), cell("bad", 'throw new Error("deliberate failure 42");'), cell("never", 'console.log("unreachable")')],
    metadata: { kernelspec: { name: "forgetting-tslab", display_name: "TypeScript (forgetting, tslab)", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(path.join(notebooksDir, "01-failing.ipynb"), JSON.stringify(notebook));
  fs.writeFileSync(path.join(notebooksDir, "02-after.ipynb"), JSON.stringify({ ...notebook, cells: [notebook.cells[0], cell("x", "1")] }));
  const failedReports = path.join(outputDir, "failing-reports");
  await assert.rejects(runNotebooks(experimentDir, { notebooksDir, reportsDir: failedReports, log: () => {} }), (err: unknown) => {
    assert.ok(err instanceof NotebookCellError);
    assert.equal(err.notebook, "01-failing.ipynb");
    assert.equal(err.cellIndex, 2);
    assert.equal(err.cellId, "bad");
    assert.match(err.cellMessage, /Error: deliberate failure 42/);
    assert.match(err.message, /^01-failing\.ipynb: cell 3 \(id bad\) failed:\n/);
    return true;
  });
  const partial = readNotebook(path.join(failedReports, "01-failing.ipynb"));
  assert.deepEqual(partial.cells[3].outputs, [], "the cell after the failure did not run");
  assert.ok(!fs.existsSync(path.join(failedReports, "02-after.ipynb")), "the next notebook did not run");
  const index = fs.readFileSync(path.join(failedReports, "index.html"), "utf8");
  assert.match(index, /<tr class="failed">.*deliberate failure 42/s);
  assert.match(index, /<tr class="not-run"><td>2<\/td><td>Failing on purpose<\/td>/);
});
