/**
 * Plotly in notebooks and exported HTML. Each chart is one MIME bundle: text/html (a <div>
 * plus a small script that calls Plotly.newPlot, with the static image inside the <div> as
 * the fallback where scripts do not run), application/vnd.plotly.v1+json (for front ends
 * with a plotly renderer), image/png when one was rendered, and text/plain.
 *
 * The plotly.js bundle itself is never stored in a notebook: a live kernel sends it to the
 * page once and then blanks that output (see notebookSetup), and the exported reports load
 * one copy, PLOTLY_BUNDLE_FILE, beside them by a relative path.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ValueError } from "../core/errors";
import type { PlotlyFigure } from "../figures/types";
import { writeFileAtomic } from "../core/atomic";
import { escapeHtml } from "./html";
import { projectRoot } from "../core/paths";

/** Bundle files tried in order inside the plotly.js-dist package (minified first). */
const BUNDLE_FILES = ["plotly.min.js", "dist/plotly.min.js", "plotly.js"];

/** Path of the plotly.js browser bundle (plotly.js-dist), the minified one when shipped. */
function plotlyBundlePath(root?: string): string {
  const packageJson = require.resolve("plotly.js-dist/package.json", root ? { paths: [root] } : undefined);
  const dir = path.dirname(packageJson);
  const file = BUNDLE_FILES.map((name) => path.join(dir, name)).find((f) => fs.existsSync(f));
  if (!file) throw new ValueError(`plotlyBundlePath: expected one of ${BUNDLE_FILES.join(", ")} in ${dir}, got none`);
  return file;
}

/**
 * The plotly.js bundle's text, minified when possible. plotly.js-dist 3 ships only the
 * unminified bundle (11 MB); each reports folder stores it once and a live kernel sends it to
 * the page once per session, so it is minified
 * with esbuild (4.9 MB, a few seconds once) and cached in node_modules/.cache. Without
 * esbuild (an install without dev dependencies) the unminified bundle is used.
 */
export function plotlyBundle(root = projectRoot()): string {
  const source = plotlyBundlePath(root);
  if (source.endsWith(".min.js")) return fs.readFileSync(source, "utf8");
  const version = (JSON.parse(fs.readFileSync(path.join(path.dirname(source), "package.json"), "utf8")) as { version: string }).version;
  const cached = path.join(root, "node_modules", ".cache", "forgetting-lab", `plotly-${version}.min.js`);
  if (fs.existsSync(cached)) return fs.readFileSync(cached, "utf8");
  const text = fs.readFileSync(source, "utf8");
  let esbuild: { transformSync(code: string, options: Record<string, unknown>): { code: string } };
  try {
    esbuild = require(require.resolve("esbuild", { paths: [root] })) as typeof esbuild;
  } catch {
    return text;
  }
  const minified = esbuild.transformSync(text, { minify: true, legalComments: "none" }).code;
  writeFileAtomic(cached, minified);
  return minified;
}

/**
 * The <script> element that defines window.Plotly (what a live kernel sends to the page, see
 * notebookSetup). The bundle's text is inlined as is; a
 * "</script" inside it (possible in string literals) is split so it cannot end the element.
 */
export function plotlyBundleHtml(bundle: string): string {
  return `<script type="text/javascript">/* plotly.js bundle, sent once per kernel session */\n${bundle.replace(/<\/script/gi, "<\\/script")}\n</script>`;
}

/** JSON for embedding in a <script>: "<" escaped so "</script>" in data cannot end it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/** File name of the plotly.js bundle in a reports folder; every report loads it by this relative path. */
export const PLOTLY_BUNDLE_FILE = "plotly.min.js";

/** The MIME type of plotly's JSON figure (what JupyterLab, VS Code and nbviewer render natively). */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** Plotly config of every chart: responsive, without the logo. */
const CHART_CONFIG = { responsive: true, displaylogo: false };

export interface FigureHtmlOptions {
  /** Element id of the chart's <div>; must be unique within the page. */
  id: string;
  /** Plotly config (toolbar, responsiveness); default responsive without the logo. */
  config?: Record<string, unknown>;
  /** A static rendering (PNG, base64 without the data: prefix), shown while or where the script cannot draw. */
  imagePng?: string;
}

/**
 * One chart: a <div class="forgetting-plot"> and the script that draws `figure` into it.
 * The static image, when given, sits inside the <div> (where sanitising viewers such as an
 * untrusted notebook keep it) and is removed when plotly draws. If plotly is missing (the
 * notebook's first cell was not run in this session), the image stays, or the div says so.
 */
export function figureHtml(figure: PlotlyFigure, options: FigureHtmlOptions): string {
  if (!/^[A-Za-z][\w-]*$/.test(options.id)) throw new ValueError(`figureHtml: expected an id of letters, digits, _ and -, got ${JSON.stringify(options.id)}`);
  const config = options.config ?? CHART_CONFIG;
  const height = typeof figure.layout.height === "number" ? figure.layout.height : 360;
  const image = options.imagePng
    ? `<img class="forgetting-plot-static" src="data:image/png;base64,${options.imagePng}" alt="${escapeHtml(figureTitle(figure))}" style="max-width:100%">`
    : "";
  return [
    `<div id="${escapeHtml(options.id)}" class="forgetting-plot" style="width:100%;min-height:${height}px">${image}</div>`,
    "<script type=\"text/javascript\">",
    "(function () {",
    `  var el = document.getElementById(${scriptJson(options.id)});`,
    "  if (!window.Plotly) { if (!el.firstChild) el.textContent = 'plotly.js is not loaded: run the notebook\\'s first cell (notebookSetup) and this one again.'; return; }",
    "  while (el.firstChild) el.removeChild(el.firstChild);",
    `  var fig = ${scriptJson(figure)};`,
    `  window.Plotly.newPlot(el, fig.data, fig.layout, ${scriptJson(config)});`,
    "})();",
    "</script>",
  ].join("\n");
}

/** The figure's title text, or "chart". */
function figureTitle(figure: PlotlyFigure): string {
  const title = figure.layout.title;
  const text = typeof title === "string" ? title : typeof title === "object" && title !== null ? (title as { text?: unknown }).text : undefined;
  return typeof text === "string" && text.trim() ? text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim() : "chart";
}

/** A display output's MIME bundle: MIME type -> content (strings; JSON for the plotly type). */
export type MimeBundle = Record<string, unknown>;

/** What a chart's output carries besides its data, so the runner can add or strip its image. */
export type FigureOutputMetadata = { forgetting: { chartId: string } };

/**
 * A chart's MIME bundle (pure): the interactive HTML, plotly's JSON, the image when given,
 * and a text line for plain-text front ends.
 */
export function figureBundle(figure: PlotlyFigure, options: FigureHtmlOptions): { data: MimeBundle; metadata: FigureOutputMetadata } {
  const data: MimeBundle = {
    "text/html": figureHtml(figure, options),
    [PLOTLY_MIME]: { data: figure.data, layout: figure.layout, config: options.config ?? CHART_CONFIG },
    "text/plain": `Plotly chart: ${figureTitle(figure)}`,
  };
  if (options.imagePng) data["image/png"] = options.imagePng;
  return { data, metadata: { forgetting: { chartId: options.id } } };
}
