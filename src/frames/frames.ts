/**
 * danfo DataFrames for the notebooks' tables. Each builder only arranges values that the
 * data layer or the analysis computed (src/analysis, ./pixelStatistics); it computes none.
 */
import type { DataFrame } from "danfojs-node";
import { ValueError } from "../core/errors";
import type { ResultsRow } from "../analysis/results";
import type { PixelStatistics } from "./pixelStatistics";

/**
 * danfo's DataFrame class, loaded on first use: danfojs-node pulls in all of tfjs and takes
 * seconds to load, which notebooks without tables should not pay.
 */
function newFrame(...args: ConstructorParameters<typeof DataFrame>): DataFrame {
  const danfo = require("danfojs-node") as typeof import("danfojs-node");
  return new danfo.DataFrame(...args);
}

const round = (v: number, digits: number) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : NaN);
const percent = (v: number) => round(v * 100, 2);

/** Examples per class of each split, with each class's share of the split (%). One row per class. */
export function classDistributionFrame(classNames: readonly string[], splits: readonly { name: string; counts: ArrayLike<number> }[]): DataFrame {
  const columns: Record<string, (string | number)[]> = { class: [...classNames] };
  for (const split of splits) {
    if (split.counts.length !== classNames.length) throw new ValueError(`classDistributionFrame: expected ${classNames.length} counts for split "${split.name}", got ${split.counts.length}`);
    const counts = Array.from(split.counts);
    const total = counts.reduce((a, b) => a + b, 0);
    columns[split.name] = counts;
    columns[`${split.name} %`] = counts.map((n) => (total ? percent(n / total) : NaN));
  }
  return newFrame(columns);
}

/** Pixel statistics per class (intensities on a 0-1 scale). One row per class. */
export function pixelStatisticsFrame(stats: PixelStatistics, classNames: readonly string[]): DataFrame {
  return newFrame({
    class: [...classNames],
    examples: stats.count,
    "mean intensity": stats.meanIntensity.map((v) => round(v, 4)),
    "std intensity": stats.stdIntensity.map((v) => round(v, 4)),
    "ink pixels %": stats.inkFraction.map(percent),
  });
}

/**
 * The reference study's results table: best test accuracy (%) per seed, with mean and
 * standard deviation over seeds. One row per budget; seeds missing in a budget are NaN.
 */
export function resultsFrame(results: readonly ResultsRow[]): DataFrame {
  const seeds = [...new Set(results.flatMap((r) => r.seeds))].sort((a, b) => a - b);
  const columns: Record<string, number[]> = { "budget (epochs)": results.map((r) => r.budget) };
  for (const seed of seeds) {
    columns[`seed ${seed}`] = results.map((r) => {
      const i = r.seeds.indexOf(seed);
      return i < 0 ? NaN : percent(r.best[i]);
    });
  }
  columns["mean %"] = results.map((r) => percent(r.mean));
  columns["std %"] = results.map((r) => percent(r.std));
  return newFrame(columns);
}

/** Never-learned set sizes per budget (fields of summarizeAnalysis(...).budgets). */
export interface BudgetSummaryRow {
  budget: number;
  seeds: readonly number[];
  /** Examples presented in every seed: what the other columns cover. */
  presentedAll: number;
  neverLearnedAll: number;
  neverLearnedAny: number;
  neverLearnedPerSeed: readonly number[];
  unforgettableAll: number;
  consistentlyNeverLearned: number;
  meanSpearman: number;
  meanJaccard: number;
}

/** One row per budget: the never-learned sets, unforgettable examples and seed-pair stability. */
export function neverLearnedFrame(budgets: readonly BudgetSummaryRow[]): DataFrame {
  return newFrame({
    "budget (epochs)": budgets.map((b) => b.budget),
    seeds: budgets.map((b) => b.seeds.length),
    "presented in all seeds": budgets.map((b) => b.presentedAll),
    "never learned, all seeds": budgets.map((b) => b.neverLearnedAll),
    "never learned, any seed": budgets.map((b) => b.neverLearnedAny),
    "never learned per seed": budgets.map((b) => b.neverLearnedPerSeed.join(", ")),
    "consistently never learned": budgets.map((b) => b.consistentlyNeverLearned),
    "unforgettable, all seeds": budgets.map((b) => b.unforgettableAll),
    "mean Spearman": budgets.map((b) => round(b.meanSpearman, 3)),
    "mean Jaccard": budgets.map((b) => round(b.meanJaccard, 3)),
  });
}

/** One row per class, one column per budget: a per-class count ([nClasses] per budget). */
export function perClassFrame(classNames: readonly string[], budgets: readonly { budget: number; counts: ArrayLike<number> }[]): DataFrame {
  const columns: Record<string, (string | number)[]> = { class: [...classNames] };
  for (const b of budgets) {
    if (b.counts.length !== classNames.length) throw new ValueError(`perClassFrame: expected ${classNames.length} counts for budget ${b.budget}, got ${b.counts.length}`);
    columns[`${b.budget} epochs`] = Array.from(b.counts);
  }
  return newFrame(columns);
}

/**
 * A table of chosen examples: exampleId, class, then one column per named per-example
 * array ([nExamples], indexed by exampleId), in the order of `exampleIds`.
 */
export function examplesFrame(exampleIds: ArrayLike<number>, classOf: (exampleId: number) => string, columns: Record<string, ArrayLike<number>> = {}): DataFrame {
  const ids = Array.from(exampleIds);
  const data: Record<string, (string | number)[]> = { exampleId: ids, class: ids.map(classOf) };
  for (const [name, values] of Object.entries(columns)) data[name] = ids.map((id) => values[id]);
  // danfo cannot build a frame without rows; an empty table keeps the column names.
  if (ids.length === 0) return newFrame([], { columns: Object.keys(data) });
  return newFrame(data);
}
