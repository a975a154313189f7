/**
 * Area under the ROC curve of a score as a detector of positives (e.g. forgetting count as
 * a detector of flipped labels, Toneva et al. 2019 section 5), computed as the
 * Mann-Whitney statistic: the probability that a random positive scores higher than a
 * random negative, ties counting one half.
 */
import { checkSameLength } from "../core/errors";
import { averageRanks } from "./ranks";

/**
 * @param scores [n] detector score per example (higher = more likely positive).
 * @param positive [n] 1 for positives (e.g. flipped labels), 0 for negatives.
 * @param options.mask [n] 1 for examples to include (default all).
 * @returns AUC in [0, 1]; NaN when there is no positive or no negative (undefined).
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<number>, options: { mask?: ArrayLike<number> } = {}): number {
  checkSameLength("rocAuc", { scores: scores.length, positive: positive.length, ...(options.mask ? { mask: options.mask.length } : {}) });
  const kept: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!options.mask || options.mask[i]) kept.push(i);
  const ranks = averageRanks(kept.map((i) => scores[i]));
  let nPositive = 0;
  let positiveRankSum = 0;
  kept.forEach((i, k) => {
    if (positive[i]) {
      nPositive++;
      positiveRankSum += ranks[k];
    }
  });
  const nNegative = kept.length - nPositive;
  if (nPositive === 0 || nNegative === 0) return NaN;
  // U = rank sum of positives minus its smallest possible value; AUC = U / (nPos * nNeg).
  return (positiveRankSum - (nPositive * (nPositive + 1)) / 2) / (nPositive * nNegative);
}
