/**
 * Drill-down from a chart to its examples, on the page itself, with no server: a click on a
 * point whose `customdata` names examples (an ExamplePick `{ ids, total }`, one exampleId
 * as a number, or an array whose first item is the exampleId, as in a data map) shows those
 * examples in a grid below the chart: picture, id, label, the class the model most often
 * gave it where that is recorded, and a strip of correctness per epoch for each seed.
 *
 * The page carries what the grids need once, in an "example store": the pictures of the
 * examples any chart can show, as one PNG sprite at their own resolution (scaled up by CSS),
 * and their correctness bits per run, packed. Only the examples the charts name are stored,
 * each chart's list cut to the same length until the pictures fit a byte budget, so a page
 * stays light (a few tens of kB for digits).
 */
import sharp from "sharp";
import { ValueError } from "../core/errors";
import type { ImageSplit } from "../data/types";
import type { PlotlyFigure } from "../figures/types";
import { type CorrectRecord, correctAt } from "../runs/record";
import { escapeHtml } from "./html";
import { showHtml } from "./display";

/** The JSON the page holds for its grids (see exampleStore). */
export interface ExampleStore {
  /** Name of the store in the page (window.__forgettingExamples[key]). */
  key: string;
  classNames: string[];
  /** [nStored] the stored exampleIds; index k below is the k-th of them. */
  ids: number[];
  /** [nStored] the label each example was trained with. */
  labels: number[];
  /**
   * [nStored] the class the model most often gave the example, or null where no prediction
   * is recorded. Optional: absent until runs record their predicted class.
   */
  predicted?: (number | null)[];
  /** The pictures: tile k at column k % columns, row floor(k / columns), each width x height px. */
  sprite: { src: string; width: number; height: number; columns: number };
  /** Per run: bit k * epochs + e (LSB first in each byte) = example k correct at epoch e + 1; base64. */
  runs: { budget: number; seed: number; epochs: number; bits: string }[];
}

export interface ExampleStoreInput {
  /** The training split the pictures come from. */
  split: ImageSplit;
  /** The charts whose points name examples (their customdata). */
  figures: readonly PlotlyFigure[];
  /** The runs whose correctness strips the grids show. */
  runs: readonly { budget: number; seed: number; record: CorrectRecord }[];
  /** [nExamples] labels to show (default the split's), e.g. a noise study's flipped labels. */
  labels?: ArrayLike<number>;
  /** The class the model most often gave an example, or null when unknown (see ExampleStore.predicted). */
  predictedClass?: (exampleId: number) => number | null;
  /** Raw picture bytes stored at most (default 150,000: all 1,797 digits, about 190 MNIST images, 48 CIFAR images). */
  maxImageBytes?: number;
  /** Store name; default "examples". */
  key?: string;
}

/** A point's customdata as the examples it names, in order, and how many it stands for. */
function pointExamples(cd: unknown): { ids: number[]; total: number } {
  if (typeof cd === "number") return { ids: [cd], total: 1 };
  if (Array.isArray(cd) && typeof cd[0] === "number") return { ids: [cd[0]], total: 1 };
  if (cd && typeof cd === "object" && Array.isArray((cd as { ids?: unknown }).ids)) {
    const pick = cd as { ids: number[]; total?: number };
    return { ids: pick.ids, total: pick.total ?? pick.ids.length };
  }
  return { ids: [], total: 0 };
}

/** Every point's list of examples in the figures (heatmap customdata is one row per array). */
export function figureExampleLists(figures: readonly PlotlyFigure[]): number[][] {
  const lists: number[][] = [];
  const point = (cd: unknown) => {
    const { ids } = pointExamples(cd);
    if (ids.length) lists.push(ids);
  };
  for (const figure of figures) {
    for (const trace of figure.data) {
      const customdata = trace.customdata;
      if (!Array.isArray(customdata)) continue;
      for (const item of customdata) {
        if (Array.isArray(item) && (item.length === 0 || typeof item[0] !== "number")) item.forEach(point);
        else point(item);
      }
    }
  }
  return lists;
}

/**
 * The examples to store: the first c of every list for the largest c (at most the longest
 * list) whose union fits `maxExamples`; if even one each is too many, the first maxExamples
 * of that union. Hardest-first lists thus keep their hardest examples.
 */
export function chooseStoredIds(lists: readonly number[][], maxExamples: number): number[] {
  const unionOf = (c: number): number[] => {
    const seen = new Set<number>();
    for (const list of lists) for (let i = 0; i < Math.min(c, list.length); i++) seen.add(list[i]);
    return [...seen];
  };
  let lo = 0;
  let hi = Math.max(0, ...lists.map((l) => l.length));
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (unionOf(mid).length <= maxExamples) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? unionOf(1).slice(0, maxExamples) : unionOf(lo);
}

