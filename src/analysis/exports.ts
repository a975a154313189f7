/**
 * The per-example table of one budget as CSV (readable by pandas.read_csv and danfo): a
 * header row, then one row per exampleId with every statistic of the analysis.
 *
 * Columns: example_id, label, class_name, name, never_learned_all, never_learned_any,
 * never_learned_seeds (how many seeds never learned it), unforgettable_all,
 * consistently_never_learned (all seeds of every budget up to this one), forgetting_score
 * (the paper's summed score), forgetting_rank (0 = least forgotten), then per seed s:
 * forgetting_events_s<s>, first_learned_epoch_s<s> (empty = never learned), then the data
 * map averaged over seeds: confidence, variability, correctness (empty without prob.f32).
 */
import { ValueError } from "../core/errors";
import { csvField } from "../core/csv";
import { NEVER_LEARNED_EPOCH } from "../runs/exampleStats";
import type { ExperimentAnalysis } from "./experiment";

/** @returns CSV text ending in a newline. */
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
  for (let i = 0; i < b.nExamples; i++) {
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
