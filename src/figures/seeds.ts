/**
 * Figures of the seed-intersection study: never learned in all K seeds per budget, nesting
 * across budgets, per-class counts, pairwise seed overlap and rank stability. Inputs are the
 * analysis results (src/analysis: BudgetAnalysis, Nesting, summarizeAnalysis), unchanged.
 */
import { ValueError } from "../core/errors";
import { PALETTE, type PlotlyFigure, type PlotlyTrace, axis, baseLayout, finiteOrNull } from "./types";

/** Per-budget set sizes (the fields of summarizeAnalysis(...).budgets[i]). */
export interface BudgetSetSizes {
  budget: number;
  seeds: readonly number[];
  /** Never learned in every seed. */
  neverLearnedAll: number;
  /** Never learned in at least one seed. */
  neverLearnedAny: number;
  /** [nSeeds] never learned in each seed. */
  neverLearnedPerSeed: readonly number[];
}

/**
 * Never-learned set sizes against the epoch budget: in all seeds (the headline), in any
 * seed, and each seed's own count as points. The y axis is logarithmic by default: the
 * union is often a hundred times the intersection (empty sets then show no bar).
 */
export function neverLearnedPerBudgetFigure(budgets: readonly BudgetSetSizes[], options: { title?: string; logY?: boolean } = {}): PlotlyFigure {
  const logY = options.logY ?? true;
  const x = budgets.map((b) => String(b.budget));
  const perSeedX: string[] = [];
  const perSeedY: number[] = [];
  const perSeedText: string[] = [];
  for (const b of budgets) {
    b.neverLearnedPerSeed.forEach((n, i) => {
      perSeedX.push(String(b.budget));
      perSeedY.push(n);
      perSeedText.push(`seed ${b.seeds[i]}`);
    });
  }
  const k = budgets.length ? Math.max(...budgets.map((b) => b.seeds.length)) : 0;
  return {
    data: [
      { type: "bar", name: `never learned in all ${k} seeds`, x, y: budgets.map((b) => b.neverLearnedAll), marker: { color: PALETTE[3] }, text: budgets.map((b) => String(b.neverLearnedAll)), textposition: "outside" },
      { type: "bar", name: "never learned in any seed", x, y: budgets.map((b) => b.neverLearnedAny), marker: { color: PALETTE[0], opacity: 0.45 } },
      { type: "scatter", mode: "markers", name: "one seed", x: perSeedX, y: perSeedY, text: perSeedText, marker: { color: "#222", size: 7, symbol: "line-ew-open" }, hovertemplate: "%{text}: %{y}<extra></extra>" },
    ],
    layout: baseLayout(options.title ?? "Examples never learned, per epoch budget", {
      barmode: "group",
      xaxis: axis("epoch budget", { type: "category" }),
      yaxis: axis(logY ? "examples (log scale)" : "examples", logY ? { type: "log" } : {}),
      legend: { orientation: "h", y: -0.2 },
      margin: { l: 60, r: 20, t: 50, b: 80 },
    }),
  };
}

/**
 * Heatmap of nesting across budgets: cell (row b, column a) is the share of budget b's
 * never-learned-in-all set that is also in budget a's; the text is the count.
 * @param nesting budgets with common[b][a] counts and contained[b][a] shares (NaN for an empty set).
 */
export function nestingFigure(nesting: { budgets: readonly number[]; common: readonly (readonly number[])[]; contained: readonly (readonly number[])[] }, options: { title?: string } = {}): PlotlyFigure {
  const n = nesting.budgets.length;
  if (nesting.common.length !== n || nesting.contained.length !== n) {
    throw new ValueError(`nestingFigure: expected ${n} x ${n} matrices (one row per budget), got ${nesting.common.length} and ${nesting.contained.length} rows`);
  }
  const labels = nesting.budgets.map((b) => `${b} ep`);
  return {
    data: [
      {
        type: "heatmap",
        x: labels,
        y: labels,
        z: nesting.contained.map((row) => finiteOrNull(row as number[])),
        text: nesting.common.map((row) => row.map(String)),
        texttemplate: "%{text}",
        zmin: 0,
        zmax: 1,
        // Light (none of b's set inside a's) to dark (all of it): nested sets darken the lower triangle.
        colorscale: [[0, "#f2f6fb"], [1, "#1f4e8c"]],
        colorbar: { title: { text: "share" } },
        hovertemplate: "%{text} of budget %{y}'s set are in budget %{x}'s (%{z:.0%})<extra></extra>",
      },
    ],
    layout: baseLayout(options.title ?? "Nesting of never-learned sets across budgets", {
      xaxis: axis("contained in budget", { type: "category" }),
      yaxis: axis("set of budget", { type: "category", autorange: "reversed" }),
      height: Math.max(300, 70 * n + 120),
    }),
  };
}

