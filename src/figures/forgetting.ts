/**
 * The paper's Fig. 1 style histograms (Toneva et al. 2019): how many examples have k
 * forgetting events, and in which epoch examples are first learned, with the never-learned
 * examples as their own bar.
 */
import { PALETTE, type PlotlyFigure, axis, baseLayout } from "./types";

/** A histogram as computed by the analysis (BudgetAnalysis fields). */
export interface ForgettingHistogramSeries {
  /** Legend name, e.g. "seed 3" or "20 epochs". */
  name: string;
  /** counts[k] = examples (or example-seed pairs) with k forgetting events, learned examples only. */
  counts: readonly number[];
  /** Never-learned examples (shown as the last bar); omit to hide it. */
  never?: number;
}

/** A first-learned-epoch histogram as computed by the analysis. */
export interface FirstLearnedSeries {
  name: string;
  /** counts[e - 1] = examples first learned in epoch e. */
  counts: readonly number[];
  /** Examples never learned (shown as the last bar). */
  never: number;
}

const NEVER = "never learned";

/** Bars of forgetting-event counts (0, 1, 2, ...) plus a "never learned" bar; one bar group per series. */
export function forgettingEventsFigure(series: readonly ForgettingHistogramSeries[], options: { title?: string; yTitle?: string } = {}): PlotlyFigure {
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
      hovertemplate: `${s.name}: %{y} with %{x} forgetting events<extra></extra>`,
    })),
    layout: baseLayout(options.title ?? "Forgetting events per example", {
      barmode: "group",
      showlegend: series.length > 1,
      xaxis: axis("forgetting events", { type: "category" }),
      yaxis: axis(options.yTitle ?? "examples"),
    }),
  };
}

/** Bars of the epoch in which examples were first learned (1, 2, ...) plus a "never learned" bar. */
export function firstLearnedFigure(series: readonly FirstLearnedSeries[], options: { title?: string; yTitle?: string } = {}): PlotlyFigure {
  const maxEpoch = Math.max(0, ...series.map((s) => s.counts.length));
  const categories = [...Array.from({ length: maxEpoch }, (_, e) => String(e + 1)), NEVER];
  return {
    data: series.map((s, i) => ({
      type: "bar",
      name: s.name,
      x: categories,
      y: [...Array.from({ length: maxEpoch }, (_, e) => s.counts[e] ?? 0), s.never],
      marker: { color: PALETTE[i % PALETTE.length] },
      hovertemplate: `${s.name}: %{y} first learned in epoch %{x}<extra></extra>`,
    })),
    layout: baseLayout(options.title ?? "First learned epoch", {
      barmode: "group",
      showlegend: series.length > 1,
      xaxis: axis("epoch of first correct presentation", { type: "category" }),
      yaxis: axis(options.yTitle ?? "examples"),
    }),
  };
}
