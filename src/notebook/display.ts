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
import { figureHtml, plotlyBundle, plotlyBundleHtml } from "./plotly";
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

/** Per-kernel state: the bundle is shown once, and chart ids stay unique across cells. */
const state = globalThis as typeof globalThis & { __forgettingPlotlyShown?: boolean; __forgettingFigureCount?: number; __forgettingKernelToken?: string };

/**
 * A token of this kernel process. Chart ids carry it because after a kernel restart the
 * page still shows the old charts, whose ids a fresh counter would repeat.
 */
function kernelToken(): string {
  state.__forgettingKernelToken ??= `${process.pid.toString(36)}${Date.now().toString(36)}`;
  return state.__forgettingKernelToken;
}

/**
 * Shows the notebook's CSS and the plotly.js bundle. Call it in the first code cell of every
 * notebook: the bundle is then stored once in the notebook and in its HTML export.
 */
export function notebookSetup(): void {
  emit("html", `<style>${NOTEBOOK_CSS}</style>\n${plotlyBundleHtml(plotlyBundle())}`);
  state.__forgettingPlotlyShown = true;
}

/** Shows a plotly figure (see src/figures). Shows the bundle first if this kernel has not yet. */
export function showFigure(figure: PlotlyFigure): void {
  if (!state.__forgettingPlotlyShown) notebookSetup();
  state.__forgettingFigureCount = (state.__forgettingFigureCount ?? 0) + 1;
  const id = `forgetting-plot-${kernelToken()}-${state.__forgettingFigureCount}`;
  emit("html", figureHtml(figure, { id }));
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

/** Shows markdown (headings, notes computed at run time). */
export function showMarkdown(markdown: string): void {
  emit("markdown", markdown);
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
