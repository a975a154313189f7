/**
 * What the reports' index shows before the list of reports: the headline (never learned in
 * all seeds against the budget, with each seed's own count), one key number per report, the
 * experiment's config, and which follow-up studies are absent with the commands that make
 * them. Read from the experiment folder and its analysis; nothing is recomputed here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { analyzeExperiment } from "../analysis/experiment";
import { type AnalysisSummary, summarizeAnalysis } from "../analysis/summary";
import { noiseResults, removalResults } from "../analysis/followUps";
import { formatValue } from "../core/format";
import { EXPERIMENT_FILE, followUpStudies } from "../runs/layout";
import { readExperimentConfig } from "../runs/experiment";
import { scanExperiment } from "../runs/scan";
import { followUpCommands } from "../notebook/followUpCommands";
import type { BudgetSetSizes } from "../figures/seeds";
import type { IndexOverview } from "./indexPage";
import { SCORE_COMPARISON_FILE, type ScoreComparisonRow } from "../analysis/dynamics";
import { readJsonFile } from "../core/jsonFile";

/** Report file stems (the notebooks' names) the key numbers belong to. */
const REPORTS = { data: "01-data-eda", training: "02-train-one-run", oneRun: "03-forgetting-one-run", seeds: "04-seed-intersection", followUps: "05-follow-ups", dynamics: "06-training-dynamics" } as const;

/**
 * @param experimentDir the main experiment's folder.
 * @param analyzed its analysis summary where the caller already has it (a study that just
 *   analysed it); otherwise the runs are scanned and analysed here.
 * @returns the overview; parts that cannot be read (no runs yet) are left out.
 */
export function experimentOverview(experimentDir: string, analyzed?: AnalysisSummary): IndexOverview {
  const overview: IndexOverview = { keyNumbers: {} };
  if (fs.existsSync(path.join(experimentDir, EXPERIMENT_FILE))) {
    const config = readExperimentConfig(experimentDir);
    overview.config = [
      ...Object.entries(config.base).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)] as [string, string]),
      ["epoch budgets", config.budgets.join(", ")],
      ["seeds per budget", typeof config.seeds === "number" ? String(config.seeds) : config.seeds.join(", ")],
    ];
    const studies = followUpStudies(experimentDir);
    const commands = followUpCommands(experimentDir, config);
    overview.followUps = [
      { name: "removal", present: studies.removal !== null, command: commands.removal },
      { name: "label noise", present: studies.noise !== null, command: commands.noise },
    ];
    const found: string[] = [];
    if (studies.removal) {
      const rows = removalResults(studies.removal).filter((r) => r.method === "least-forgotten");
      const most = rows.sort((a, b) => b.fraction - a.fraction)[0];
      if (most) found.push(`${formatValue("percent", most.fraction * 100)} least forgotten removed: ${formatValue("percent", most.mean * 100)} test accuracy`);
    }
    if (studies.noise) for (const v of noiseResults(studies.noise)) found.push(`${formatValue("percent", v.labelNoise * 100)} labels flipped: ROC AUC ${formatValue("ratio", v.meanAuc)}`);
    overview.keyNumbers[REPORTS.followUps] = found.length ? found : ["absent: no follow-up study (commands below)"];
  }
  const summary = analyzed ?? analyzedRuns(experimentDir);
  if (!summary?.dataset || summary.runsUsed.length === 0) return overview;
  const budgets: BudgetSetSizes[] = summary.budgets;
  overview.headline = budgets;
  const d = summary.dataset;
  overview.keyNumbers[REPORTS.data] = [`${formatValue("count", d.nExamples)} training examples, ${d.nClasses} classes`];
  const largest = summary.budgets[summary.budgets.length - 1];
  const result = summary.results.find((r) => r.budget === largest.budget);
  if (result) overview.keyNumbers[REPORTS.training] = [`${largest.budget}-epoch budget: best test accuracy ${formatValue("percent", result.mean * 100)} (mean of ${result.seeds.length} seeds)`];
  overview.keyNumbers[REPORTS.oneRun] = [`never learned in one run (seed ${largest.seeds[0]}, ${largest.budget} epochs): ${formatValue("count", largest.neverLearnedPerSeed[0])}`];
  overview.keyNumbers[REPORTS.seeds] = [
    `never learned in all ${largest.seeds.length} seeds at ${largest.budget} epochs: ${formatValue("count", largest.neverLearnedAll)} (${formatValue("percent", (100 * largest.neverLearnedAll) / largest.presentedAll)} of the training set)`,
  ];
  const comparisonFile = path.join(experimentDir, "analysis", SCORE_COMPARISON_FILE);
  if (fs.existsSync(comparisonFile)) overview.keyNumbers[REPORTS.dynamics] = scoreKeyNumbers(readJsonFile(comparisonFile, "score comparison is missing") as ScoreComparisonRow[]);
  return overview;
}

/** The analysis summary of the experiment's runs, or null before any run can be used. */
function analyzedRuns(experimentDir: string): AnalysisSummary | null {
  const scan = scanExperiment(experimentDir);
  return scan.dataset && scan.used.length > 0 ? summarizeAnalysis(analyzeExperiment(scan)) : null;
}

/** The most stable score and the best detector of flipped labels (AUC of the largest noise fraction). */
function scoreKeyNumbers(rows: readonly ScoreComparisonRow[]): string[] {
  const lines: string[] = [];
  const stable = rows.filter((r) => Number.isFinite(r.stability)).sort((a, b) => b.stability - a.stability)[0];
  if (stable) lines.push(`most stable across seeds: ${stable.score} (mean Spearman ${formatValue("ratio", stable.stability)})`);
  const aucOf = (r: ScoreComparisonRow) => r.noise[r.noise.length - 1]?.auc ?? NaN;
  const detector = rows.filter((r) => Number.isFinite(aucOf(r))).sort((a, b) => aucOf(b) - aucOf(a))[0];
  if (detector) lines.push(`best at finding flipped labels (${formatValue("percent", detector.noise[detector.noise.length - 1].labelNoise * 100)}): ${detector.score} (ROC AUC ${formatValue("ratio", aucOf(detector))})`);
  return lines;
}
