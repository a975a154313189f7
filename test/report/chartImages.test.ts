/**
 * Chart outputs and their static images: the MIME bundle showFigure sends, the PNG plotly.js
 * draws in headless Chromium (checked by its pixels), and the two forms of a chart output
 * (with the image for the saved .ipynb, without it for the HTML report).
 */
import { after, before, test } from "node:test";
import * as assert from "node:assert/strict";
import sharp from "sharp";
import type { PlotlyFigure } from "../../src/figures/types";
import { PLOTLY_MIME, figureBundle, plotlyBundle } from "../../src/notebook/plotly";
import { addChartImages, chartOutputs, withoutChartImages } from "../../src/report/chartImages";
import { type ChartImageRenderer, openChartImageRenderer } from "../../src/notebook/chartImage";
import { type NotebookDocument, joinLines } from "../../src/report/notebookFile";
import { CHROMIUM, chromiumMissing } from "./reportPage";
import { skipIfMissing } from "../requirements";

/** One red bar filling most of a 400 x 300 plot, on white, with no axes or text. */
const RED_BAR: PlotlyFigure = {
  data: [{ type: "bar", x: ["a"], y: [1], marker: { color: "#ff0000" }, width: [0.9] }],
  layout: { width: 400, height: 300, margin: { l: 0, r: 0, t: 0, b: 0 }, xaxis: { visible: false }, yaxis: { visible: false, range: [0, 1] }, paper_bgcolor: "white", plot_bgcolor: "white", showlegend: false },
};

function notebookWith(figure: PlotlyFigure): NotebookDocument {
  const bundle = figureBundle(figure, { id: "chart-1" });
  return {
    cells: [
      { cell_type: "code", id: "c", metadata: {}, source: "", outputs: [{ output_type: "display_data", ...bundle }, { output_type: "stream", name: "stdout", text: "x" }] },
      { cell_type: "markdown", id: "m", metadata: {}, source: "# M" },
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
}

test("figureBundle(figure, { id }) carries the interactive HTML, plotly's JSON, a text line and the chart id", () => {
  const { data, metadata } = figureBundle({ ...RED_BAR, layout: { ...RED_BAR.layout, title: { text: "Never <b>learned</b>" } } }, { id: "chart-1" });
  assert.deepEqual(Object.keys(data).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
  assert.deepEqual((data[PLOTLY_MIME] as PlotlyFigure).data, RED_BAR.data);
  assert.equal(data["text/plain"], "Plotly chart: Never learned");
  assert.match(String(data["text/html"]), /^<div id="chart-1" class="forgetting-plot" style="width:100%;min-height:300px"><\/div>/);
  assert.deepEqual(metadata, { forgetting: { chartId: "chart-1" } });
  const withImage = figureBundle(RED_BAR, { id: "chart-1", imagePng: "AAAA" });
  assert.equal(withImage.data["image/png"], "AAAA");
  assert.match(String(withImage.data["text/html"]), /<div id="chart-1"[^>]*><img class="forgetting-plot-static" src="data:image\/png;base64,AAAA" alt="chart" style="max-width:100%"><\/div>/);
});

let renderer: ChartImageRenderer | null = null;
before(async () => {
  if (!chromiumMissing()) renderer = await openChartImageRenderer(plotlyBundle(), { chromium: CHROMIUM });
});
after(async () => {
  await renderer?.close();
});

test("addChartImages(notebook, renderer) stores plotly.js's PNG of each chart as image/png and inside its HTML", { timeout: 120_000 }, async (t) => {
  if (skipIfMissing(t, chromiumMissing())) return;
  const notebook = notebookWith(RED_BAR);
  assert.equal(await addChartImages(notebook, renderer as ChartImageRenderer), 1);
  const output = chartOutputs(notebook)[0];
  const png = Buffer.from(String(output.data?.["image/png"]), "base64");
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [400, 300]);
  // Independent of plotly: the centre pixel is the bar's red, a corner is the white paper.
  const pixel = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
  assert.deepEqual(pixel(200, 150), [255, 0, 0]);
  assert.deepEqual(pixel(2, 2), [255, 255, 255]);
  assert.ok(joinLines(output.data?.["text/html"] as string).includes(`<img class="forgetting-plot-static" src="data:image/png;base64,${String(output.data?.["image/png"])}"`));
  // The HTML report's form: no image anywhere, everything else kept.
  const shown = withoutChartImages(notebook);
  const plain = chartOutputs(shown)[0];
  assert.equal(plain.data?.["image/png"], undefined);
  assert.ok(!String(plain.data?.["text/html"]).includes("<img"));
  assert.deepEqual(plain.data?.[PLOTLY_MIME], output.data?.[PLOTLY_MIME]);
  assert.deepEqual(shown.cells[0].outputs?.[1], notebook.cells[0].outputs?.[1]);
  assert.deepEqual(shown.cells[1], notebook.cells[1]);
});

test("openChartImageRenderer(bundle, { chromium }) is null, with the reason logged, when that browser is absent", async () => {
  const lines: string[] = [];
  assert.equal(await openChartImageRenderer("", { chromium: "/nonexistent/chromium", log: (line) => lines.push(line) }), null);
  assert.deepEqual(lines, ["  chart images skipped: no Chromium (tried /nonexistent/chromium)"]);
});
