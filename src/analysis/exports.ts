/**
 * The study's exports, written by writeExports into a folder (default
 * outputs/<experiment>/analysis/), each file atomically:
 * - never-learned-b<budget>.json: `{class_name: [example names or ids]}` (neverLearnedByClass)
 * - never-learned-by-example.json: `{example: [budgets]}` (neverLearnedBudgetsByExample)
 * - examples-b<budget>.csv: one row per example presented in every seed, with every statistic (exampleTableCsv)
 * - scores-b<budget>.csv: one row per example presented in every seed, with every training-dynamics score (scoresTableCsv)
 */
import * as path from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../core/atomic";
import { csvField } from "../core/csv";
import { ValueError } from "../core/errors";
import { NEVER_LEARNED_EPOCH } from "../runs/stats";
import type { ExperimentAnalysis } from "./experiment";
import { membersOf } from "./sets";
import { VALID_SCORES } from "./scores";

/**
 * The reference study's per-budget export: `{class_name: [example names]}` for the examples
 * never learned in all seeds of one budget.
 * @param budgetIndex index into `analysis.budgets` (ascending budgets).
 * @returns every class name (in class order) mapped to its members' names (file paths) when
 *   the runs recorded names, else their exampleIds; ascending exampleId within a class.
 *   Without labels, all members go under the key "all".
 */
export function neverLearnedByClass(analysis: ExperimentAnalysis, budgetIndex: number): Record<string, (string | number)[]> {
  const budget = analysis.budgets[budgetIndex];
  if (!budget) throw new ValueError(`neverLearnedByClass: expected a budget index in [0, ${analysis.budgets.length}), got ${budgetIndex}`);
  const { labels, exampleNames, classNames } = analysis;
  const out: Record<string, (string | number)[]> = labels ? Object.fromEntries(classNames.map((name) => [name, []])) : { all: [] };
  const set = budget.neverLearnedAll;
  for (let i = 0; i < set.length; i++) {
    if (!set[i]) continue;
    out[labels ? classNames[labels[i]] : "all"].push(exampleNames ? exampleNames[i] : i);
  }
  return out;
}

/**
 * The reference study's merged export: `{example: [budgets where never learned]}`, over the
 * examples never learned in all seeds of at least one budget.
 * @returns example name (or exampleId as a string when names are unknown) -> ascending
 *   budgets in which it was never learned in all seeds; keys in ascending exampleId order.
 */
export function neverLearnedBudgetsByExample(analysis: ExperimentAnalysis): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const n = analysis.budgets[0]?.nExamples ?? 0;
  for (let i = 0; i < n; i++) {
    const budgets = analysis.budgets.filter((b) => b.neverLearnedAll[i]).map((b) => b.budget);
    if (budgets.length) out[analysis.exampleNames ? analysis.exampleNames[i] : String(i)] = budgets;
  }
  return out;
}

/**
 * The per-example table of one budget as CSV (readable by pandas.read_csv and danfo): a
 * header row, then one row per exampleId presented in every seed of the budget (ascending),
 * with every statistic of the analysis. Examples some seed never saw have no row: the
 * budget's statistics say nothing about them (all rows, unless the runs trained a subset).
 *
 * Columns: example_id, label, class_name, name, never_learned_all, never_learned_any,
 * never_learned_seeds (how many seeds never learned it), unforgettable_all,
 * consistently_never_learned (all seeds of every budget up to this one), forgetting_score
 * (the paper's summed score), forgetting_rank (0 = least forgotten; ties in the order of the
 * analysis' tie seed), then per seed s:
 * forgetting_events_s<s>, first_learned_epoch_s<s> (empty = never learned), then the data
 * map averaged over seeds: confidence, variability, correctness (empty without prob.f32).
 * @returns CSV text ending in a newline.
 */
