/**
 * danfo DataFrames for the notebooks' tables. Each builder only arranges values that the
 * data layer or the analysis computed (src/analysis, ./pixelStatistics); it computes none.
 */
import type { DataFrame } from "danfojs-node";
import { ValueError } from "../core/errors";
import type { ResultsRow } from "../analysis/results";
import type { PixelStatistics } from "./pixelStatistics";
import { formatValue } from "../core/format";

/**
 * danfo's DataFrame class, loaded on first use: danfojs-node pulls in all of tfjs and takes
 * seconds to load, which notebooks without tables should not pay.
 */
function newFrame(...args: ConstructorParameters<typeof DataFrame>): DataFrame {
  const danfo = require("danfojs-node") as typeof import("danfojs-node");
  return new danfo.DataFrame(...args);
}

/** Every value is shown in its quantity's one format (src/core/format.ts), as text. */
const percent = (share: number) => formatValue("percent", share * 100);
const count = (n: number) => formatValue("count", n);
const ratio = (v: number) => formatValue("ratio", v);

/** Examples per class of each split, with each class's share of the split (%). One row per class. */
export function classDistributionFrame(classNames: readonly string[], splits: readonly { name: string; counts: ArrayLike<number> }[]): DataFrame {
  const columns: Record<string, (string | number)[]> = { class: [...classNames] };
  for (const split of splits) {
    if (split.counts.length !== classNames.length) throw new ValueError(`classDistributionFrame: expected ${classNames.length} counts for split "${split.name}", got ${split.counts.length}`);
    const counts = Array.from(split.counts);
    const total = counts.reduce((a, b) => a + b, 0);
    columns[split.name] = counts.map(count);
    columns[`${split.name} share`] = counts.map((n) => (total ? percent(n / total) : "n/a"));
  }
  return newFrame(columns);
}

/** Pixel statistics per class (intensities on a 0-1 scale). One row per class. */
export function pixelStatisticsFrame(stats: PixelStatistics, classNames: readonly string[]): DataFrame {
  return newFrame({
    class: [...classNames],
    examples: Array.from(stats.count, count),
    "mean intensity (0-1)": Array.from(stats.meanIntensity, ratio),
    "std intensity (0-1)": Array.from(stats.stdIntensity, ratio),
    "ink pixels": Array.from(stats.inkFraction, percent),
  });
}

/**
 * The reference study's results table: best test accuracy (%) per seed, with mean and
 * standard deviation over seeds. One row per budget; seeds missing in a budget are NaN.
 */
export function resultsFrame(results: readonly ResultsRow[]): DataFrame {
  const seeds = [...new Set(results.flatMap((r) => r.seeds))].sort((a, b) => a - b);
  const columns: Record<string, (number | string)[]> = { "budget (epochs)": results.map((r) => r.budget) };
  for (const seed of seeds) {
    columns[`seed ${seed}`] = results.map((r) => {
      const i = r.seeds.indexOf(seed);
      return i < 0 ? "n/a" : percent(r.best[i]);
    });
  }
  columns.mean = results.map((r) => percent(r.mean));
  columns.std = results.map((r) => percent(r.std));
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
    "presented in all seeds": budgets.map((b) => count(b.presentedAll)),
    "never learned, all seeds": budgets.map((b) => count(b.neverLearnedAll)),
    "share of the training set": budgets.map((b) => (b.presentedAll ? percent(b.neverLearnedAll / b.presentedAll) : "n/a")),
    "never learned, any seed": budgets.map((b) => count(b.neverLearnedAny)),
    "never learned per seed": budgets.map((b) => b.neverLearnedPerSeed.map(count).join(", ")),
    "consistently never learned": budgets.map((b) => count(b.consistentlyNeverLearned)),
    "unforgettable, all seeds": budgets.map((b) => count(b.unforgettableAll)),
    "mean Spearman": budgets.map((b) => ratio(b.meanSpearman)),
    "mean Jaccard": budgets.map((b) => ratio(b.meanJaccard)),
  });
}

/** One row per class, one column per budget: a per-class count ([nClasses] per budget). */
export function perClassFrame(classNames: readonly string[], budgets: readonly { budget: number; counts: ArrayLike<number> }[]): DataFrame {
  const columns: Record<string, (string | number)[]> = { class: [...classNames] };
  for (const b of budgets) {
    if (b.counts.length !== classNames.length) throw new ValueError(`perClassFrame: expected ${classNames.length} counts for budget ${b.budget}, got ${b.counts.length}`);
    columns[`${b.budget} epochs`] = Array.from(b.counts, count);
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
