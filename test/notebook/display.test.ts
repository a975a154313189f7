import { test } from "node:test";
import * as assert from "node:assert/strict";
import sharp from "sharp";
import { DataFrame } from "danfojs-node";
import type { InMemoryImages } from "../../src/data/types";
import { frameHtml, trainingProgress } from "../../src/notebook/display";
import { escapeHtml, formatCell, htmlTable } from "../../src/notebook/html";
import { exampleGridHtml, imageGridHtml, inMemoryImagePng } from "../../src/notebook/images";
import { figureHtml, plotlyBundle, plotlyBundleHtml } from "../../src/notebook/plotly";

test("escapeHtml(text) escapes the five HTML specials", () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});

test("formatCell(value, digits) keeps integers and rounds other numbers to significant digits", () => {
  assert.equal(formatCell(1438), "1438");
  assert.equal(formatCell(0.123456), "0.1235");
  assert.equal(formatCell(96.3788, 3), "96.4");
  assert.equal(formatCell(NaN), "NaN");
  assert.equal(formatCell(null), "");
  assert.equal(formatCell("a<b"), "a<b");
});

test("htmlTable(columns, rows, options) escapes cells, right-aligns numbers, omits an all-empty header", () => {
  const html = htmlTable(["class", "count"], [["<3>", 12]], { caption: "Counts" });
  assert.equal(
    html,
    '<table class="forgetting-table"><caption>Counts</caption><thead><tr><th>class</th><th>count</th></tr></thead><tbody>\n<tr><td>&lt;3&gt;</td><td class="num">12</td></tr>\n</tbody></table>',
  );
  assert.ok(!htmlTable(["", ""], [["a", 1]]).includes("<thead>"));
});

test("frameHtml(frame, options) shows a danfo DataFrame with its index and cuts long frames", () => {
  const frame = new DataFrame({ budget: [5, 10, 20], mean: [0.91234, 0.95, 0.97] });
  assert.equal(
    frameHtml(frame, { maxRows: 2, caption: "Results" }),
    '<table class="forgetting-table"><caption>Results (first 2 of 3 rows)</caption><thead><tr><th></th><th>budget</th><th>mean</th></tr></thead><tbody>\n' +
      '<tr><td class="num">0</td><td class="num">5</td><td class="num">0.9123</td></tr>\n<tr><td class="num">1</td><td class="num">10</td><td class="num">0.95</td></tr>\n</tbody></table>',
  );
  assert.ok(frameHtml(frame, { index: false }).startsWith('<table class="forgetting-table"><thead><tr><th>budget</th><th>mean</th></tr>'));
});

test("figureHtml(figure, options) is a div plus a Plotly.newPlot script with '<' escaped in the JSON", () => {
  const html = figureHtml({ data: [{ type: "bar", x: ["</script><b>"], y: [1] }], layout: { height: 300 } }, { id: "plot-1" });
  assert.ok(html.startsWith('<div id="plot-1" class="forgetting-plot" style="width:100%;min-height:300px"></div>\n<script type="text/javascript">'));
  assert.ok(!html.slice(html.indexOf("<script")).slice(8).includes("</script><b>"), "data cannot close the script element");
  assert.ok(html.includes('"x":["\\u003c/script>\\u003cb>"]'));
  assert.ok(html.includes("window.Plotly.newPlot(el, fig.data, fig.layout, "));
  assert.throws(() => figureHtml({ data: [], layout: {} }, { id: 'x" onload="y' }), { name: "ValueError", message: 'figureHtml: expected an id of letters, digits, _ and -, got "x\\" onload=\\"y"' });
});

test("plotlyBundleHtml(bundle) inlines the bundle in one script, splitting any '</script'", () => {
  const html = plotlyBundleHtml('var s = "</script>"; window.Plotly = {};');
  assert.equal(html.match(/<\/script>/g)?.length, 1);
  assert.ok(html.includes('var s = "<\\/script>"; window.Plotly = {};'));
});

