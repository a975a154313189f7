/**
 * The reference study's merged export: `{example: [budgets where never learned]}`, over the
 * examples never learned in all seeds of at least one budget.
 */
import type { ExperimentAnalysis } from "./experiment";

/**
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
