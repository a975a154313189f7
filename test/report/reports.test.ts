/**
 * End to end: a small digits study (2 budgets x 2 seeds, a removal and a label-noise
 * study), the six notebooks executed headless on the project kernel, then the exported
 * HTML opened in headless Chromium, and the saved .ipynb copies opened in a live Jupyter
 * Notebook 6. Screenshots go to .test-output/reports/screenshots/.
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
import { type NotebookDocument, joinLines, readNotebook } from "../../src/report/notebookFile";
import { PLOTLY_BUNDLE_FILE, PLOTLY_MIME, plotlyBundle } from "../../src/notebook/plotly";
import sharp from "sharp";
import { jupyterNotebookMissing, startJupyter } from "./liveJupyter";
import { experimentSummary } from "../../src/report/summary";
import { experimentOverview } from "../../src/report/overview";
import { analyzeExperiment } from "../../src/analysis/experiment";
import { summarizeAnalysis } from "../../src/analysis/summary";
import { scanExperiment } from "../../src/runs/scan";
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
const names = ["01-data-eda", "02-train-one-run", "03-forgetting-one-run", "04-seed-intersection", "05-follow-ups", "06-training-dynamics"];
/** Largest report page, bytes, embedded images included. */
const PAGE_LIMIT = 1_000_000;

/** The chart outputs of a notebook: those carrying plotly's JSON. */
function chartOutputsOf(notebook: NotebookDocument) {
  return notebook.cells.flatMap((cell) => (cell.outputs ?? []).filter((output) => output.data?.[PLOTLY_MIME] !== undefined));
}

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

test("experimentOverview(dir, summary) with the study's analysis summary gives the overview it computes alone", () => {
  const summary = summarizeAnalysis(analyzeExperiment(scanExperiment(experimentDir)));
  const alone = experimentOverview(experimentDir);
  assert.ok(alone.headline && alone.headline.length > 0, "the overview has the never-learned headline");
  assert.deepEqual(experimentOverview(experimentDir, summary), alone);
});