test("plotlyBundle() returns a browser bundle that defines window.Plotly", () => {
  const bundle = plotlyBundle();
  assert.ok(bundle.length > 1_000_000, `bundle of ${bundle.length} characters`);
  assert.ok(bundle.includes("window.Plotly"));
  assert.ok(!/<\/script/i.test(bundle));
});

test("imageGridHtml(tiles, options) captions each picture; an empty grid shows emptyText", () => {
  const html = imageGridHtml([{ src: "data:image/png;base64,AAAA", caption: ["#7", "class <9>"] }], { title: "Never learned", size: 40 });
  assert.equal(
    html,
    '<div class="forgetting-grid-title">Never learned</div><div class="forgetting-grid" style="--cell-width:72px"><figure><img src="data:image/png;base64,AAAA" width="40" height="40" alt="#7, class &lt;9&gt;" title="#7, class &lt;9&gt;"><figcaption>#7<br>class &lt;9&gt;</figcaption></figure></div>',
  );
  assert.equal(imageGridHtml([], { emptyText: "none here" }), '<div class="forgetting-grid empty">none here</div>');
});

/** Two 2x2 grey images, values 0..16 like the UCI digits. */
function tinySplit(): InMemoryImages {
  return {
    kind: "in-memory",
    name: "toy",
    split: "train",
    pixels: Uint8Array.from([0, 16, 8, 4, /* example 1 */ 16, 16, 0, 0]),
    pixelMax: 16,
    shape: [2, 2, 1],
    labels: Int32Array.from([3, 1]),
    classNames: ["zero", "one", "two", "three"],
    checksum: "x",
  };
}

test("inMemoryImagePng(split, exampleId, size) encodes the scaled pixels as a nearest-neighbour PNG", async () => {
  const uri = await inMemoryImagePng(tinySplit(), 0, 4);
  assert.ok(uri.startsWith("data:image/png;base64,"));
  const png = Buffer.from(uri.slice("data:image/png;base64,".length), "base64");
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [4, 4]);
  // Pixel (row, col) of the 4x4 picture comes from pixel (row >> 1, col >> 1), scaled by 255/16.
  const expected = [0, 0, 255, 255, 0, 0, 255, 255, 128, 128, 64, 64, 128, 128, 64, 64];
  assert.deepEqual([...data], expected);
  await assert.rejects(inMemoryImagePng(tinySplit(), 2, 4), { name: "ValueError", message: "inMemoryImagePng: expected an exampleId in [0, 2), got 2" });
});

test("exampleGridHtml(split, ids, options) captions id, class name (or the given label) and details", async () => {
  const html = await exampleGridHtml(tinySplit(), [1, 0], { labelOf: (id) => (id === 0 ? 2 : 1), details: (id) => [`forgot ${id + 1}x`] });
  const captions = [...html.matchAll(/<figcaption>(.*?)<\/figcaption>/g)].map((m) => m[1]);
  assert.deepEqual(captions, ["#1<br>one<br>forgot 2x", "#0<br>two<br>forgot 1x"]);
  assert.equal(html.match(/<img src="data:image\/png;base64,/g)?.length, 2);
});

test("trainingProgress(display) shows the training progress line, throttled", () => {
  const p = { phase: "train" as const, epoch: 2, epochs: 5, batch: 10, batches: 45, loss: 0.41234, acc: 0.8712, lr: 0.05, imagesPerSec: 9712.5, etaSeconds: 12.4 };
  const shown: string[] = [];
  const onProgress = trainingProgress({ update: (text) => shown.push(text) }, 60_000);
  onProgress(p); // first call always shows
  onProgress({ ...p, batch: 11 }); // throttled
  onProgress({ ...p, batch: 45 }); // last batch of the epoch always shows
  assert.deepEqual(shown.map((s) => s.slice(0, 22)), ["epoch 2/5  batch 10/45", "epoch 2/5  batch 45/45"]);
});
