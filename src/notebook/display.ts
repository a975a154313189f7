/**
 * What notebooks call to show things on the tslab kernel: tables (danfo DataFrames or rows),
 * plotly figures, image grids, markdown and live progress. The HTML comes from the pure
 * builders beside this file; this module only hands it to tslab's display.
 *
 * Outside a tslab kernel (a node script, a test) tslab's display is not ready; then the
 * helpers print a one-line text stand-in instead of failing, so library code that reports
 * progress can run anywhere.
 */
import type { DataFrame } from "danfojs-node";
import type { PlotlyFigure } from "../figures/types";
import { NOTEBOOK_CSS, type HtmlTableOptions, htmlTable } from "./html";
import { type MimeBundle, figureBundle, plotlyBundle, plotlyBundleHtml } from "./plotly";
import { type ChartImageRenderer, openChartImageRenderer } from "./chartImage";
import { NOTEBOOK_ENV } from "./params";
import { type TrainProgress, formatTrainProgress } from "../core/progress";

/** The part of tslab's Display interface used here. */
interface DisplayLike {
  html(s: string): void;
  markdown(s: string): void;
}

/** Where HTML goes: tslab's display inside a kernel, a text stand-in elsewhere. */
function emit(kind: "html" | "markdown", content: string, target?: DisplayLike): void {
  try {
    // Required lazily: inside a kernel tslab hooks require("tslab") to its live display.
    const display: DisplayLike = target ?? (require("tslab") as typeof import("tslab")).display;
    display[kind](content);
  } catch (err) {
    if (!/not ready/i.test((err as Error).message)) throw err;
    console.log(kind === "markdown" ? content : `[html output, ${content.length} characters; run in the forgetting-tslab kernel to see it]`);
  }
}

/** A display_data message's content, as tslab's kernel sends it. */
interface DisplayData {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

/**
 * tslab's public Display sends one MIME type per output; a chart needs several in one
 * output (HTML, plotly JSON, text). tslab's kernel keeps the function that sends a whole
 * display_data message in its jupyter module (the one its public display calls), so that
 * is used here. Null outside a kernel, or if a tslab release moved it.
 */
function kernelDisplayWriter(): ((content: DisplayData, update: boolean) => void) | null {
  try {
    const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData?: unknown };
    return typeof jupyter.lastWriteDisplayData === "function" ? (jupyter.lastWriteDisplayData as (content: DisplayData, update: boolean) => void) : null;
  } catch {
    return null;
  }
}

/** Sends a MIME bundle as one output; outside a kernel prints `fallbackText` instead. */
function emitBundle(content: DisplayData, fallbackText: string, update = false): void {
  const write = kernelDisplayWriter();
  if (!write) return void console.log(fallbackText);
  write(content, update);
}

/** Per-kernel state: the bundle is sent once, and chart ids stay unique across cells. */
const state = globalThis as typeof globalThis & {
  __forgettingPlotlyShown?: boolean;
  __forgettingFigureCount?: number;
  __forgettingKernelToken?: string;
  __forgettingChartImages?: Promise<ChartImageRenderer | null>;
};

/**
 * This kernel's chart image renderer: a headless Chromium started at the first chart, kept
 * for the session (playwright closes it when the kernel exits). Null when there is no
 * Chromium or playwright-core, when it fails to start, or when FORGETTING_CHART_IMAGES=0.
 */
function chartImageRenderer(): Promise<ChartImageRenderer | null> {
  if (process.env[NOTEBOOK_ENV.chartImages] === "0") return Promise.resolve(null);
  state.__forgettingChartImages ??= openChartImageRenderer(plotlyBundle()).catch(() => null);
  return state.__forgettingChartImages;
}

/**
 * A token of this kernel process. Chart ids carry it because after a kernel restart the
 * page still shows the old charts, whose ids a fresh counter would repeat.
 */
function kernelToken(): string {
  state.__forgettingKernelToken ??= `${process.pid.toString(36)}${Date.now().toString(36)}`;
  return state.__forgettingKernelToken;
}

/**
 * Loads plotly.js into the page of a live session without storing it in the notebook: the
 * bundle goes out as an output with a display id, which its script defines window.Plotly
 * from, and is then replaced by an empty output (Jupyter's update_display_data). The saved
 * notebook (and a headless run's, which applies the update too) keeps only the empty one.
 */
function sendPlotlyToPage(): void {
  const displayId = `forgetting-plotly-${kernelToken()}`;
  emitBundle({ data: { "text/html": plotlyBundleHtml(plotlyBundle()) }, metadata: {}, transient: { display_id: displayId } }, "");
  emitBundle({ data: { "text/html": "" }, metadata: {}, transient: { display_id: displayId } }, "", true);
}

/**
 * Shows the notebook's CSS and loads plotly.js into the page for this session. Call it in the
 * first code cell of every notebook. The CSS is stored in the notebook; the plotly bundle is
 * not (see sendPlotlyToPage): exported reports load it from beside them, and a saved
 * notebook opened elsewhere shows the charts' static images until that cell runs again.
 */
