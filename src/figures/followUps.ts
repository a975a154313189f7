/**
 * Figures of the paper's follow-up experiments (Toneva et al. 2019, sections 5 and 6):
 * test accuracy after removing examples, and forgetting of flipped versus clean labels.
 */
import type { GroupHistogram } from "../analysis/followUps";
import { formatValue, hoverFormat } from "../core/format";
import { PALETTE, type PlotlyFigure, type PlotlyTrace, axis, baseLayout, finiteOrNull, hoverLines } from "./types";

/** One variant of a removal study (the fields of removalResults' rows). */
export interface RemovalPoint {
  /** "none" for the full-data baseline, else "least-forgotten", "random", ... */
  method: string;
  /** Fraction of the training set removed, [0, 1]. */
  fraction: number;
  /** Mean and sample standard deviation of the best test accuracy over seeds, [0, 1]. */
  mean: number;
  std: number;
  seeds: readonly number[];
}

/**
 * Test accuracy (%) against the percentage of training examples removed, one line per
 * removal method with error bars of one standard deviation over seeds. The full-data
 * baseline (method "none") starts every line at 0 %.
 */
export function removalCurveFigure(points: readonly RemovalPoint[], options: { title?: string } = {}): PlotlyFigure {
  const baseline = points.filter((p) => p.method === "none");
  const methods = [...new Set(points.filter((p) => p.method !== "none").map((p) => p.method))];
  const data: PlotlyTrace[] = methods.map((method, i) => {
    const name = method === "least-forgotten" ? "least forgotten removed" : method === "random" ? "random removed (control)" : method;
    const line = [...baseline, ...points.filter((p) => p.method === method)].sort((a, b) => a.fraction - b.fraction);
    return {
      type: "scatter",
      mode: "lines+markers",
      name,
      x: line.map((p) => Number((p.fraction * 100).toFixed(3))),
      y: finiteOrNull(line.map((p) => p.mean * 100)),
      error_y: { type: "data", array: finiteOrNull(line.map((p) => (Number.isFinite(p.std) ? p.std * 100 : NaN))), visible: true },
      text: line.map((p) => String(p.seeds.length)),
      // customdata is kept for the examples behind a point (see ExamplePick); the std goes in hovertext.
      hovertext: line.map((p) => formatValue("percent", p.std * 100)),
      line: { color: PALETTE[i % PALETTE.length] },
      hovertemplate: hoverLines(name, [["training examples removed", hoverFormat("percent", "x")], ["best test accuracy, mean over seeds", hoverFormat("percent", "y")], ["std over seeds", "%{hovertext}"], ["seeds", "%{text}"]]),
    };
  });
  return {
    data,
    layout: baseLayout(options.title ?? "Test accuracy after removing training examples", {
      xaxis: axis("training examples removed (%)"),
      yaxis: axis("best test accuracy (%)"),
    }),
  };
}

/**
 * Forgetting events of examples with flipped labels versus clean ones, each group as a share
 * of its own size (the groups differ a lot in size), with the detector's ROC AUC in the title.
 */
export function labelNoiseFigure(groups: { noisy: GroupHistogram; clean: GroupHistogram }, options: { title?: string; auc?: number } = {}): PlotlyFigure {
  const maxK = Math.max(groups.noisy.counts.length, groups.clean.counts.length) - 1;
  const categories = [...Array.from({ length: Math.max(0, maxK + 1) }, (_, k) => String(k)), "never learned"];
  const trace = (name: string, g: GroupHistogram, color: string): PlotlyTrace => {
    const values = [...Array.from({ length: Math.max(0, maxK + 1) }, (_, k) => g.counts[k] ?? 0), g.never];
    const total = values.reduce((a, b) => a + b, 0);
    return {
      type: "bar",
      name: `${name} (${formatValue("count", total)} example x seed pairs)`,
      x: categories,
      y: values.map((v) => (total ? (100 * v) / total : 0)),
      text: values.map((v) => formatValue("count", v)),
      textposition: "none",
      marker: { color },
      hovertemplate: hoverLines(name, [["forgetting events", "%{x}"], ["share of the group", hoverFormat("percent", "y")], ["(example, seed) pairs", "%{text}"]]),
    };
  };
  const auc = options.auc;
  const aucText = auc !== undefined && Number.isFinite(auc) ? ` (ROC AUC of forgetting as a noise detector: ${formatValue("ratio", auc)})` : "";
  return {
    data: [trace("flipped labels", groups.noisy, PALETTE[3]), trace("clean labels", groups.clean, PALETTE[0])],
    layout: baseLayout(options.title ?? `Forgetting of flipped vs clean labels${aucText}`, {
      barmode: "group",
      xaxis: axis("forgetting events", { type: "category" }),
      yaxis: axis("share of the group (%)"),
    }),
  };
}
