/**
 * What `forgetting analyze` reports: a JSON-ready summary of an experiment's analysis (written
 * to outputs/<experiment>/analysis/summary.json): counts, ids of the headline sets, stability
 * matrices, per-class counts, histograms, the ranking's tie seed and tie blocks, the results
 * table, and which runs were used and left out (NaN values become null in JSON); and the same
 * summary as the plain text the command prints.
 */
import { countMembers, membersOf, perClassCounts } from "./sets";
import { tieBlocks } from "./ranks";
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

/**
 * @param analysis the result of analyzeExperiment.
 * @returns the summary.json object: per budget (ascending) set sizes, ids, stability, per-class counts and best accuracy.
 */
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
        // Examples presented in every seed: what the sets, ranking and stability cover.
        presentedAll: countMembers(b.presentedAll),
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
        // The seed that ordered the ties, and every tie block (ascending score) with its size.
        ranking: { tieSeed: b.ranking.tieSeed, tieBlocks: tieBlocks(b.ranking).map(({ score, size }) => ({ score, size })) },
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

const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");

/**
 * The text `forgetting analyze` prints: used/left-out runs, per-budget sets, results table.
 * @returns lines of plain text (no colour), for a terminal or a notebook cell.
 */
export function formatSummary(summary: AnalysisSummary): string[] {
  const lines: string[] = [];
  const d = summary.dataset;
  lines.push(`experiment ${summary.experimentDir}`);
  lines.push(d ? `dataset ${d.id}: ${d.nExamples} examples, ${d.nClasses} classes; tracking ${summary.trackingMode}` : "no usable run");
  lines.push(`runs used: ${summary.runsUsed.length}; left out: ${summary.leftOut.length}`);
  for (const l of summary.leftOut) lines.push(`  left out ${l.folder}: ${l.reason}: ${l.detail}`);
  lines.push("");
  lines.push("budget  seeds  presented(all)  never learned (all / any / per seed)          unforgettable(all)  consistent  spearman  jaccard  best acc mean (std)");
  for (const b of summary.budgets) {
    const acc = b.bestAccuracy;
    lines.push(
      [
        String(b.budget).padStart(6),
        String(b.seeds.length).padStart(5),
        String(b.presentedAll).padStart(14),
        `${b.neverLearnedAll} / ${b.neverLearnedAny} / [${b.neverLearnedPerSeed.join(", ")}]`.padEnd(44),
        String(b.unforgettableAll).padStart(18),
        String(b.consistentlyNeverLearned).padStart(10),
        fixed(b.meanSpearman, 3).padStart(8),
        fixed(b.meanJaccard, 3).padStart(7),
        acc ? `${fixed(acc.mean * 100, 2)} (${fixed(acc.std * 100, 2)})` : "n/a",
      ].join("  "),
    );
  }
  lines.push("");
  lines.push("forgetting ranking: ties in a seeded random order; largest tie blocks (score x examples)");
  for (const b of summary.budgets) {
    const n = b.ranking.tieBlocks.reduce((sum, t) => sum + t.size, 0);
    const largest = [...b.ranking.tieBlocks].sort((x, y) => y.size - x.size || x.score - y.score).slice(0, 3);
    const shown = largest.map((t) => `score ${t.score} x ${t.size} (${fixed((t.size / n) * 100, 1)}%)`).join(", ");
    lines.push(`  budget ${b.budget}, tie seed ${b.ranking.tieSeed}: ${shown}; ${b.ranking.tieBlocks.length} scores`);
  }
  if (summary.budgets.length > 1) {
    lines.push("");
    lines.push("nesting: row b, column a = how many of budget b's never-learned-in-all set are in budget a's");
    lines.push("        " + summary.nesting.budgets.map((b) => String(b).padStart(8)).join(""));
    summary.nesting.common.forEach((row, i) => lines.push(String(summary.nesting.budgets[i]).padStart(8) + row.map((n) => String(n).padStart(8)).join("")));
  }
  lines.push("");
  lines.push("results: best test accuracy (%) per seed");
  for (const r of summary.results) lines.push(`  ${String(r.budget).padStart(6)}: ${r.best.map((v, i) => `s${r.seeds[i]} ${fixed(v * 100, 2)}`).join(", ")}; mean ${fixed(r.mean * 100, 2)}`);
  return lines;
}
