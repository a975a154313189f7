/**
 * Every chart of the notebooks in headless Chromium: hovering a point shows a label that names
 * its series, its x and its y (with units); clicking a bar, a heatmap cell or a point fills the
 * example grid below the chart with the examples behind it, checked against slow counts over
 * the runs' correct.bits. The page is built from the same pieces a notebook shows (chart HTML,
 * example store, drill-down grid) on real digits runs trained here. Skips with a reason when
 * Chromium or playwright-core is absent (fails with it in strict mode: see ../requirements.ts).
 */
import { after, before, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { TRAIN_PRESETS } from "../../src/config/train";
import { planRuns } from "../../src/config/experiment";
import { train } from "../../src/train/train";
import { readExperimentConfig, writeExperimentConfig } from "../../src/runs/experiment";
import { CORRECT_FILE } from "../../src/runs/layout";
import { loadRunRecord, scanExperiment } from "../../src/runs/scan";
import { readImageSplits } from "../../src/data/index";
import type { InMemoryImages } from "../../src/data/types";
import { analyzeExperiment } from "../../src/analysis/experiment";
import { summarizeAnalysis } from "../../src/analysis/summary";
import { idsByValue, membersHardestFirst } from "../../src/analysis/picks";
import { intersection } from "../../src/analysis/sets";
import { classDistributionFigure, meanImagesFigure, pixelValueFigure } from "../../src/figures/data";
import { labelNoiseFigure, removalCurveFigure } from "../../src/figures/followUps";
import { firstLearnedFigure, forgettingEventsFigure } from "../../src/figures/forgetting";
import { nestingFigure, neverLearnedPerBudgetFigure, pairwiseStabilityFigure, perClassFigure, seedMatrixFigure } from "../../src/figures/seeds";
import { trainingCurvesFigure } from "../../src/figures/training";
import type { PlotlyFigure } from "../../src/figures/types";
import { pixelStatistics } from "../../src/frames/pixelStatistics";
import { drillDownHtml, exampleStore, exampleStoreHtml } from "../../src/notebook/drilldown";
import { dataMapFigure, dataMapPointsOf } from "../../src/figures/dynamics";
import { NOTEBOOK_CSS } from "../../src/notebook/html";
import { figureHtml, plotlyBundle, plotlyBundleHtml } from "../../src/notebook/plotly";
import { chromiumMissing, openBrowser } from "./reportPage";
import { skipIfMissing } from "../requirements";

const missing = chromiumMissing();
const outputsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-charts-"));
const experimentDir = path.join(outputsRoot, "charts-study");
const pageFile = path.join(outputsRoot, "charts.html");
const N_EXAMPLES = 1438;

/** One chart of the page: its figure, whether it has a grid, and what its hover label must say. */
interface Chart {
  id: string;
  figure: PlotlyFigure;
  drill: boolean;
  /** Which element to hover: the first bar, marker or heatmap cell of the first trace. */
  kind: "bar" | "marker" | "cell";
  /** Substrings the hover label must hold: the series, the x and the y with their units. */
  hover: string[];
}
const charts: Chart[] = [];

/** Slow reference: bit `epoch` of `id` in a run's correct.bits. */
function bitOf(bits: Buffer, epoch: number, id: number): number {
  const rowBytes = Math.ceil(N_EXAMPLES / 8);
  return (bits[epoch * rowBytes + (id >> 3)] >> (id & 7)) & 1;
}

/** Slow reference: the run's per-example [epochs] bits, forgetting events (1 -> 0) and never-learned flag. */
function slowRun(runDir: string, epochs: number) {
  const bits = fs.readFileSync(path.join(runDir, CORRECT_FILE));
  return Array.from({ length: N_EXAMPLES }, (_, id) => {
    const seq = Array.from({ length: epochs }, (_, e) => bitOf(bits, e, id));
    let events = 0;
    for (let e = 1; e < epochs; e++) if (seq[e - 1] === 1 && seq[e] === 0) events++;
    const never = !seq.includes(1);
    return { seq, events, never, score: never ? epochs : events };
  });
}

before(async () => {
  if (missing) return;
  const { epochs: _epochs, ...base } = TRAIN_PRESETS.digits;
  const dir = writeExperimentConfig(outputsRoot, { name: "charts-study", base, budgets: [2, 3], seeds: 2 });
  for (const run of planRuns(readExperimentConfig(dir))) await train(run.config, { outputsRoot, experiment: "charts-study", runId: run.runId, quiet: true });

  const scan = scanExperiment(experimentDir);
  const analysis = analyzeExperiment(scan);
  const summary = summarizeAnalysis(analysis);
  const split = (await readImageSplits({ dataset: "digits" })).train as InMemoryImages;
  const [b2, b3] = analysis.budgets;
  const one = b3; // the largest budget, seeds 0 and 1
  const hardest = (set: Uint8Array) => membersHardestFirst(set, one.ranking);
  const learned0 = Uint8Array.from(one.perSeed.neverLearned[0], (never) => (never ? 0 : 1));
  const events0 = idsByValue(one.perSeed.forgettingEvents[0], one.ranking, { mask: learned0 });
  const stats = pixelStatistics(split);
  const add = (id: string, figure: PlotlyFigure, kind: Chart["kind"], hover: string[], drill = false) => charts.push({ id, figure, kind, hover, drill });

  add("classes", classDistributionFigure(split.classNames, [{ name: "train", counts: Array.from({ length: 10 }, (_, c) => split.labels.filter((l) => l === c).length), picks: idsByValue(split.labels, one.ranking, { size: 10 }) }]), "bar", ["train split", "class: 0", "examples: "], true);
  add("mean-images", meanImagesFigure(stats.meanImages, { height: 8, width: 8 }, split.classNames), "cell", ["mean image of class 0", "pixel: row 0, column 0", "mean intensity (0-1): "]);
  add("pixel-values", pixelValueFigure(stats.valueCounts), "bar", ["pixels of the training split", "raw pixel value: 0", "pixels: "]);
  add("curves", trainingCurvesFigure([{ name: "seed 0", columns: { epoch: [1, 2, 3], train_loss: [1.2, 0.6, 0.4], acc: [0.7, 0.8, 0.9] } }]), "marker", ["seed 0, training loss", "epoch: 1", "loss: 1.2000 nats"]);
  add("events", forgettingEventsFigure([{ name: "seed 0", counts: one.perSeed.forgettingEvents[0].reduce((c, v, i) => ((c[v] = (c[v] ?? 0) + learned0[i]), c), [] as number[]).map((v) => v ?? 0), never: one.neverLearnedPerSeed[0], examples: [...events0, hardest(one.perSeed.neverLearned[0])] }]), "bar", ["seed 0", "forgetting events: 0", "examples: "], true);
  add("first-learned", firstLearnedFigure([{ name: "3 epochs, 2 seeds pooled", counts: one.firstLearnedHistogram.counts, never: one.firstLearnedHistogram.never }], { unit: "(example, seed) pairs" }), "bar", ["3 epochs, 2 seeds pooled", "first learned in epoch: 1", "(example, seed) pairs: "]);
  add("budgets", neverLearnedPerBudgetFigure(summary.budgets, { picks: analysis.budgets.map((b) => ({ all: membersHardestFirst(b.neverLearnedAll, b.ranking), any: membersHardestFirst(b.neverLearnedAny, b.ranking), perSeed: b.perSeed.neverLearned.map((s) => membersHardestFirst(s, b.ranking)) })) }), "marker", ["never learned in all 2 seeds", "epoch budget: 2 epochs", "share of the training set: ", "%", "examples: "], true);
  add("nesting", nestingFigure(summary.nesting, { picks: [b2, b3].map((row) => [b2, b3].map((col) => membersHardestFirst(intersection([row.neverLearnedAll, col.neverLearnedAll]), row.ranking))) }), "cell", ["never learned in all seeds: nesting", "set of budget: 2 epochs", "also in the set of budget: 2 epochs", "examples: ", "share of the row's set: "], true);
  add("per-class", perClassFigure(analysis.classNames, analysis.budgets.map((b) => ({ budget: b.budget, counts: b.perClass!.neverLearnedAll, picks: idsByValue(analysis.labels!, b.ranking, { mask: b.neverLearnedAll, size: 10 }) }))), "bar", ["2-epoch budget", "class: 0", "examples never learned in all seeds: "], true);
  add("jaccard", seedMatrixFigure(one.jaccard, one.seeds, { valueName: "Jaccard" }), "cell", ["Jaccard between seeds", "seed pair: seed 0 and seed 0", "Jaccard: 1.000"]);
  add("stability", pairwiseStabilityFigure(summary.budgets.map((b) => ({ budget: b.budget, seeds: b.seeds, matrix: b.spearman, mean: b.meanSpearman })), { valueName: "Spearman correlation" }), "marker", ["epoch budget: 2 epochs", "Spearman correlation: "]);
  add("removal", removalCurveFigure([{ method: "none", fraction: 0, mean: 0.9, std: 0.01, seeds: [0, 1] }, { method: "random", fraction: 0.25, mean: 0.85, std: 0.02, seeds: [0, 1] }]), "marker", ["random removed (control)", "training examples removed: 0.00%", "best test accuracy, mean over seeds: 90.00%", "seeds: 2"]);
  add("label-noise", labelNoiseFigure({ noisy: { counts: [10, 20], never: 5 }, clean: { counts: [90, 10], never: 0 } }), "bar", ["flipped labels", "forgetting events: 0", "share of the group: ", "(example, seed) pairs: 10"]);

  add("data-map", dataMapFigure(dataMapPointsOf(analysis, 1)), "marker", ["example ", "variability (x) ", "(std of the true-class probability)", "confidence (y) ", "(mean true-class probability)", "correctness "], true);

  const store = await exampleStore({ split, figures: charts.filter((c) => c.drill).map((c) => c.figure), runs: scan.used.map((r) => ({ budget: r.budget, seed: r.seed, record: loadRunRecord(r) })) });
  const body = charts.map((c) => figureHtml(c.figure, { id: c.id }) + (c.drill ? drillDownHtml(store, { id: `${c.id}-grid` }) : "")).join("\n");
  fs.writeFileSync(pageFile, `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${NOTEBOOK_CSS}</style>${plotlyBundleHtml(plotlyBundle())}</head><body>${exampleStoreHtml(store)}\n${body}</body></html>`);
});

after(() => fs.rmSync(outputsRoot, { recursive: true, force: true }));

/** The centre of the first hoverable element of a chart, clipped to its plot area, in page pixels. */
async function firstPoint(page: Page, chart: Chart): Promise<{ x: number; y: number }> {
  const el = page.locator(`#${chart.id}`);
  await el.scrollIntoViewIfNeeded();
  const area = (await el.locator(".nsewdrag").first().boundingBox())!;
  if (chart.kind === "cell") {
    // First row and column: heatmaps here have n x n cells (mean images: 8 x 8 in the first panel).
    const z = chart.figure.data[0].z as unknown[][];
    return { x: area.x + area.width / (2 * z[0].length), y: area.y + area.height / (2 * z.length) };
  }
  const selector = chart.kind === "bar" ? ".barlayer .trace .point path" : ".scatterlayer .trace .points path";
  const box = (await el.locator(selector).first().boundingBox())!;
  const top = Math.max(box.y, area.y);
  const bottom = Math.min(box.y + box.height, area.y + area.height);
  return { x: box.x + box.width / 2, y: (top + bottom) / 2 };
}

/** Moves the mouse onto (x, y) and returns the chart's hover label text, or "" if none shows. */
async function hoverText(page: Page, chartId: string, at: { x: number; y: number }): Promise<string> {
  await page.mouse.move(at.x - 30, at.y - 30);
  await page.mouse.move(at.x, at.y, { steps: 4 });
  const label = page.locator(`#${chartId} .hoverlayer .hovertext`).first();
  await label.waitFor({ state: "visible", timeout: 5000 }).catch(() => undefined);
  // Lines of the label, one <tspan> each.
  return (await label.count()) ? (await label.locator("tspan.line").allTextContents()).join("\n") || ((await label.textContent()) ?? "") : "";
}

async function openPage(): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const browser = await openBrowser();
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  page.on("console", (msg) => (msg.type() === "error" ? errors.push(msg.text()) : undefined));
  await page.goto(pathToFileURL(pageFile).href);
  await page.waitForFunction('Array.from(document.querySelectorAll(".forgetting-plot")).every((el) => el.querySelector("svg.main-svg"))');
  return { page, errors, close: browser.close };
}