/** Tile size and channels of the split's pictures in the sprite. */
function tileShape(split: ImageSplit): { width: number; height: number; channels: 1 | 3 } {
  if (split.kind === "in-memory") {
    const [height, width, channels] = split.shape;
    return { width, height, channels: channels === 1 ? 1 : 3 };
  }
  return { width: 32, height: 32, channels: 3 };
}

/** The raw pixels of one example at the tile shape (8-bit, row-major, interleaved channels). */
async function tilePixels(split: ImageSplit, exampleId: number, tile: { width: number; height: number; channels: 1 | 3 }): Promise<Buffer> {
  if (split.kind === "in-memory") {
    const [height, width, channels] = split.shape;
    const perImage = height * width * channels;
    const out = Buffer.alloc(height * width * tile.channels);
    const scale = 255 / split.pixelMax;
    for (let p = 0; p < height * width; p++) {
      for (let c = 0; c < tile.channels; c++) out[p * tile.channels + c] = Math.round(split.pixels[exampleId * perImage + p * channels + Math.min(c, channels - 1)] * scale);
    }
    return out;
  }
  const file = split.files[exampleId];
  if (file === undefined) throw new ValueError(`exampleStore: expected an exampleId in [0, ${split.files.length}), got ${exampleId}`);
  return sharp(`${split.root}/${file}`).resize(tile.width, tile.height, { fit: "cover" }).removeAlpha().toColourspace("srgb").raw().toBuffer();
}

/** Packs a run's correctness of the stored examples, example-major, as base64. */
function packStrips(record: CorrectRecord, ids: readonly number[]): string {
  const epochs = record.nEpochs;
  const bytes = new Uint8Array(Math.ceil((ids.length * epochs) / 8));
  ids.forEach((id, k) => {
    for (let e = 0; e < epochs; e++) {
      const bit = k * epochs + e;
      if (correctAt(record, e, id)) bytes[bit >> 3] |= 1 << (bit & 7);
    }
  });
  return Buffer.from(bytes).toString("base64");
}

/** Builds the example store of a page from the charts that will drive its grids. */
export async function exampleStore(input: ExampleStoreInput): Promise<ExampleStore> {
  const { split } = input;
  const nExamples = split.labels.length;
  const tile = tileShape(split);
  const maxExamples = Math.max(1, Math.floor((input.maxImageBytes ?? 150_000) / (tile.width * tile.height * tile.channels)));
  const ids = chooseStoredIds(figureExampleLists(input.figures), maxExamples).filter((id) => Number.isInteger(id) && id >= 0 && id < nExamples);
  const columns = Math.max(1, Math.min(32, ids.length));
  const rows = Math.max(1, Math.ceil(ids.length / columns));
  const raw = Buffer.alloc(columns * tile.width * rows * tile.height * tile.channels);
  const rowBytes = columns * tile.width * tile.channels;
  for (const [k, id] of ids.entries()) {
    const pixels = await tilePixels(split, id, tile);
    const x0 = (k % columns) * tile.width;
    const y0 = Math.floor(k / columns) * tile.height;
    for (let y = 0; y < tile.height; y++) pixels.copy(raw, (y0 + y) * rowBytes + x0 * tile.channels, y * tile.width * tile.channels, (y + 1) * tile.width * tile.channels);
  }
  const png = await sharp(raw, { raw: { width: columns * tile.width, height: rows * tile.height, channels: tile.channels } }).png({ compressionLevel: 9 }).toBuffer();
  const labels = input.labels ?? split.labels;
  for (const run of input.runs) {
    if (run.record.nExamples !== nExamples) throw new ValueError(`exampleStore: expected runs of ${nExamples} examples (the split's), got ${run.record.nExamples} for budget ${run.budget} seed ${run.seed}`);
  }
  return {
    key: input.key ?? "examples",
    classNames: [...split.classNames],
    ids,
    labels: ids.map((id) => labels[id]),
    ...(input.predictedClass ? { predicted: ids.map((id) => input.predictedClass!(id)) } : {}),
    sprite: { src: `data:image/png;base64,${png.toString("base64")}`, width: tile.width, height: tile.height, columns },
    runs: input.runs.map((r) => ({ budget: r.budget, seed: r.seed, epochs: r.record.nEpochs, bits: packStrips(r.record, ids) })),
  };
}

