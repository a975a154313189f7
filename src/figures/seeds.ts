/**
 * Figures of the seed-intersection study: never learned in all K seeds per budget, nesting
 * across budgets, per-class counts, pairwise seed overlap and rank stability. Inputs are the
 * analysis results (src/analysis: BudgetAnalysis, Nesting, summarizeAnalysis), unchanged.
 * Points that stand for a set of examples can carry them (ExamplePick) so a click shows them.
 */
import { ValueError } from "../core/errors";
import { formatValue, hoverFormat } from "../core/format";
import { type ExamplePick, PALETTE, examplePick, type PlotlyFigure, type PlotlyTrace, axis, baseLayout, finiteOrNull, hoverLines } from "./types";

/** Per-budget set sizes (the fields of summarizeAnalysis(...).budgets[i]). */
export interface BudgetSetSizes {
  budget: number;
  seeds: readonly number[];
  /** Examples presented in every seed: the training set the shares are of. */
  presentedAll: number;
  /** Never learned in every seed. */
  neverLearnedAll: number;
  /** Never learned in at least one seed. */
  neverLearnedAny: number;
  /** [nSeeds] never learned in each seed. */
  neverLearnedPerSeed: readonly number[];
}

/** The examples behind each point of neverLearnedPerBudgetFigure, per budget (same order). */
export interface BudgetPicks {
  all: ArrayLike<number>;
  any: ArrayLike<number>;
  /** [nSeeds] each seed's never-learned set. */
  perSeed: readonly ArrayLike<number>[];
}

const share = (count: number, of: number) => (of > 0 ? (100 * count) / of : NaN);

/**
 * The headline across budgets: the share of the training set never learned in all seeds
 * (a line), with each seed's own share as points (the per-seed spread) and the share never
 * learned in any seed (dashed), against the epoch budget. Linear axes from 0, so heights
 * compare honestly. Each point's hover gives the share and the count.
 * @param picks optional, per budget: the examples behind each point, shown on click.
 */
export function neverLearnedPerBudgetFigure(budgets: readonly BudgetSetSizes[], options: { title?: string; picks?: readonly BudgetPicks[] } = {}): PlotlyFigure {
  const picks = options.picks;
  const k = budgets.length ? Math.max(...budgets.map((b) => b.seeds.length)) : 0;
  const x = budgets.map((b) => b.budget);
  const line = (name: string, counts: number[], color: string, dash: string, customdata?: ExamplePick[]): PlotlyTrace => ({
    type: "scatter",
    mode: "lines+markers",
    name,
    x,
    y: finiteOrNull(counts.map((n, i) => share(n, budgets[i].presentedAll))),
    text: counts.map((n) => formatValue("count", n)),
    line: { color, dash },
    marker: { color, size: 8 },
    ...(customdata ? { customdata } : {}),
    hovertemplate: hoverLines(name, [["epoch budget", "%{x} epochs"], ["share of the training set", hoverFormat("percent", "y")], ["examples", "%{text}"]]),
  });
  const seedX: number[] = [];
  const seedY: (number | null)[] = [];
  const seedText: string[] = [];
  const seedPicks: ExamplePick[] = [];
  budgets.forEach((b, j) => {
    b.neverLearnedPerSeed.forEach((n, i) => {
      seedX.push(b.budget);
      seedY.push(finiteOrNull([share(n, b.presentedAll)])[0]);
      seedText.push(`seed ${b.seeds[i]}: ${formatValue("count", n)} examples`);
      if (picks) seedPicks.push(examplePick(picks[j].perSeed[i]));
    });
  });
  return {
    data: [
      line(`never learned in all ${k} seeds`, budgets.map((b) => b.neverLearnedAll), PALETTE[3], "solid", picks?.map((p) => examplePick(p.all))),
      {
        type: "scatter",
        mode: "markers",
        name: "never learned in one seed (each seed a point)",
        x: seedX,
        y: seedY,
        text: seedText,
        marker: { color: "#222", size: 7, symbol: "circle-open" },
        ...(picks ? { customdata: seedPicks } : {}),
        hovertemplate: hoverLines("never learned in one seed", [["epoch budget", "%{x} epochs"], ["share of the training set", hoverFormat("percent", "y")], ["seed", "%{text}"]]),
      },
      line("never learned in any seed", budgets.map((b) => b.neverLearnedAny), PALETTE[0], "dash", picks?.map((p) => examplePick(p.any))),
    ],
    layout: baseLayout(options.title ?? "Share of the training set never learned, per epoch budget", {
      xaxis: axis("epoch budget (epochs)", { tickvals: x }),
      yaxis: axis("never learned (% of the training set)", { rangemode: "tozero" }),
      legend: { orientation: "h", y: -0.22 },
      margin: { l: 60, r: 20, t: 50, b: 90 },
    }),
  };
}