/** The grid's example ids, in order, after a click at `at`. */
async function clickGrid(page: Page, chartId: string, at: { x: number; y: number }): Promise<{ ids: number[]; title: string; strips: string[] }> {
  await hoverText(page, chartId, at);
  await page.mouse.click(at.x, at.y);
  const grid = page.locator(`#${chartId}-grid`);
  await grid.locator(".forgetting-grid-title").waitFor({ timeout: 5000 });
  const ids = await grid.locator("figure").evaluateAll<number[]>((figures) => figures.map((f) => Number(f.getAttribute("data-example-id"))));
  const strips = await grid.locator("figure").first().locator("canvas").evaluateAll<string[]>((canvases) => canvases.map((c) => c.getAttribute("data-strips") ?? ""));
  return { ids, title: (await grid.locator(".forgetting-grid-title").textContent()) ?? "", strips };
}

test("every chart's hover label names its series, its x and its y with units, untruncated", { timeout: 300_000 }, async (t) => {
  if (skipIfMissing(t, missing)) return;
  const { page, errors, close } = await openPage();
  try {
    for (const chart of charts) {
      const text = await hoverText(page, chart.id, await firstPoint(page, chart));
      assert.ok(text, `${chart.id}: a hover label shows`);
      // The first line names a series of the chart (with two seeds, a seed pair's point and the mean over pairs coincide).
      const series = chart.figure.data.map((trace) => /^<b>(.*?)<\/b>/.exec(String(trace.hovertemplate))?.[1]);
      assert.ok(series.includes(text.split("\n")[0]), `${chart.id}: hover label ${JSON.stringify(text)} starts with one of its series ${JSON.stringify(series)}`);
      for (const part of chart.hover) assert.ok(text.includes(part), `${chart.id}: hover label ${JSON.stringify(text)} holds ${JSON.stringify(part)}`);
      assert.ok(!text.includes("..."), `${chart.id}: hover label is not truncated: ${JSON.stringify(text)}`);
      // plotly's side box of the trace name (the one that truncates) is switched off.
      assert.equal(await page.locator(`#${chart.id} .hoverlayer .hovertext text.name`).count(), 0, `${chart.id}: no side label`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test("a click on a bar, a heatmap cell or a point fills the grid below with its examples, hardest first, with each seed's strip", { timeout: 300_000 }, async (t) => {
  if (skipIfMissing(t, missing)) return;
  const scan = scanExperiment(experimentDir);
  const runs3 = scan.budgets.find((b) => b.budget === 3)!.runs;
  const runs2 = scan.budgets.find((b) => b.budget === 2)!.runs;
  const slow3 = runs3.map((r) => slowRun(r.dir, 3));
  const slow2 = runs2.map((r) => slowRun(r.dir, 2));
  const { page, errors, close } = await openPage();
  try {
    // Forgetting events of seed 0, bar "0": learned examples with no 1 -> 0 transition.
    const events = charts.find((c) => c.id === "events")!;
    const zeroEvents = slow3[0].flatMap((e, id) => (!e.never && e.events === 0 ? [id] : []));
    const first = await clickGrid(page, "events", await firstPoint(page, events));
    assert.equal(first.ids.length, Math.min(48, zeroEvents.length));
    assert.ok(first.ids.every((id) => zeroEvents.includes(id)), "every example shown has 0 forgetting events in seed 0");
    assert.match(first.title, new RegExp(`^seed 0; .*: 0: ${zeroEvents.length.toLocaleString("en-US")} examples, ${first.ids.length} shown, hardest first`));
    // The strips of the first tile are that example's bits in every run, 3-epoch runs then 2-epoch runs (store order).
    const id0 = first.ids[0];
    const strip = (slow: ReturnType<typeof slowRun>[], seeds: number[]) => seeds.map((s, k) => `seed ${s}: ${slow[k][id0].seq.join("")}`).join("; ");
    assert.deepEqual([...first.strips].sort(), [strip(slow2, runs2.map((r) => r.seed)), strip(slow3, runs3.map((r) => r.seed))].sort());

    // Class bar "0" of the class distribution: examples of class 0, hardest first by the summed score over the 3-epoch seeds.
    const classes = charts.find((c) => c.id === "classes")!;
    const byClass = await clickGrid(page, "classes", await firstPoint(page, classes));
    const labels = (await readImageSplits({ dataset: "digits" })).train.labels;
    assert.ok(byClass.ids.every((id) => labels[id] === 0), "all of class 0");
    const scores = byClass.ids.map((id) => slow3.reduce((sum, run) => sum + run[id].score, 0));
    assert.ok(scores.every((s, i) => i === 0 || s <= scores[i - 1]), `hardest first: summed scores ${scores.join(",")} never increase`);
    const allScores = Array.from(labels.keys()).filter((id) => labels[id] === 0).map((id) => slow3.reduce((sum, run) => sum + run[id].score, 0)).sort((a, b) => b - a);
    assert.deepEqual(scores, allScores.slice(0, scores.length), "the hardest of the class, not the first by id");

    // Nesting cell (2 epochs, 2 epochs): never learned in both seeds of the 2-epoch budget.
    const nesting = charts.find((c) => c.id === "nesting")!;
    const neverAll2 = Array.from({ length: N_EXAMPLES }, (_, id) => id).filter((id) => slow2.every((run) => run[id].never));
    const cell = await clickGrid(page, "nesting", await firstPoint(page, nesting));
    assert.equal(cell.ids.length, Math.min(48, neverAll2.length));
    assert.ok(cell.ids.every((id) => neverAll2.includes(id)));
    assert.match(cell.title, new RegExp(`: ${neverAll2.length.toLocaleString("en-US")} examples`));

    // The headline point "never learned in all 2 seeds" at 2 epochs: the same set.
    const budgets = charts.find((c) => c.id === "budgets")!;
    const point = await clickGrid(page, "budgets", await firstPoint(page, budgets));
    assert.deepEqual([...point.ids].sort((a, b) => a - b), [...cell.ids].sort((a, b) => a - b).slice(0, point.ids.length));
    assert.match(point.title, /^never learned in all 2 seeds; epoch budget \(epochs\): 2: /);

    // A data-map point: the one example it stands for, with its strips.
    const dataMap = charts.find((c) => c.id === "data-map")!;
    const mapped = await clickGrid(page, "data-map", await firstPoint(page, dataMap));
    const plotted = dataMap.figure.data.flatMap((trace) => (trace.customdata as unknown[][]).map((c) => Number(c[0])));
    assert.equal(mapped.ids.length, 1, "one example per data-map point");
    assert.ok(plotted.includes(mapped.ids[0]), "an example the data map plots");
    const mappedStrips = [runs2.map((r, k) => `seed ${r.seed}: ${slow2[k][mapped.ids[0]].seq.join("")}`).join("; "), runs3.map((r, k) => `seed ${r.seed}: ${slow3[k][mapped.ids[0]].seq.join("")}`).join("; ")];
    assert.deepEqual([...mapped.strips].sort(), mappedStrips.sort(), "its correctness per epoch in every run");
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