/** JSON for a <script>: "<" escaped so no "</script>" in data can end it. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

/** Styles of the grids' tiles and strips (added to the page with the store). */
const DRILL_CSS = `<style>
.forgetting-drill { min-height: 1.5em; margin: 2px 0 14px; }
.forgetting-drill-note { color: #555; font: italic 12px system-ui, sans-serif; }
.forgetting-tile { image-rendering: pixelated; border: 1px solid #ccc; margin: 0 auto 2px; }
.forgetting-strips canvas { display: block; margin: 2px auto 0; image-rendering: pixelated; }
.forgetting-predicted { color: #a33; }
</style>`;

/** The store's styles and <script> (defines window.__forgettingExamples[key]). Show it once per page. */
export function exampleStoreHtml(store: ExampleStore): string {
  return `${DRILL_CSS}\n<script type="text/javascript">(window.__forgettingExamples = window.__forgettingExamples || {})[${scriptJson(store.key)}] = ${scriptJson(store)};</script>`;
}

/**
 * Runs in the page: binds the chart placed just before the grid (plotly's .js-plotly-plot)
 * to the grid. Kept in plain ES5 so every notebook front end runs it.
 */
const DRILL_SCRIPT = String.raw`
function forgettingDrill(root, storeKey, options) {
  var cellSize = options.size || 56;
  function store() { return (window.__forgettingExamples || {})[storeKey]; }
  function pointExamples(cd) {
    if (typeof cd === "number") return { ids: [cd], total: 1 };
    if (Array.isArray(cd) && typeof cd[0] === "number") return { ids: [cd[0]], total: 1 };
    if (cd && typeof cd === "object" && Array.isArray(cd.ids)) return { ids: cd.ids, total: cd.total == null ? cd.ids.length : cd.total };
    return { ids: [], total: 0 };
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function bitAt(bytes, i) { return (bytes[i >> 3] >> (i & 7)) & 1; }
  function decode(b64) { var s = atob(b64), out = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i); return out; }
  function strips(s, k) {
    var byBudget = {}, order = [];
    s.runs.forEach(function (run) {
      if (options.budgets && options.budgets.indexOf(run.budget) < 0) return;
      if (!byBudget[run.budget]) { byBudget[run.budget] = []; order.push(run.budget); }
      byBudget[run.budget].push(run);
    });
    var box = el("div", { "class": "forgetting-strips" });
    order.forEach(function (budget) {
      // One canvas pixel per epoch and seed (a blank pixel row between seeds), scaled up by CSS.
      var runs = byBudget[budget], epochs = runs[0].epochs;
      var canvas = el("canvas", { width: epochs, height: runs.length * 2, "class": "forgetting-strip" });
      canvas.style.width = Math.min(cellSize, epochs * 8) + "px";
      canvas.style.height = runs.length * 5 + "px";
      var ctx = canvas.getContext("2d"), lines = [];
      runs.forEach(function (run, r) {
        run._bytes = run._bytes || decode(run.bits);
        var text = "";
        for (var e = 0; e < epochs; e++) {
          var ok = bitAt(run._bytes, k * epochs + e);
          text += ok ? "1" : "0";
          ctx.fillStyle = ok ? "#1f4e8c" : "#e3e3e3";
          ctx.fillRect(e, r * 2, 1, 1);
        }
        lines.push("seed " + run.seed + ": " + text);
      });
      canvas.setAttribute("data-strips", lines.join("; "));
      canvas.title = budget + "-epoch runs, correct (dark) per epoch, one row per seed:\n" + lines.join("\n");
      box.appendChild(canvas);
    });
    return box;
  }
  function render(title, ids, total) {
    var s = store();
    root.textContent = "";
    if (!s) { root.appendChild(el("div", { "class": "forgetting-drill-note" }, "The examples of this page are not loaded (run the cell that shows them).")); return; }
    var index = {};
    s.ids.forEach(function (id, k) { index[id] = k; });
    var shown = ids.filter(function (id) { return index[id] !== undefined; });
    function count(n) { return n.toLocaleString("en-US"); }
    var note = title + ": " + count(total) + " example" + (total === 1 ? "" : "s") + (total > 0 ? ", " + count(shown.length) + " shown, hardest first" : "") +
      (ids.length > shown.length ? " (" + count(ids.length - shown.length) + " more not stored in this page)" : "");
    root.appendChild(el("div", { "class": "forgetting-grid-title" }, note));
    var grid = el("div", { "class": "forgetting-grid", style: "--cell-width:" + (cellSize + 8) + "px" });
    var sp = s.sprite, rows = Math.ceil(s.ids.length / sp.columns);
    shown.forEach(function (id) {
      var k = index[id], label = s.labels[k], predicted = s.predicted ? s.predicted[k] : null;
      var fig = el("figure", { "data-example-id": String(id) });
      var img = el("div", { "class": "forgetting-tile", role: "img", "aria-label": "example " + id });
      img.style.cssText = "width:" + cellSize + "px;height:" + cellSize + "px;background-image:url(" + sp.src + ");background-size:" +
        (sp.columns * cellSize) + "px " + (rows * cellSize) + "px;background-position:-" + ((k % sp.columns) * cellSize) + "px -" + (Math.floor(k / sp.columns) * cellSize) + "px";
      fig.appendChild(img);
      var caption = el("figcaption", {});
      caption.appendChild(el("div", {}, "#" + id));
      caption.appendChild(el("div", {}, s.classNames[label] != null ? s.classNames[label] : String(label)));
      if (predicted != null && predicted !== label) caption.appendChild(el("div", { "class": "forgetting-predicted" }, "taken for " + (s.classNames[predicted] != null ? s.classNames[predicted] : predicted)));
      fig.appendChild(caption);
      fig.appendChild(strips(s, k));
      grid.appendChild(fig);
    });
    root.appendChild(grid);
  }
  function axisTitle(axis) { return axis && axis.title && axis.title.text ? axis.title.text + ": " : ""; }
  function describe(pt) {
    var name = (pt.data && pt.data.name) || "";
    var heat = pt.data && pt.data.type === "heatmap";
    var where = (heat ? axisTitle(pt.yaxis) + pt.y + ", " : "") + axisTitle(pt.xaxis) + pt.x;
    return name + (name ? "; " : "") + where;
  }
  function bind(chart) {
    chart.on("plotly_click", function (ev) {
      var ids = [], total = 0, titles = [];
      (ev.points || []).forEach(function (pt) {
        var cd = pt.customdata;
        if (cd === undefined && pt.data && pt.data.customdata) {
          var n = pt.pointNumber;
          cd = Array.isArray(n) ? (pt.data.customdata[n[0]] || [])[n[1]] : pt.data.customdata[n];
        }
        var p = pointExamples(cd);
        if (!p.total && !p.ids.length) return;
        ids = ids.concat(p.ids);
        total += p.total;
        titles.push(describe(pt));
      });
      if (titles.length) render(titles.join("; "), ids, total);
    });
  }
  var tries = 0;
  (function find() {
    var charts = document.querySelectorAll(".js-plotly-plot"), chart = null;
    for (var i = 0; i < charts.length; i++) if (charts[i].compareDocumentPosition(root) & Node.DOCUMENT_POSITION_FOLLOWING) chart = charts[i];
    if (chart && chart.on) return bind(chart);
    if (++tries < 100) setTimeout(find, 100);
  })();
}`;

