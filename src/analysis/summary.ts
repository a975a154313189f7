/**
 * A JSON-ready summary of an experiment's analysis (what `forgetting analyze` writes to
 * outputs/<experiment>/analysis/summary.json): counts, ids of the headline sets, stability
 * matrices, per-class counts, histograms, the results table, and which runs were used and
 * left out. NaN values become null in JSON.
 */
import { countMembers, membersOf, perClassCounts } from "./sets";
import type { ExperimentAnalysis } from "./experiment";

/** Mean of the off-diagonal entries of a square matrix, skipping NaN; NaN if none. */
function meanOffDiagonal(matrix: number[][]): number {
  let sum = 0;
  let n = 0;
  matrix.forEach((row, i) => row.forEach((v, j) => {
    if (i !== j && Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }));
  return n ? sum / n : NaN;
}

export function summarizeAnalysis(analysis: ExperimentAnalysis) {
  const { scan, classNames } = analysis;
  const byClass = (counts: Int32Array | undefined) => (counts ? Object.fromEntries(classNames.map((name, c) => [name, counts[c]])) : null);
  return {
    experimentDir: scan.experimentDir,
    dataset: scan.dataset,
    trackingMode: scan.trackingMode,
    runsUsed: scan.used.map((r) => ({ runId: r.runId, budget: r.budget, seed: r.seed })),
    leftOut: scan.leftOut.map((l) => ({ folder: l.folder, reason: l.reason, detail: l.detail, budget: l.budget ?? null, seed: l.seed ?? null })),
    budgets: analysis.budgets.map((b, k) => {
      const result = analysis.results.find((r) => r.budget === b.budget);
      return {
        budget: b.budget,
        seeds: b.seeds,
        runIds: scan.budgets[k].runs.map((r) => r.runId),
        neverLearnedPerSeed: b.neverLearnedPerSeed,
        neverLearnedAll: countMembers(b.neverLearnedAll),
        neverLearnedAny: countMembers(b.neverLearnedAny),
        unforgettableAll: countMembers(b.unforgettableAll),
        consistentlyNeverLearned: countMembers(analysis.consistentlyNeverLearned[k]),
        neverLearnedAllIds: Array.from(membersOf(b.neverLearnedAll)),
        meanSpearman: meanOffDiagonal(b.spearman),
        meanJaccard: meanOffDiagonal(b.jaccard),
        spearman: b.spearman,
        jaccard: b.jaccard,
        perClass:
          b.perClass && analysis.labels
            ? {
                neverLearnedAll: byClass(b.perClass.neverLearnedAll),
                neverLearnedAny: byClass(b.perClass.neverLearnedAny),
                unforgettableAll: byClass(b.perClass.unforgettableAll),
                consistentlyNeverLearned: byClass(perClassCounts(analysis.consistentlyNeverLearned[k], analysis.labels, classNames.length)),
                neverLearnedPerSeed: b.perClass.neverLearnedPerSeed.map(byClass),
              }
            : null,
        firstLearnedHistogram: b.firstLearnedHistogram,
        forgettingHistogram: b.forgettingHistogram,
        bestAccuracy: result ? { perSeed: result.best, bestEpoch: result.bestEpoch, mean: result.mean, std: result.std } : null,
        hasDataMap: analysis.dataMaps[k] !== null,
      };
    }),
    nesting: { budgets: analysis.budgets.map((b) => b.budget), ...analysis.nesting },
    results: analysis.results,
  };
}

export type AnalysisSummary = ReturnType<typeof summarizeAnalysis>;