test("runNotebooks(experimentDir) executes the six notebooks and writes .ipynb, .html and index.html", { timeout: 600_000 }, async (t) => {
  if (skipIfMissing(t, notebooksMissingReason)) return;
  const result = await runNotebooks(experimentDir, { summary: experimentSummary, overview: experimentOverview, log: () => {} });
  const images = chromiumMissing() === null;
  assert.deepEqual(result.entries.map((e) => [e.ipynb, e.status]), names.map((n) => [`${n}.ipynb`, "ok"]));
  // A slice from the middle of the plotly.js bundle: no page and no notebook may hold it.
  const bundle = plotlyBundle();
  const bundleSample = bundle.slice(bundle.length / 2, bundle.length / 2 + 300);
  assert.equal(fs.readFileSync(path.join(reportsDir, PLOTLY_BUNDLE_FILE), "utf8"), bundle, "one plotly.js bundle beside the reports");
  for (const name of names) {
    const html = fs.readFileSync(path.join(reportsDir, `${name}.html`), "utf8");
    assert.ok(Buffer.byteLength(html) <= PAGE_LIMIT, `${name}.html is ${Buffer.byteLength(html)} bytes, at most ${PAGE_LIMIT}`);
    assert.ok(!html.includes(bundleSample), `${name}.html does not inline plotly.js`);
    const text = fs.readFileSync(path.join(reportsDir, `${name}.ipynb`), "utf8");
    assert.ok(!text.includes(bundleSample), `${name}.ipynb does not hold plotly.js`);
    const executed = readNotebook(path.join(reportsDir, `${name}.ipynb`));
    // The runner's parameters: the experiment relative to the project root, no machine path.
    const injected = executed.cells.find((cell) => cell.id === "injected-parameters");
    assert.ok(injected && joinLines(injected.source).includes(`const experiment = ${JSON.stringify(path.relative(root, experimentDir))};`), `${name}: injected parameters cell`);
    assert.equal(executed.cells.indexOf(injected) - 1, executed.cells.findIndex((cell) => (cell.metadata?.tags as string[] | undefined)?.includes("parameters")), `${name}: injected right after the parameters cell`);
    // Every chart carries plotly's JSON, a PNG of the chart's size, and that PNG inside its HTML.
    for (const output of images ? chartOutputsOf(executed) : []) {
      const png = Buffer.from(String(output.data?.["image/png"]), "base64");
      const layout = (output.data?.[PLOTLY_MIME] as { layout: { height?: number } }).layout;
      const meta = await sharp(png).metadata();
      assert.equal(meta.format, "png", `${name}: chart image is a PNG`);
      assert.equal(meta.height, layout.height ?? 450, `${name}: chart image as high as its layout`);
      assert.ok(joinLines(output.data?.["text/html"] as string | string[]).includes(`src="data:image/png;base64,${String(output.data?.["image/png"]).slice(0, 100)}`), `${name}: the chart's HTML shows the same image`);
    }
    // Every code cell shows something, but the injected parameters (declarations only).
    for (const cell of executed.cells.filter((c) => c.cell_type === "code" && c !== injected)) {
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
  // The overview above the list: the headline figure, and the key number beside report 04.
  assert.ok(index.includes("<h2>Never learned in all seeds, per epoch budget</h2>") && /<figure class="headline"><svg/.test(index), "index headline figure");
  assert.ok(index.includes(`never learned in all 2 seeds at 3 epochs: ${expected.toLocaleString("en-US")} (`), "index key number of report 04");
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
    "06-training-dynamics": { charts: 2, tables: 1, images: 0 },
    index: { charts: 0, tables: 2, images: 0 },
  };
  const browser = await openBrowser();
  try {
    for (const [name, want] of Object.entries(expectations)) {
      const page = await inspectReport(browser.context, path.join(reportsDir, `${name}.html`), path.join(outputDir, "screenshots", `${name}.png`));
      assert.deepEqual(page.consoleErrors, [], `${name}: console errors`);
      assert.deepEqual(page.outsideRequests, [], `${name}: requests outside the reports folder`);
      assert.ok(fs.statSync(path.join(reportsDir, `${name}.html`)).size <= PAGE_LIMIT, `${name}.html within ${PAGE_LIMIT} bytes`);
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

/** Runs in a Jupyter Notebook 6 page: chart containers in outputs, and how many show a decoded static image or plotly's SVG. */
const LIVE_PROBE = `(() => {
  const charts = Array.from(document.querySelectorAll(".output_subarea .forgetting-plot"));
  const imageShown = (el) => Array.from(el.querySelectorAll("img")).some((img) => img.complete && img.naturalWidth > 0);
  return {
    charts: charts.length,
    images: charts.filter(imageShown).length,
    svgs: charts.filter((el) => !!el.querySelector("svg.main-svg .trace, svg.main-svg .hm, svg.main-svg .barlayer .point")).length,
    trust: (document.querySelector("#notification_trusted") || {}).textContent || "",
  };
})()`;

test("the saved .ipynb copies show every chart in a live, untrusted Jupyter Notebook (static images; no script runs)", { timeout: 300_000 }, async (t) => {
  if (skipIfMissing(t, notebooksMissingReason ?? chromiumMissing() ?? jupyterNotebookMissing())) return;
  // A copy of the notebooks only: the server may write checkpoints, and nothing else is served.
  const served = path.join(outputDir, "served");
  fs.rmSync(served, { recursive: true, force: true });
  fs.mkdirSync(served, { recursive: true });
  for (const name of names) fs.copyFileSync(path.join(reportsDir, `${name}.ipynb`), path.join(served, `${name}.ipynb`));
  const minimum: Record<string, number> = { "01-data-eda": 3, "02-train-one-run": 1, "03-forgetting-one-run": 2, "04-seed-intersection": 7, "05-follow-ups": 2, "06-training-dynamics": 2 };
  const jupyter = await startJupyter(served);
  const browser = await openBrowser();
  try {
    for (const name of names) {
      const expected = chartOutputsOf(readNotebook(path.join(served, `${name}.ipynb`))).length;
      assert.ok(expected >= minimum[name], `${name}: ${expected} chart outputs, expected at least ${minimum[name]}`);
      const page = await browser.context.newPage();
      const outside: string[] = [];
      page.on("request", (request) => {
        if (!request.url().startsWith(`${jupyter.origin}/`) && !request.url().startsWith("data:")) outside.push(request.url());
      });
      await page.route("**/*", (route) => (route.request().url().startsWith(`${jupyter.origin}/`) || route.request().url().startsWith("data:") ? route.continue() : route.abort()));
      await page.goto(jupyter.notebookUrl(`${name}.ipynb`), { waitUntil: "load" });
      await page.waitForSelector(".output_subarea", { timeout: 60_000 });
      await page
        .waitForFunction(`(${LIVE_PROBE}).images >= ${expected}`, undefined, { timeout: 30_000 })
        .catch(() => undefined); // counted below
      const seen = await page.evaluate<{ charts: number; images: number; svgs: number; trust: string }>(LIVE_PROBE);
      await page.screenshot({ path: path.join(outputDir, "screenshots", `${name}.jupyter-untrusted.png`), fullPage: true });
      await page.close();
      assert.equal(seen.trust, "Not Trusted", `${name}: opened untrusted`);
      assert.equal(seen.charts, expected, `${name}: chart outputs on the page`);
      assert.equal(seen.images, expected, `${name}: charts drawn (static images shown)`);
      assert.equal(seen.svgs, 0, `${name}: no chart script ran in the untrusted notebook`);
      assert.deepEqual(outside, [], `${name}: requests outside the Jupyter server`);
    }
  } finally {
    await browser.close();
    await jupyter.stop();
  }
});

test("a saved notebook run again in a live Jupyter session draws its charts interactively, gets their images from the kernel, and saves without plotly.js", { timeout: 300_000 }, async (t) => {
  if (skipIfMissing(t, notebooksMissingReason ?? chromiumMissing() ?? jupyterNotebookMissing())) return;
  const served = path.join(outputDir, "served-live");
  fs.rmSync(served, { recursive: true, force: true });
  fs.mkdirSync(served, { recursive: true });
  const name = "03-forgetting-one-run";
  fs.copyFileSync(path.join(reportsDir, `${name}.ipynb`), path.join(served, `${name}.ipynb`));
  const expected = chartOutputsOf(readNotebook(path.join(served, `${name}.ipynb`))).length;
  const jupyter = await startJupyter(served);
  const browser = await openBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(jupyter.notebookUrl(`${name}.ipynb`), { waitUntil: "load" });
    await page.waitForFunction("window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()", undefined, { timeout: 120_000 });
    await page.evaluate("Jupyter.notebook.execute_all_cells()");
    // Done when every code cell has an execution count (a running cell shows "*").
    await page.waitForFunction("Jupyter.notebook.get_cells().every((c) => c.cell_type !== 'code' || typeof c.input_prompt_number === 'number')", undefined, { timeout: 240_000, polling: 500 });
    await page.waitForFunction(`(${LIVE_PROBE}).svgs >= ${expected}`, undefined, { timeout: 30_000 }).catch(() => undefined);
    const seen = await page.evaluate<{ charts: number; images: number; svgs: number }>(LIVE_PROBE);
    await page.screenshot({ path: path.join(outputDir, "screenshots", `${name}.jupyter-live.png`), fullPage: true });
    assert.equal(seen.charts, expected, "chart outputs after the run");
    assert.equal(seen.svgs, expected, "charts drawn by plotly.js in the live session");
    // The kernel's headless Chromium sends each chart's PNG after it (an update of the output).
    const imagesInModel = "Jupyter.notebook.get_cells().flatMap((c) => (c.output_area ? c.output_area.outputs : [])).filter((o) => o.data && o.data['image/png']).length";
    await page.waitForFunction(`${imagesInModel} >= ${expected}`, undefined, { timeout: 60_000 }).catch(() => undefined);
    assert.equal(await page.evaluate<number>(imagesInModel), expected, "chart images sent by the live kernel");
    await page.evaluate("Jupyter.notebook.save_notebook()");
    await page.waitForFunction("!Jupyter.notebook.dirty", undefined, { timeout: 30_000 });
    await page.close();
    const bundle = plotlyBundle();
    const saved = fs.readFileSync(path.join(served, `${name}.ipynb`), "utf8");
    assert.ok(!saved.includes(bundle.slice(bundle.length / 2, bundle.length / 2 + 300)), "the saved notebook does not hold plotly.js");
    const savedCharts = chartOutputsOf(JSON.parse(saved) as NotebookDocument);
    assert.equal(savedCharts.length, expected, "the saved notebook keeps its chart outputs");
    assert.ok(savedCharts.every((output) => typeof output.data?.["image/png"] === "string"), "and each with its image");
  } finally {
    await browser.close();
    await jupyter.stop();
  }
});

test("runNotebooks(experimentDir, { code: 'both' }) writes each report with and without its code cells", { timeout: 180_000 }, async (t) => {
  if (skipIfMissing(t, notebooksMissingReason ?? chromiumMissing())) return;
  const both = path.join(outputDir, "both-reports");
  const result = await runNotebooks(experimentDir, { reportsDir: both, only: ["03"], code: "both", log: () => {} });
  const entry = result.entries[0];
  assert.equal(entry.htmlWithoutCode, "03-forgetting-one-run.no-code.html");
  const withCode = fs.readFileSync(path.join(both, entry.html), "utf8");
  const withoutCode = fs.readFileSync(path.join(both, "03-forgetting-one-run.no-code.html"), "utf8");
  // A line of the notebook's code, as Pygments splits it into spans in the page.
  assert.match(withCode, /scanExperiment/);
  assert.doesNotMatch(withoutCode, /scanExperiment/);
  assert.doesNotMatch(withoutCode, /jp-InputArea-editor/);
  assert.match(fs.readFileSync(result.index, "utf8"), /<a href="03-forgetting-one-run\.no-code\.html">without code<\/a>/);
  const browser = await openBrowser();
  try {
    for (const file of [entry.html, "03-forgetting-one-run.no-code.html"]) {
      const page = await inspectReport(browser.context, path.join(both, file), path.join(outputDir, "screenshots", `both-${file}.png`));
      assert.ok(page.charts >= 2, `${file}: ${page.charts} charts`);
      assert.equal(page.chartsWithSvg, page.charts, `${file}: every chart drawn`);
      assert.deepEqual(page.outsideRequests, [], `${file}: requests outside the reports folder`);
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
