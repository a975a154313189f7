/**
 * Forgetting of examples with flipped labels versus clean ones in one run (Toneva et al.
 * 2019, section 5: noisy examples are forgotten much more often).
 */
import { checkSameLength } from "../core/errors";
import type { ExampleStats } from "../runs/exampleStats";
import { rocAuc } from "./rocAuc";

export interface GroupForgetting {
  count: number;
  /** Mean of the per-example forgetting score (forgetting events; presentations if never learned). */
  meanScore: number;
  /** Mean forgetting events over learned examples only; NaN if none was learned. */
  meanForgettingEvents: number;
  /** Fraction never learned. */
  neverLearned: number;
  /** Fraction unforgettable. */
  unforgettable: number;
}

export interface NoiseComparison {
  noisy: GroupForgetting;
  clean: GroupForgetting;
  /** ROC AUC of the forgetting score as a detector of flipped labels (0.5 = chance). */
  auc: number;
}

/**
 * @param stats exampleStats of a run trained with label noise.
 * @param noisy [nExamples] 1 for flipped examples. Examples not presented are left out.
 */
export function noiseComparison(stats: ExampleStats, noisy: Uint8Array): NoiseComparison {
  const n = checkSameLength("noiseComparison", { "stats.nExamples": stats.nExamples, noisy: noisy.length });
  const score = new Int32Array(n);
  for (let i = 0; i < n; i++) score[i] = stats.neverLearned[i] ? stats.presentations[i] : stats.forgettingEvents[i];
  const group = (want: number): GroupForgetting => {
    let count = 0;
    let scoreSum = 0;
    let learned = 0;
    let eventsSum = 0;
    let never = 0;
    let unforgettable = 0;
    for (let i = 0; i < n; i++) {
      if (!stats.presented[i] || noisy[i] !== want) continue;
      count++;
      scoreSum += score[i];
      never += stats.neverLearned[i];
      unforgettable += stats.unforgettable[i];
      if (!stats.neverLearned[i]) {
        learned++;
        eventsSum += stats.forgettingEvents[i];
      }
    }
    return {
      count,
      meanScore: count ? scoreSum / count : NaN,
      meanForgettingEvents: learned ? eventsSum / learned : NaN,
      neverLearned: count ? never / count : NaN,
      unforgettable: count ? unforgettable / count : NaN,
    };
  };
  return { noisy: group(1), clean: group(0), auc: rocAuc(score, noisy, { mask: stats.presented }) };
}
