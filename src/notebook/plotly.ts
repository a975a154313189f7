/**
 * Plotly in notebooks and exported HTML. The plotly.js bundle is inlined once per notebook
 * (a <script> that sets window.Plotly), and each chart is a <div> plus a small script that
 * calls Plotly.newPlot. nbconvert keeps both, so an exported report is interactive and
 * works offline, with the bundle stored once.
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
 * unminified bundle (11 MB); every notebook and report stores it once, so it is minified
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
 * The <script> element that defines window.Plotly. The bundle's text is inlined as is; a
 * "</script" inside it (possible in string literals) is split so it cannot end the element.
 */
export function plotlyBundleHtml(bundle: string): string {
  return `<script type="text/javascript">/* plotly.js bundle, inlined once per notebook */\n${bundle.replace(/<\/script/gi, "<\\/script")}\n</script>`;
}

/** JSON for embedding in a <script>: "<" escaped so "</script>" in data cannot end it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

export interface FigureHtmlOptions {
  /** Element id of the chart's <div>; must be unique within the page. */
  id: string;
  /** Plotly config (toolbar, responsiveness); default responsive without the logo. */
  config?: Record<string, unknown>;
}

/**
 * One chart: a <div class="forgetting-plot"> and the script that draws `figure` into it.
 * If plotly is missing (its bundle cell was not run), the div says so instead of failing.
 */
export function figureHtml(figure: PlotlyFigure, options: FigureHtmlOptions): string {
  if (!/^[A-Za-z][\w-]*$/.test(options.id)) throw new ValueError(`figureHtml: expected an id of letters, digits, _ and -, got ${JSON.stringify(options.id)}`);
  const config = options.config ?? { responsive: true, displaylogo: false };
  const height = typeof figure.layout.height === "number" ? figure.layout.height : 360;
  return [
    `<div id="${escapeHtml(options.id)}" class="forgetting-plot" style="width:100%;min-height:${height}px"></div>`,
    "<script type=\"text/javascript\">",
    "(function () {",
    `  var el = document.getElementById(${scriptJson(options.id)});`,
    "  if (!window.Plotly) { el.textContent = 'plotly.js is not loaded: run the notebook\\'s first cell (notebookSetup) and this one again.'; return; }",
    `  var fig = ${scriptJson(figure)};`,
    `  window.Plotly.newPlot(el, fig.data, fig.layout, ${scriptJson(config)});`,
    "})();",
    "</script>",
  ].join("\n");
}