/**
 * Heatmap of nesting across budgets: cell (row b, column a) is the share of budget b's
 * never-learned-in-all set that is also in budget a's; the text is the count.
 * @param nesting budgets with common[b][a] counts and contained[b][a] shares (NaN for an empty set).
 * @param options.picks [b][a] the examples in both sets, shown on click.
 */
export function nestingFigure(
  nesting: { budgets: readonly number[]; common: readonly (readonly number[])[]; contained: readonly (readonly number[])[] },
  options: { title?: string; picks?: readonly (readonly ArrayLike<number>[])[] } = {},
): PlotlyFigure {
  const n = nesting.budgets.length;
  if (nesting.common.length !== n || nesting.contained.length !== n) {
    throw new ValueError(`nestingFigure: expected ${n} x ${n} matrices (one row per budget), got ${nesting.common.length} and ${nesting.contained.length} rows`);
  }
  const labels = nesting.budgets.map((b) => `${b} epochs`);
  return {
    data: [
      {
        type: "heatmap",
        name: "never learned in all seeds, nesting",
        x: labels,
        y: labels,
        z: nesting.contained.map((row) => finiteOrNull((row as number[]).map((v) => v * 100))),
        text: nesting.common.map((row) => row.map((v) => formatValue("count", v))),
        texttemplate: "%{text}",
        zmin: 0,
        zmax: 100,
        ...(options.picks ? { customdata: options.picks.map((row) => row.map((ids) => examplePick(ids))) } : {}),
        // Light (none of b's set inside a's) to dark (all of it): nested sets darken the lower triangle.
        colorscale: [[0, "#f2f6fb"], [1, "#1f4e8c"]],
        colorbar: { title: { text: "share of the row's set (%)" } },
        hovertemplate: hoverLines("never learned in all seeds: nesting", [["set of budget", "%{y}"], ["also in the set of budget", "%{x}"], ["examples", "%{text}"], ["share of the row's set", hoverFormat("percent", "z")]]),
      },
    ],
    layout: baseLayout(options.title ?? "Nesting of never-learned sets across budgets", {
      xaxis: axis("contained in budget", { type: "category" }),
      yaxis: axis("set of budget", { type: "category", autorange: "reversed" }),
      height: Math.max(300, 70 * n + 120),
    }),
  };
}

/**
 * Grouped bars of a per-class count for each budget.
 * @param budgets each budget's [nClasses] counts, and optionally the examples behind each bar.
 */
export function perClassFigure(
  classNames: readonly string[],
  budgets: readonly { budget: number; counts: ArrayLike<number>; picks?: readonly ArrayLike<number>[] }[],
  options: { title?: string; yTitle?: string } = {},
): PlotlyFigure {
  for (const b of budgets) {
    if (b.counts.length !== classNames.length) throw new ValueError(`perClassFigure: expected ${classNames.length} counts for budget ${b.budget}, got ${b.counts.length}`);
  }
  const yTitle = options.yTitle ?? "examples never learned in all seeds";
  return {
    data: budgets.map((b, i) => ({
      type: "bar",
      name: `${b.budget} epochs`,
      x: [...classNames],
      y: Array.from(b.counts),
      marker: { color: PALETTE[i % PALETTE.length] },
      ...(b.picks ? { customdata: b.picks.map((ids) => examplePick(ids)) } : {}),
      hovertemplate: hoverLines(`${b.budget}-epoch budget`, [["class", "%{x}"], [yTitle, hoverFormat("count", "y")]]),
    })),
    layout: baseLayout(options.title ?? "Never learned in all seeds, per class", {
      barmode: "group",
      xaxis: axis("class", { type: "category" }),
      yaxis: axis(yTitle, { rangemode: "tozero" }),
    }),
  };
}

