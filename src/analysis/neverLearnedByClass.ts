/**
 * The reference study's per-budget export: `{class_name: [example names]}` for the examples
 * never learned in all seeds of one budget.
 */
import { ValueError } from "../core/errors";
import type { ExperimentAnalysis } from "./experiment";

/**
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
