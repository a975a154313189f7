/**
 * Spearman correlation between every pair of series (e.g. the forgetting scores of K
 * seeds): each series is ranked once, then Pearson's correlation of the ranks is taken per
 * pair, so K series cost K rankings instead of K * (K + 1).
 */
import { ValueError } from "../core/errors";
import { averageRanks } from "./averageRanks";

/**
 * @param series K arrays of n values each.
 * @returns [K, K] matrix equal to pairwiseMatrix(series, spearman): NaN where a series is
 *   constant or n < 2.
 */
export function spearmanMatrix(series: readonly ArrayLike<number>[]): number[][] {
  const n = series[0]?.length ?? 0;
  series.forEach((s, i) => {
    if (s.length !== n) throw new ValueError(`spearmanMatrix: expected series of equal length ${n}, got length ${s.length} for series ${i}`);
  });
  const mean = (n + 1) / 2; // the mean of average ranks is always (n + 1) / 2
  const centered = series.map((s) => {
    const ranks = averageRanks(s);
    for (let i = 0; i < n; i++) ranks[i] -= mean;
    return ranks;
  });
  const norms = centered.map((r) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += r[i] * r[i];
    return Math.sqrt(sum);
  });
  const out = series.map(() => new Array<number>(series.length).fill(NaN));
  for (let a = 0; a < series.length; a++) {
    for (let b = a; b < series.length; b++) {
      let dot = 0;
      const x = centered[a];
      const y = centered[b];
      for (let i = 0; i < n; i++) dot += x[i] * y[i];
      const denominator = norms[a] * norms[b];
      out[a][b] = out[b][a] = n < 2 || denominator === 0 ? NaN : dot / denominator;
    }
  }
  return out;
}