export function notebookSetup(): void {
  emit("html", `<style>${NOTEBOOK_CSS}</style>`);
  if (kernelDisplayWriter()) sendPlotlyToPage();
  state.__forgettingPlotlyShown = true;
}

/**
 * Shows a plotly figure (see src/figures) as one output: interactive HTML, plotly's JSON and
 * a text line. Loads plotly.js into the page first if this session has not yet.
 *
 * Where a headless Chromium is available, the chart's static PNG follows a moment later: the
 * output is replaced in place (by its display id) with the same chart plus the image, so a
 * notebook saved from a live session shows its charts untrusted too. The cell does not wait
 * for it. The headless runner draws the images itself after each notebook instead.
 */
export function showFigure(figure: PlotlyFigure): void {
  if (!state.__forgettingPlotlyShown) notebookSetup();
  state.__forgettingFigureCount = (state.__forgettingFigureCount ?? 0) + 1;
  const id = `forgetting-plot-${kernelToken()}-${state.__forgettingFigureCount}`;
  const write = kernelDisplayWriter();
  if (!write) return void console.log(`[plotly chart ${id}; run in the forgetting-tslab kernel to see it]`);
  write({ ...figureBundle(figure, { id }), transient: { display_id: id } }, false);
  // The writer of this cell's execution, so the update names the cell that made the chart.
  void chartImageRenderer()
    .then(async (renderer) => {
      if (!renderer) return;
      const imagePng = await renderer.render(figure);
      write({ ...figureBundle(figure, { id, imagePng }), transient: { display_id: id } }, true);
    })
    .catch(() => undefined); // the chart stays as shown, without its image
}

export interface FrameHtmlOptions extends HtmlTableOptions {
  /** Rows shown at most; the rest are summarised in the caption (default 50). */
  maxRows?: number;
  /** Show the DataFrame's index as the first column (default true). */
  index?: boolean;
}

/** A danfo DataFrame as an HTML table (pure). */
export function frameHtml(frame: DataFrame, options: FrameHtmlOptions = {}): string {
  const { maxRows = 50, index = true } = options;
  const columns = frame.columns.map(String);
  const values = frame.values as unknown[][];
  const labels = frame.index;
  const shown = values.slice(0, maxRows).map((row, i) => (index ? [labels[i], ...row] : row));
  const hidden = values.length - shown.length;
  const caption = [options.caption, hidden > 0 ? `(first ${shown.length} of ${values.length} rows)` : ""].filter(Boolean).join(" ");
  return htmlTable(index ? ["", ...columns] : columns, shown, { ...options, caption: caption || undefined });
}

/** Shows a danfo DataFrame as an HTML table. */
export function showFrame(frame: DataFrame, options: FrameHtmlOptions = {}): void {
  emit("html", frameHtml(frame, options));
}

/** Shows a table from column names and rows. */
export function showTable(columns: readonly string[], rows: readonly (readonly unknown[])[], options: HtmlTableOptions = {}): void {
  emit("html", htmlTable(columns, rows, options));
}

/** Shows ready-made HTML (e.g. from exampleGridHtml). */
export function showHtml(html: string): void {
  emit("html", html);
}

/**
 * Shows markdown (headings, notes computed at run time), with its source as text/plain
 * beside it: an untrusted classic notebook ignores text/markdown outputs and shows that.
 */
export function showMarkdown(markdown: string): void {
  if (!kernelDisplayWriter()) return emit("markdown", markdown);
  emitBundle({ data: { "text/markdown": markdown, "text/plain": markdown }, metadata: {}, transient: {} }, markdown);
}

/** A display entry that is rewritten in place while a cell runs. */
export interface ProgressDisplay {
  /** Replaces the entry's text (one or more lines). */
  update(text: string): void;
}

/**
 * A progress line that updates in place while a cell runs (tslab's newDisplay). Headless
 * execution records the last state. Outside a kernel each update is printed.
 */
export function progressDisplay(): ProgressDisplay {
  let entry: DisplayLike | undefined;
  try {
    entry = (require("tslab") as typeof import("tslab")).newDisplay();
  } catch {
    entry = undefined;
  }
  return {
    update(text: string) {
      const html = `<div class="forgetting-progress">${text.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</div>`;
      if (!entry) return console.log(text);
      try {
        entry.html(html);
      } catch (err) {
        if (!/not ready/i.test((err as Error).message)) throw err;
        console.log(text);
      }
    },
  };
}

/**
 * An onProgress callback for train() that rewrites `display` at most every `intervalMs`
 * milliseconds, and always at an epoch's last batch (so the final state is shown).
 */
export function trainingProgress(display: ProgressDisplay, intervalMs = 250): (p: TrainProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < intervalMs && !(p.batch === p.batches && p.phase === "train")) return;
    last = now;
    display.update(formatTrainProgress(p));
  };
}
