/**
 * Plotly figures as plain JSON: `{ data, layout }`, exactly what `Plotly.newPlot(div, data,
 * layout)` takes. Figure builders in this folder are pure (data in, figure out), so they can
 * be tested in node and rendered in a notebook, a report or any web page.
 */

/** One plotly trace (bar, scatter, heatmap, histogram...). Keys follow plotly's reference. */
export type PlotlyTrace = { type: string } & Record<string, unknown>;

/** A plotly layout; keys follow plotly's reference. */
export type PlotlyLayout = Record<string, unknown>;

export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
}

/** Colours used across figures, so a budget or a group keeps its colour from chart to chart. */
export const PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"];

/** The layout every figure starts from: title, compact margins, white background. */
export function baseLayout(title: string, extra: PlotlyLayout = {}): PlotlyLayout {
  return {
    title: { text: title, x: 0.02, xanchor: "left" },
    margin: { l: 60, r: 20, t: 50, b: 50 },
    height: 360,
    paper_bgcolor: "white",
    plot_bgcolor: "white",
    font: { family: "system-ui, sans-serif", size: 12 },
    ...extra,
  };
}

/** An axis with a title and light grid lines. */
export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title }, gridcolor: "#e5e5e5", zeroline: false, ...extra };
}

/** Replaces NaN and infinities by null, which plotly (and JSON) treat as "no value". */
export function finiteOrNull(values: ArrayLike<number>): (number | null)[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? v : null));
}

/**
 * The examples behind one point of a chart (a bar, a heatmap cell), as its `customdata`: the
 * first ids in order of difficulty (hardest first) and how many there are in all. A click on
 * the point shows them in the example grid below the chart (src/notebook/drilldown.ts). A
 * point may instead carry one example id as a number (or as the first item of an array
 * customdata, e.g. a data map's points). So figures keep `customdata` for examples only:
 * other per-point values of a hover label go in `text` or `hovertext`.
 */
export interface ExamplePick {
  ids: number[];
  total: number;
}

/** Ids kept per point: enough to fill a grid, small enough for a light page. */
const PICK_CAP = 48;

/** The first `cap` of `ids` (ordered hardest first by the caller) and their total. */
export function examplePick(ids: ArrayLike<number>, cap = PICK_CAP): ExamplePick {
  return { ids: Array.from({ length: Math.min(cap, ids.length) }, (_, i) => ids[i]), total: ids.length };
}

/**
 * A hover label of lines "name: value" under the series name in bold; plotly's own trace
 * label box is dropped (<extra></extra>) because it truncates long names.
 */
export function hoverLines(series: string, lines: readonly [string, string][]): string {
  return [`<b>${series}</b>`, ...lines.map(([name, value]) => `${name}: ${value}`)].join("<br>") + "<extra></extra>";
}
