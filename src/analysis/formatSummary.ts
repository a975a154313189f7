/** The text `forgetting analyze` prints: used/left-out runs, per-budget sets, results table. */
import type { AnalysisSummary } from "./summary";

const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");

/** @returns lines of plain text (no colour), for a terminal or a notebook cell. */
export function formatSummary(summary: AnalysisSummary): string[] {
  const lines: string[] = [];
  const d = summary.dataset;
  lines.push(`experiment ${summary.experimentDir}`);
  lines.push(d ? `dataset ${d.id}: ${d.nExamples} examples, ${d.nClasses} classes; tracking ${summary.trackingMode}` : "no usable run");
  lines.push(`runs used: ${summary.runsUsed.length}; left out: ${summary.leftOut.length}`);
  for (const l of summary.leftOut) lines.push(`  left out ${l.folder}: ${l.reason}: ${l.detail}`);
  lines.push("");
  lines.push("budget  seeds  never learned (all / any / per seed)          unforgettable(all)  consistent  spearman  jaccard  best acc mean (std)");
  for (const b of summary.budgets) {
    const acc = b.bestAccuracy;
    lines.push(
      [
        String(b.budget).padStart(6),
        String(b.seeds.length).padStart(5),
        `${b.neverLearnedAll} / ${b.neverLearnedAny} / [${b.neverLearnedPerSeed.join(", ")}]`.padEnd(44),
        String(b.unforgettableAll).padStart(18),
        String(b.consistentlyNeverLearned).padStart(10),
        fixed(b.meanSpearman, 3).padStart(8),
        fixed(b.meanJaccard, 3).padStart(7),
        acc ? `${fixed(acc.mean * 100, 2)} (${fixed(acc.std * 100, 2)})` : "n/a",
      ].join("  "),
    );
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