export interface DrillDownOptions {
  /** Element id of the grid's <div>; unique in the page. */
  id: string;
  /** Shown before the first click. */
  hint?: string;
  /** Displayed tile size, CSS px (default 56). */
  size?: number;
  /** Strips of these budgets only (default every run in the store). */
  budgets?: number[];
}

/** The grid below a chart: empty until a point of the chart is clicked. Place it right after the chart. */
export function drillDownHtml(store: Pick<ExampleStore, "key">, options: DrillDownOptions): string {
  if (!/^[A-Za-z][\w-]*$/.test(options.id)) throw new ValueError(`drillDownHtml: expected an id of letters, digits, _ and -, got ${JSON.stringify(options.id)}`);
  const hint = options.hint ?? "Click a bar, cell or point of the chart above to see its examples here.";
  const settings = { size: options.size, budgets: options.budgets };
  return [
    `<div id="${escapeHtml(options.id)}" class="forgetting-drill" data-store="${escapeHtml(store.key)}"><div class="forgetting-drill-note">${escapeHtml(hint)}</div></div>`,
    `<script type="text/javascript">(function () {${DRILL_SCRIPT}\nforgettingDrill(document.getElementById(${scriptJson(options.id)}), ${scriptJson(store.key)}, ${scriptJson(settings)});})();</script>`,
  ].join("\n");
}


const state = globalThis as typeof globalThis & { __forgettingDrillCount?: number };

/** Shows the page's example store (once per notebook, before or after its charts). */
export function showExampleStore(store: ExampleStore): void {
  showHtml(exampleStoreHtml(store));
}

/** Shows the drill-down grid of the chart shown just before it (nb.showFigure). */
export function showDrillDown(store: Pick<ExampleStore, "key">, options: Omit<DrillDownOptions, "id"> = {}): void {
  state.__forgettingDrillCount = (state.__forgettingDrillCount ?? 0) + 1;
  showHtml(drillDownHtml(store, { ...options, id: `forgetting-drill-${process.pid.toString(36)}-${Date.now().toString(36)}-${state.__forgettingDrillCount}` }));
}
