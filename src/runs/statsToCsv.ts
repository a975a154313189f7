/**
 * Writes per-example statistics of one run as CSV text (the run's stats.csv): a header
 * row, then one row per exampleId in order. Derived data: analysis recomputes it from the
 * correctness record and never trusts this file.
 */
import { checkSameLength } from "../core/errors";
import { csvField } from "../core/csv";
import { type ExampleStats, NEVER_LEARNED_EPOCH } from "./exampleStats";
import { EXAMPLE_ID_COLUMN } from "./layout";

/** Columns of stats.csv, in order. `first_learned_epoch` is empty when never learned. */
const STATS_COLUMNS = [
  EXAMPLE_ID_COLUMN,
  "label",
  "name",
  "presented",
  "presentations",
  "first_learned_epoch",
  "forgetting_events",
  "learning_events",
  "never_learned",
  "unforgettable",
  "learned_at_end",
] as const;

export interface StatsToCsvOptions {
  /** [nExamples] class index of each example (as trained); the column is empty without it. */
  labels?: ArrayLike<number>;
  /** [nExamples] human-readable name (file path) of each example; empty without it. */
  exampleNames?: readonly string[];
}

/**
 * @returns CSV text with the columns of STATS_COLUMNS, ending in a newline.
 * @throws ValueError if labels or exampleNames do not have nExamples entries.
 */
export function statsToCsv(stats: ExampleStats, options: StatsToCsvOptions = {}): string {
  const { labels, exampleNames } = options;
  const lengths: Record<string, number> = { "stats.nExamples": stats.nExamples };
  if (labels) lengths["options.labels"] = labels.length;
  if (exampleNames) lengths["options.exampleNames"] = exampleNames.length;
  checkSameLength("statsToCsv", lengths);
  const lines: string[] = [STATS_COLUMNS.join(",")];
  for (let i = 0; i < stats.nExamples; i++) {
    const first = stats.firstLearnedEpoch[i];
    lines.push(
      [
        i,
        labels ? labels[i] : "",
        exampleNames ? csvField(exampleNames[i]) : "",
        stats.presented[i],
        stats.presentations[i],
        first === NEVER_LEARNED_EPOCH ? "" : first,
        stats.forgettingEvents[i],
        stats.learningEvents[i],
        stats.neverLearned[i],
        stats.unforgettable[i],
        stats.learnedAtEnd[i],
      ].join(","),
    );
  }
  return lines.join("\n") + "\n";
}
