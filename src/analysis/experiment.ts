/**
 * Everything the study reports about one epoch budget, from the per-run statistics of its
 * K seeds: the never-learned sets (all seeds, any seed, per seed), unforgettable in all
 * seeds, the forgetting ranking, seed-pair stability and histograms.
 */
import { ValueError } from "../core/errors";
import type { ExampleStats } from "../runs/exampleStats";
import { countMembers, intersection, jaccard, perClassCounts, union } from "./sets";
import { type ForgettingRanking, forgettingRanking, pairwiseMatrix, spearmanMatrix } from "./ranks";
import { integerHistogram } from "./histograms";

export interface BudgetAnalysis {
  budget: number;
  /** Seeds in the order of every per-seed array below. */
  seeds: number[];
  nExamples: number;
  /** [nSeeds] size of each seed's never-learned set. */
  neverLearnedPerSeed: number[];
  /** [nExamples] in how many seeds the example was never learned (0..K). */
  neverLearnedSeedCount: Uint8Array;
  /** [nExamples] 0/1: never learned in all K seeds (the headline set). */
  neverLearnedAll: Uint8Array;
  /** [nExamples] 0/1: never learned in at least one seed. */
  neverLearnedAny: Uint8Array;
  /** [nExamples] 0/1: learned and never forgotten in every seed (summed score 0). */
  unforgettableAll: Uint8Array;
  ranking: ForgettingRanking;
  /** [nSeeds, nSeeds] Spearman correlation of forgetting counts (never learned = presentations). */
  spearman: number[][];
  /** [nSeeds, nSeeds] Jaccard overlap of never-learned sets; NaN where both are empty. */
  jaccard: number[][];
  /** counts[e - 1] = examples first learned in epoch e, pooled over seeds; `never` = never-learned (example, seed) pairs. */
  firstLearnedHistogram: { counts: number[]; never: number };
  /** counts[c] = (example, seed) pairs with c forgetting events, learned examples only, pooled over seeds. */
  forgettingHistogram: number[];
  /** Per seed [nExamples] forgetting events, first learned epoch (-1 = never) and never-learned set. */
  perSeed: { forgettingEvents: Int32Array[]; firstLearnedEpoch: Int32Array[]; neverLearned: Uint8Array[] };
  /** Per-class sizes of each set, [nClasses] (per seed: [nSeeds][nClasses]); absent without labels. */
  perClass?: { neverLearnedAll: Int32Array; neverLearnedAny: Int32Array; unforgettableAll: Int32Array; neverLearnedPerSeed: Int32Array[] };
}

export interface AnalyzeBudgetOptions {
  budget: number;
  /** Seed of each run, in the order of `statsPerSeed`. */
  seeds: number[];
  /** [nExamples] class of each example, with nClasses, for per-class counts. */
  labels?: ArrayLike<number>;
  nClasses?: number;
}

/**
 * @param statsPerSeed exampleStats of each seed's run, all with the same nExamples.
 * @throws ValueError for no runs, unequal sizes or a seed list of the wrong length.
 */
export function analyzeBudget(statsPerSeed: readonly ExampleStats[], options: AnalyzeBudgetOptions): BudgetAnalysis {
  const { budget, seeds } = options;
  if (statsPerSeed.length === 0) throw new ValueError(`analyzeBudget: expected the runs of budget ${budget}, got none`);
  if (seeds.length !== statsPerSeed.length) {
    throw new ValueError(`analyzeBudget: expected ${statsPerSeed.length} seeds (one per run), got ${seeds.length}`);
  }
  const nExamples = statsPerSeed[0].nExamples;
  const neverLearnedSets = statsPerSeed.map((s) => s.neverLearned);
  const neverLearnedAll = intersection(neverLearnedSets);
  const neverLearnedAny = union(neverLearnedSets);
  const unforgettableAll = intersection(statsPerSeed.map((s) => s.unforgettable));
  const neverLearnedSeedCount = new Uint8Array(nExamples);
  for (const set of neverLearnedSets) for (let i = 0; i < nExamples; i++) neverLearnedSeedCount[i] += set[i];

  // The ranking's per-run score: forgetting events, or presentations when never learned.
  const scorePerSeed = statsPerSeed.map((s) => {
    const score = new Int32Array(nExamples);
    for (let i = 0; i < nExamples; i++) score[i] = s.neverLearned[i] ? s.presentations[i] : s.forgettingEvents[i];
    return score;
  });

  const firstCounts = new Array<number>(budget).fill(0);
  let never = 0;
  const forgettingCounts: number[] = [];
  for (const s of statsPerSeed) {
    const first = integerHistogram(s.firstLearnedEpoch, { mask: s.presented, maxValue: budget });
    for (let e = 1; e <= budget; e++) firstCounts[e - 1] += first.counts[e];
    never += first.skipped;
    const learned = new Uint8Array(nExamples);
    for (let i = 0; i < nExamples; i++) learned[i] = s.presented[i] & (s.neverLearned[i] ^ 1);
    const forgetting = integerHistogram(s.forgettingEvents, { mask: learned }).counts;
    forgetting.forEach((c, k) => (forgettingCounts[k] = (forgettingCounts[k] ?? 0) + c));
  }

  const analysis: BudgetAnalysis = {
    budget,
    seeds: [...seeds],
    nExamples,
    neverLearnedPerSeed: neverLearnedSets.map(countMembers),
    neverLearnedSeedCount,
    neverLearnedAll,
    neverLearnedAny,
    unforgettableAll,
    ranking: forgettingRanking(statsPerSeed),
    spearman: spearmanMatrix(scorePerSeed),
    jaccard: pairwiseMatrix(neverLearnedSets, jaccard),
    firstLearnedHistogram: { counts: firstCounts, never },
    forgettingHistogram: forgettingCounts,
    perSeed: {
      forgettingEvents: statsPerSeed.map((s) => s.forgettingEvents),
      firstLearnedEpoch: statsPerSeed.map((s) => s.firstLearnedEpoch),
      neverLearned: neverLearnedSets,
    },
  };
  if (options.labels && options.nClasses) {
    const { labels, nClasses } = options;
    analysis.perClass = {
      neverLearnedAll: perClassCounts(neverLearnedAll, labels, nClasses),
      neverLearnedAny: perClassCounts(neverLearnedAny, labels, nClasses),
      unforgettableAll: perClassCounts(unforgettableAll, labels, nClasses),
      neverLearnedPerSeed: neverLearnedSets.map((set) => perClassCounts(set, labels, nClasses)),
    };
  }
  return analysis;
}