/** Grouped bars of a per-class count for each budget. */
export function perClassFigure(classNames: readonly string[], budgets: readonly { budget: number; counts: ArrayLike<number> }[], options: { title?: string; yTitle?: string } = {}): PlotlyFigure {
  for (const b of budgets) {
    if (b.counts.length !== classNames.length) throw new ValueError(`perClassFigure: expected ${classNames.length} counts for budget ${b.budget}, got ${b.counts.length}`);
  }
  return {
    data: budgets.map((b, i) => ({
      type: "bar",
      name: `${b.budget} epochs`,
      x: [...classNames],
      y: Array.from(b.counts),
      marker: { color: PALETTE[i % PALETTE.length] },
    })),
    layout: baseLayout(options.title ?? "Never learned in all seeds, per class", {
      barmode: "group",
      xaxis: axis("class", { type: "category" }),
      yaxis: axis(options.yTitle ?? "examples"),
    }),
  };
}

/**
 * Heatmap of a seed-by-seed matrix (Jaccard overlap of never-learned sets, or Spearman
 * correlation of forgetting counts). NaN cells stay empty.
 */
export function seedMatrixFigure(matrix: readonly (readonly number[])[], seeds: readonly number[], options: { title?: string; zmin?: number; zmax?: number; colorscale?: string; valueName?: string } = {}): PlotlyFigure {
  if (matrix.length !== seeds.length || matrix.some((row) => row.length !== seeds.length)) {
    throw new ValueError(`seedMatrixFigure: expected a ${seeds.length} x ${seeds.length} matrix (one row and column per seed), got ${matrix.length} rows`);
  }
  const labels = seeds.map((s) => `seed ${s}`);
  const valueName = options.valueName ?? "Jaccard";
  return {
    data: [
      {
        type: "heatmap",
        x: labels,
        y: labels,
        z: matrix.map((row) => finiteOrNull(row as number[])),
        texttemplate: "%{z:.2f}",
        zmin: options.zmin ?? 0,
        zmax: options.zmax ?? 1,
        colorscale: options.colorscale ?? "Viridis",
        colorbar: { title: { text: valueName } },
        hovertemplate: `%{y} vs %{x}: ${valueName} %{z:.3f}<extra></extra>`,
      },
    ],
    layout: baseLayout(options.title ?? `${valueName} between seeds`, {
      xaxis: { type: "category" },
      yaxis: { type: "category", autorange: "reversed" },
      height: Math.max(320, 40 * seeds.length + 140),
    }),
  };
}

/**
 * Stability across budgets: for each budget, every seed pair's value (above the diagonal of
 * its matrix) as points, with the analysis' mean over pairs as a line. Used for Spearman
 * rank correlation of forgetting counts and for Jaccard overlap of never-learned sets.
 * @param budgets each budget's [nSeeds, nSeeds] matrix and mean (meanSpearman / meanJaccard of summarizeAnalysis).
 */
export function pairwiseStabilityFigure(budgets: readonly { budget: number; matrix: readonly (readonly number[])[]; mean: number }[], options: { title?: string; valueName?: string } = {}): PlotlyFigure {
  const valueName = options.valueName ?? "Spearman correlation";
  const x: string[] = [];
  const y: number[] = [];
  for (const { budget, matrix } of budgets) {
    matrix.forEach((row, i) =>
      row.forEach((v, j) => {
        if (j <= i || !Number.isFinite(v)) return;
        x.push(String(budget));
        y.push(v);
      }),
    );
  }
  const traces: PlotlyTrace[] = [
    { type: "scatter", mode: "markers", name: "seed pair", x, y, marker: { color: PALETTE[0], size: 7, opacity: 0.6 } },
    { type: "scatter", mode: "lines+markers", name: "mean over pairs", x: budgets.map((b) => String(b.budget)), y: finiteOrNull(budgets.map((b) => b.mean)), line: { color: PALETTE[3] } },
  ];
  return {
    data: traces,
    layout: baseLayout(options.title ?? `${valueName} between seed pairs, per budget`, {
      xaxis: axis("epoch budget", { type: "category" }),
      yaxis: axis(valueName),
    }),
  };
}
