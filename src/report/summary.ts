/**
 * The experiment summary shown on the reports' index page, taken from the analysis
 * (src/analysis: analyzeExperiment + summarizeAnalysis); nothing is recomputed here.
 */
import { analyzeExperiment } from "../analysis/experiment";
import { type AnalysisSummary, summarizeAnalysis } from "../analysis/summary";
import { scanExperiment } from "../runs/scan";
import type { SummaryTable } from "./indexPage";
import { formatValue } from "../core/format";

const percent = (v: number | null | undefined) => formatValue("percent", typeof v === "number" ? v * 100 : v);
const fixed3 = (v: number | null | undefined) => formatValue("ratio", v);
const count = (v: number) => formatValue("count", v);

/** The index page's tables and notes from an analysis summary (pure). */
export function summaryTables(summary: AnalysisSummary): { tables: SummaryTable[]; notes: string[] } {
  const d = summary.dataset;
  const notes = [
    d ? `Dataset ${d.id}: ${count(d.nExamples)} training examples, ${d.nClasses} classes; correctness tracked in "${summary.trackingMode}" mode.` : "No usable run.",
    `Runs used: ${summary.runsUsed.length}; left out: ${summary.leftOut.length}.`,
    ...summary.leftOut.map((l) => `Left out ${l.folder}: ${l.reason}: ${l.detail}`),
  ];
  const sets: SummaryTable = {
    caption: "Never learned per epoch budget (examples with no correct presentation)",
    columns: ["budget (epochs)", "seeds", "presented in all seeds", "in all seeds", "in any seed", "per seed", "unforgettable in all", "consistently never learned", "mean Spearman", "mean Jaccard"],
    rows: summary.budgets.map((b) => [
      b.budget,
      b.seeds.length,
      count(b.presentedAll),
      count(b.neverLearnedAll),
      count(b.neverLearnedAny),
      b.neverLearnedPerSeed.map(count).join(", "),
      count(b.unforgettableAll),
      count(b.consistentlyNeverLearned),
      fixed3(b.meanSpearman),
      fixed3(b.meanJaccard),
    ]),
  };
  const results: SummaryTable = {
    caption: "Best test accuracy (%) per budget: mean and standard deviation over seeds",
    columns: ["budget (epochs)", "seeds", "mean", "std", "per seed"],
    rows: summary.results.map((r) => [r.budget, r.seeds.length, percent(r.mean), percent(r.std), r.best.map((v) => percent(v)).join(", ")]),
  };
  return { tables: [sets, results], notes };
}

/** Scans and analyses `experimentDir`, then builds the index page's summary. */
export function experimentSummary(experimentDir: string): { tables: SummaryTable[]; notes: string[] } {
  return summaryTables(summarizeAnalysis(analyzeExperiment(scanExperiment(experimentDir))));
}
