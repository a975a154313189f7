/**
 * The paper's Fig. 1 style histograms (Toneva et al. 2019): how many examples have k
 * forgetting events, and in which epoch examples are first learned, with the never-learned
 * examples as their own bar. The count axis is logarithmic by default: the tail of often
 * forgotten examples, which the paper is about, is a few examples beside thousands at 0.
 */
import { hoverFormat } from "../core/format";
import { PALETTE, examplePick, type PlotlyFigure, axis, baseLayout, hoverLines } from "./types";

/** A histogram as computed by the analysis (BudgetAnalysis fields). */
export interface ForgettingHistogramSeries {
  /** Legend name, e.g. "seed 3" or "20 epochs". */
  name: string;
  /** counts[k] = examples (or example-seed pairs) with k forgetting events, learned examples only. */
  counts: readonly number[];
  /** Never-learned examples (shown as the last bar); omit to hide it. */
  never?: number;
  /** The examples behind each bar, in the order of the bars (0, 1, ..., then never learned): a click shows them. */
  examples?: readonly ArrayLike<number>[];
}

/** A first-learned-epoch histogram as computed by the analysis. */
export interface FirstLearnedSeries {
  name: string;
  /** counts[e - 1] = examples first learned in epoch e. */
  counts: readonly number[];
  /** Examples never learned (shown as the last bar). */
  never: number;
  /** The examples behind each bar (epochs 1, 2, ..., then never learned). */
  examples?: readonly ArrayLike<number>[];
}

export interface HistogramOptions {
  title?: string;
  /** What one counted unit is, for the axis and the hover label: "examples" (default) or "(example, seed) pairs". */
  unit?: string;
  /** Logarithmic count axis (default true). */
  logY?: boolean;
}

const NEVER = "never learned";

function countAxis(unit: string, logY: boolean): Record<string, unknown> {
  return axis(logY ? `${unit} (log scale)` : unit, logY ? { type: "log" } : { rangemode: "tozero" });
}

/** Bars of forgetting-event counts (0, 1, 2, ...) plus a "never learned" bar; one bar group per series. */
export function forgettingEventsFigure(series: readonly ForgettingHistogramSeries[], options: HistogramOptions = {}): PlotlyFigure {
  const unit = options.unit ?? "examples";
  const logY = options.logY ?? true;
  const maxK = Math.max(0, ...series.map((s) => s.counts.length - 1));
  const showNever = series.some((s) => s.never !== undefined);
  const categories = [...Array.from({ length: maxK + 1 }, (_, k) => String(k)), ...(showNever ? [NEVER] : [])];
  return {
    data: series.map((s, i) => ({
      type: "bar",
      name: s.name,
      x: categories,
      y: [...Array.from({ length: maxK + 1 }, (_, k) => s.counts[k] ?? 0), ...(showNever ? [s.never ?? 0] : [])],
      marker: { color: PALETTE[i % PALETTE.length] },
      ...(s.examples ? { customdata: s.examples.map((ids) => examplePick(ids)) } : {}),
      hovertemplate: hoverLines(s.name, [["forgetting events", "%{x}"], [unit, hoverFormat("count", "y")]]),
    })),
    layout: baseLayout(options.title ?? "Forgetting events per example", {
      barmode: "group",
      showlegend: series.length > 1,
      xaxis: axis("forgetting events (learned examples), then never learned", { type: "category" }),
      yaxis: countAxis(unit, logY),
    }),
  };
}

/** Bars of the epoch in which examples were first learned (1, 2, ...) plus a "never learned" bar. */
export function firstLearnedFigure(series: readonly FirstLearnedSeries[], options: HistogramOptions = {}): PlotlyFigure {
  const unit = options.unit ?? "examples";
  const logY = options.logY ?? true;
  const maxEpoch = Math.max(0, ...series.map((s) => s.counts.length));
  const categories = [...Array.from({ length: maxEpoch }, (_, e) => String(e + 1)), NEVER];
  return {
    data: series.map((s, i) => ({
      type: "bar",
      name: s.name,
      x: categories,
      y: [...Array.from({ length: maxEpoch }, (_, e) => s.counts[e] ?? 0), s.never],
      marker: { color: PALETTE[i % PALETTE.length] },
      ...(s.examples ? { customdata: s.examples.map((ids) => examplePick(ids)) } : {}),
      hovertemplate: hoverLines(s.name, [["first learned in epoch", "%{x}"], [unit, hoverFormat("count", "y")]]),
    })),
    layout: baseLayout(options.title ?? "First learned epoch", {
      barmode: "group",
      showlegend: series.length > 1,
      xaxis: axis("epoch of first correct presentation", { type: "category" }),
      yaxis: countAxis(unit, logY),
    }),
  };
}