/**
 * Heatmap of a seed-by-seed matrix (Jaccard overlap of never-learned sets, or Spearman
 * correlation of forgetting counts). NaN cells stay empty.
 * @param options.picks [i][j] the examples behind cell (i, j) (e.g. never learned in both seeds), shown on click.
 */
export function seedMatrixFigure(
  matrix: readonly (readonly number[])[],
  seeds: readonly number[],
  options: { title?: string; zmin?: number; zmax?: number; colorscale?: string; valueName?: string; picks?: readonly (readonly ArrayLike<number>[])[] } = {},
): PlotlyFigure {
  if (matrix.length !== seeds.length || matrix.some((row) => row.length !== seeds.length)) {
    throw new ValueError(`seedMatrixFigure: expected a ${seeds.length} x ${seeds.length} matrix (one row and column per seed), got ${matrix.length} rows`);
  }
  const labels = seeds.map((s) => `seed ${s}`);
  const valueName = options.valueName ?? "Jaccard";
  return {
    data: [
      {
        type: "heatmap",
        name: `${valueName} between seeds`,
        x: labels,
        y: labels,
        z: matrix.map((row) => finiteOrNull(row as number[])),
        texttemplate: "%{z:.2f}",
        zmin: options.zmin ?? 0,
        zmax: options.zmax ?? 1,
        colorscale: options.colorscale ?? "Viridis",
        colorbar: { title: { text: valueName } },
        ...(options.picks ? { customdata: options.picks.map((row) => row.map((ids) => examplePick(ids))) } : {}),
        hovertemplate: hoverLines(`${valueName} between seeds`, [["seed pair", "%{y} and %{x}"], [valueName, hoverFormat("ratio", "z")]]),
      },
    ],
    layout: baseLayout(options.title ?? `${valueName} between seeds`, {
      xaxis: axis("seed", { type: "category" }),
      yaxis: axis("seed", { type: "category", autorange: "reversed" }),
      height: Math.max(320, 40 * seeds.length + 140),
    }),
  };
}

/**
 * Stability across budgets: for each budget, every seed pair's value (above the diagonal of
 * its matrix) as points named by their pair, with the analysis' mean over pairs as a line.
 * Used for Spearman rank correlation of forgetting counts and for Jaccard overlap of
 * never-learned sets.
 * @param budgets each budget's seeds, [nSeeds, nSeeds] matrix and mean (meanSpearman / meanJaccard of summarizeAnalysis).
 */
export function pairwiseStabilityFigure(budgets: readonly { budget: number; seeds: readonly number[]; matrix: readonly (readonly number[])[]; mean: number }[], options: { title?: string; valueName?: string } = {}): PlotlyFigure {
  const valueName = options.valueName ?? "Spearman correlation";
  const x: number[] = [];
  const y: number[] = [];
  const pairs: string[] = [];
  for (const { budget, seeds, matrix } of budgets) {
    matrix.forEach((row, i) =>
      row.forEach((v, j) => {
        if (j <= i || !Number.isFinite(v)) return;
        x.push(budget);
        y.push(v);
        pairs.push(`seed ${seeds[i]} and seed ${seeds[j]}`);
      }),
    );
  }
  const traces: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "markers",
      name: "one seed pair",
      x,
      y,
      text: pairs,
      marker: { color: PALETTE[0], size: 7, opacity: 0.6 },
      hovertemplate: hoverLines("one seed pair", [["seeds", "%{text}"], ["epoch budget", "%{x} epochs"], [valueName, hoverFormat("ratio", "y")]]),
    },
    {
      type: "scatter",
      mode: "lines+markers",
      name: "mean over seed pairs",
      x: budgets.map((b) => b.budget),
      y: finiteOrNull(budgets.map((b) => b.mean)),
      line: { color: PALETTE[3] },
      hovertemplate: hoverLines("mean over seed pairs", [["epoch budget", "%{x} epochs"], [valueName, hoverFormat("ratio", "y")]]),
    },
  ];
  return {
    data: traces,
    layout: baseLayout(options.title ?? `${valueName} between seed pairs, per budget`, {
      xaxis: axis("epoch budget (epochs)", { tickvals: budgets.map((b) => b.budget) }),
      yaxis: axis(valueName),
    }),
  };
}