export function exampleTableCsv(analysis: ExperimentAnalysis, budgetIndex: number): string {
  const b = analysis.budgets[budgetIndex];
  if (!b) throw new ValueError(`exampleTableCsv: expected a budget index in [0, ${analysis.budgets.length}), got ${budgetIndex}`);
  const { labels, exampleNames, classNames } = analysis;
  const map = analysis.dataMaps[budgetIndex];
  const consistent = analysis.consistentlyNeverLearned[budgetIndex];
  const header = [
    "example_id",
    "label",
    "class_name",
    "name",
    "never_learned_all",
    "never_learned_any",
    "never_learned_seeds",
    "unforgettable_all",
    "consistently_never_learned",
    "forgetting_score",
    "forgetting_rank",
    ...b.seeds.flatMap((s) => [`forgetting_events_s${s}`, `first_learned_epoch_s${s}`]),
    "confidence",
    "variability",
    "correctness",
  ];
  const lines = [header.join(",")];
  const float = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "" : String(Math.round(v * 1e6) / 1e6));
  for (const i of membersOf(b.presentedAll)) {
    const cells: (string | number)[] = [
      i,
      labels ? labels[i] : "",
      labels ? csvField(classNames[labels[i]]) : "",
      exampleNames ? csvField(exampleNames[i]) : "",
      b.neverLearnedAll[i],
      b.neverLearnedAny[i],
      b.neverLearnedSeedCount[i],
      b.unforgettableAll[i],
      consistent[i],
      b.ranking.scores[i],
      b.ranking.rank[i],
    ];
    for (let s = 0; s < b.seeds.length; s++) {
      const first = b.perSeed.firstLearnedEpoch[s][i];
      cells.push(b.perSeed.forgettingEvents[s][i], first === NEVER_LEARNED_EPOCH ? "" : first);
    }
    cells.push(float(map?.confidence[i]), float(map?.variability[i]), float(map?.correctness[i]));
    lines.push(cells.join(","));
  }
  return lines.join("\n") + "\n";
}

/** A score as a CSV cell: 6 significant digits, empty for NaN. */
const scoreCell = (v: number) => (Number.isNaN(v) ? "" : String(Number(v.toPrecision(6))));

/**
 * The per-example training-dynamics scores of one budget as CSV (pandas.read_csv reads it):
 * one row per exampleId presented in every seed (ascending).
 *
 * Columns: example_id, label, class_name, name, then each score the runs allow, mean over
 * seeds, named with underscores (forgetting, first_learned, aum, confidence, variability,
 * correctness, el2n, loss; see ./scores.ts), then most_frequent_wrong_class and
 * wrong_class_count (with predicted classes; -1 = never wrong), then each score per seed
 * (<score>_s<seed>).
 * @returns CSV text ending in a newline.
 */
export function scoresTableCsv(analysis: ExperimentAnalysis, budgetIndex: number): string {
  const b = analysis.budgets[budgetIndex];
  const d = analysis.dynamics[budgetIndex];
  if (!b || !d) throw new ValueError(`scoresTableCsv: expected a budget index in [0, ${analysis.budgets.length}), got ${budgetIndex}`);
  const { labels, exampleNames, classNames } = analysis;
  const names = VALID_SCORES.filter((name) => d.mean[name]);
  const column = (name: string) => name.replace(/-/g, "_");
  const header = [
    "example_id",
    "label",
    "class_name",
    "name",
    ...names.map(column),
    ...(d.wrongClass ? ["most_frequent_wrong_class", "wrong_class_count"] : []),
    ...b.seeds.flatMap((seed) => names.map((name) => `${column(name)}_s${seed}`)),
  ];
  const lines = [header.join(",")];
  for (const i of membersOf(b.presentedAll)) {
    const cells: (string | number)[] = [i, labels ? labels[i] : "", labels ? csvField(classNames[labels[i]]) : "", exampleNames ? csvField(exampleNames[i]) : ""];
    for (const name of names) cells.push(scoreCell(d.mean[name]![i]));
    if (d.wrongClass) cells.push(d.wrongClass.mostFrequent[i], d.wrongClass.count[i]);
    for (let s = 0; s < b.seeds.length; s++) for (const name of names) cells.push(scoreCell(d.perSeed[s][name]![i]));
    lines.push(cells.join(","));
  }
  return lines.join("\n") + "\n";
}

/**
 * Writes every file listed at the top of this module into `outDir`.
 * @returns the paths written, in order.
 */
export function writeExports(analysis: ExperimentAnalysis, outDir: string): string[] {
  const written: string[] = [];
  analysis.budgets.forEach((b, k) => {
    const json = path.join(outDir, `never-learned-b${b.budget}.json`);
    writeJsonAtomic(json, neverLearnedByClass(analysis, k));
    const csv = path.join(outDir, `examples-b${b.budget}.csv`);
    writeFileAtomic(csv, exampleTableCsv(analysis, k));
    const scores = path.join(outDir, `scores-b${b.budget}.csv`);
    writeFileAtomic(scores, scoresTableCsv(analysis, k));
    written.push(json, csv, scores);
  });
  const merged = path.join(outDir, "never-learned-by-example.json");
  writeJsonAtomic(merged, neverLearnedBudgetsByExample(analysis));
  written.push(merged);
  return written;
}
