/** Spearman's rank correlation: Pearson's correlation of the average ranks. */
import { checkSameLength } from "../core/errors";
import { averageRanks } from "./averageRanks";

/**
 * @param x [n] values, e.g. forgetting counts of one seed.
 * @param y [n] values of another seed.
 * @returns rho in [-1, 1]; NaN when n < 2 or either side is constant (undefined correlation).
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = checkSameLength("spearman", { x: x.length, y: y.length });
  if (n < 2) return NaN;
  const rx = averageRanks(x);
  const ry = averageRanks(y);
  const mean = (n + 1) / 2; // the mean of average ranks is always (n + 1) / 2
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i] - mean;
    const dy = ry[i] - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return sxy / Math.sqrt(sxx * syy);
}
