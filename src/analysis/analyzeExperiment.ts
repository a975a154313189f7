/**
 * The whole multi-seed study of one experiment folder, computed from run files alone: for
 * each budget the analysis of its seeds (see analyzeBudget), data maps when the runs wrote
 * true-class probabilities, the results table, and the cross-budget nesting and
 * "consistently never learned" sets. This is the edge that reads files; every statistic is
 * a pure function called from here.
 */
import { ValueError } from "../core/errors";
import { exampleStatsFromFile } from "../runs/exampleStatsFromFile";
import { readFloatRecord } from "../runs/record";
import { type ExperimentScan, loadRunRecord, presentedMask, readLogColumns, readRunExamples } from "../runs/scan";
import { type BudgetAnalysis, analyzeBudget } from "./experiment";
import { consistentlyNeverLearned, type Nesting, nestingMatrix } from "./sets";
import { type DataMap, dataMap } from "./dataMap";
import { type ResultsRow, type RunAccuracy, resultsTable } from "./results";

export interface ExperimentAnalysis {
  scan: ExperimentScan;
  /** [nExamples] class per example (from the first used run's examples.csv); null if unknown. */
  labels: Int32Array | null;
  /** [nExamples] example names (file paths); null if unknown. */
  exampleNames: string[] | null;
  classNames: string[];
  /** Ascending by budget. */
  budgets: BudgetAnalysis[];
  /** Per budget (same order): data map averaged over seeds, when every run has prob.f32. */
  dataMaps: (DataMap | null)[];
  /** Nesting of the never-learned-in-all-seeds sets, budgets in ascending order. */
  nesting: Nesting;
  /** [nBudgets][nExamples] never learned in all seeds of every budget up to this one. */
  consistentlyNeverLearned: Uint8Array[];
  results: ResultsRow[];
}

export interface AnalyzeExperimentOptions {
  /** Called after each run is read: (runs done, runs total, runId). */
  onProgress?: (done: number, total: number, runId: string) => void;
}

/**
 * @param scan the result of scanExperiment (which runs to use).
 * @throws ValueError if the scan has no usable run.
 */
export function analyzeExperiment(scan: ExperimentScan, options: AnalyzeExperimentOptions = {}): ExperimentAnalysis {
  if (!scan.dataset || scan.used.length === 0) {
    const why = scan.leftOut.length ? `; left out: ${scan.leftOut.map((l) => `${l.folder} (${l.reason})`).join(", ")}` : "";
    throw new ValueError(`analyzeExperiment: expected at least one usable run in ${scan.experimentDir}, got none${why}`);
  }
  const { nExamples, nClasses, classNames } = scan.dataset;
  const examples = readRunExamples(scan.used[0].dir, nExamples);
  const labels = examples?.labels ?? null;
  const exampleNames = examples && examples.names.some((n) => n !== "") ? examples.names : null;

  const budgets: BudgetAnalysis[] = [];
  const dataMaps: (DataMap | null)[] = [];
  const accuracies: RunAccuracy[] = [];
  let done = 0;
  for (const { budget, seeds, runs } of scan.budgets) {
    const statsPerSeed = [];
    const maps: DataMap[] = [];
    for (const run of runs) {
      const presented = presentedMask(run.manifest);
      // Streamed from the file: the whole record is only loaded when a data map needs it.
      statsPerSeed.push(exampleStatsFromFile(run.dir, nExamples, budget, { presented }));
      if (run.manifest.floatRecords.includes("prob")) {
        maps.push(dataMap(readFloatRecord(run.dir, "prob", nExamples, budget), loadRunRecord(run), { presented }));
      }
      accuracies.push({ budget, seed: run.seed, acc: readLogColumns(run.dir)?.acc ?? [] });
      options.onProgress?.(++done, scan.used.length, run.runId);
    }
    budgets.push(analyzeBudget(statsPerSeed, { budget, seeds, labels: labels ?? undefined, nClasses }));
    dataMaps.push(maps.length === runs.length ? meanDataMap(maps) : null);
  }
  const sets = budgets.map((b) => b.neverLearnedAll);
  return {
    scan,
    labels,
    exampleNames,
    classNames,
    budgets,
    dataMaps,
    nesting: nestingMatrix(sets),
    consistentlyNeverLearned: consistentlyNeverLearned(sets),
    results: resultsTable(accuracies),
  };
}

/** Element-wise mean of the seeds' data maps. */
function meanDataMap(maps: DataMap[]): DataMap {
  const n = maps[0].confidence.length;
  const mean = (key: keyof DataMap) => {
    const out = new Float32Array(n);
    for (const m of maps) for (let i = 0; i < n; i++) out[i] += m[key][i] / maps.length;
    return out;
  };
  return { confidence: mean("confidence"), variability: mean("variability"), correctness: mean("correctness") };
}
