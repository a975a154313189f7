/**
 * Ranks and rank correlation: ranks with ties averaged, Spearman's correlation of two
 * series and of every pair of K series (seed-pair stability), a symmetric matrix of any
 * pairwise measure, the paper's ordering of examples by forgetting (ties in a seeded random
 * order) and its tie blocks, and the examples the removal experiment leaves out by that ordering.
 */
import { ValueError, checkSameLength, describeValue } from "../core/errors";
import { Random } from "../core/random";
import { integerHistogram } from "./histograms";
import type { ExampleStats } from "../runs/stats";
import { intersection, membersOf } from "./sets";

/**
 * Ranks with ties averaged (the "fractional" ranking Spearman's correlation needs).
 * @param values [n] numbers (NaN not allowed: callers pass counts).
 * @returns [n] 1-based ranks; tied values share the mean of the ranks they span, so
 *   [10, 20, 20, 30] -> [1, 2.5, 2.5, 4].
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const ranks = new Float64Array(n);
  let integral = true;
  let max = 0;
  for (let i = 0; i < n && integral; i++) {
    const v = values[i];
    integral = Number.isInteger(v) && v >= 0 && v <= 1 << 24;
    if (v > max) max = v;
  }
  if (integral) {
    // Counting path for non-negative integer values (forgetting counts): linear time.
    const counts = new Float64Array(max + 1);
    for (let i = 0; i < n; i++) counts[values[i]]++;
    const rankOf = new Float64Array(max + 1);
    let below = 0;
    for (let v = 0; v <= max; v++) {
      // Ranks below+1 .. below+count, averaged.
      rankOf[v] = below + (counts[v] + 1) / 2;
      below += counts[v];
    }
    for (let i = 0; i < n; i++) ranks[i] = rankOf[values[i]];
    return ranks;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const average = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = average;
    start = end;
  }
  return ranks;
}

/**
 * Spearman's rank correlation: Pearson's correlation of the average ranks.
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

/**
 * A symmetric matrix of a pairwise measure between items (e.g. seeds).
 * @returns [n, n] with entry [i][j] = measure(items[i], items[j]); computed once per pair
 *   (i <= j) and mirrored, the diagonal included.
 */
export function pairwiseMatrix<T>(items: readonly T[], measure: (a: T, b: T) => number): number[][] {
  const out = items.map(() => new Array<number>(items.length).fill(NaN));
  for (let i = 0; i < items.length; i++) {
    for (let j = i; j < items.length; j++) {
      out[i][j] = out[j][i] = measure(items[i], items[j]);
    }
  }
  return out;
}

/**
 * Spearman correlation between every pair of series (e.g. the forgetting scores of K
 * seeds): each series is ranked once, then Pearson's correlation of the ranks is taken per
 * pair, so K series cost K rankings instead of K * (K + 1).
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

/**
 * The paper's ordering of examples by forgetting (Toneva et al. 2019, section 3 and the
 * official order_examples_by_forgetting.py): each example's forgetting events summed over
 * K runs, where a run in which the example was never learned counts as that run's number of
 * presentations (a stand-in for "infinitely forgotten"). Only the examples presented in every
 * run are ranked: an example a run never saw has no score there, not a score of 0.
 */
export interface ForgettingRanking {
  /** [nExamples] summed forgetting score over the runs; NOT_RANKED if not presented in every run. */
  scores: Int32Array;
  /**
   * [nRanked] the exampleIds presented in every run, sorted by ascending score (least
   * forgotten first: the unforgettable examples lead). Inside a tie the order is the seeded
   * random one of `tieSeed`, so the same runs and seed always give the same list.
   */
  order: Int32Array;
  /** [nExamples] position of each exampleId in `order` (0 = least forgotten); NOT_RANKED if not presented in every run. */
  rank: Int32Array;
  /** Seed of the order inside ties: `new Random(tieSeed, "ranking-ties").permutation(nExamples)`. */
  tieSeed: number;
}

/** The score and rank of an example that has none (not presented in every run). */
export const NOT_RANKED = -1;

/**
 * One run's forgetting score per example, the quantity the ranking sums and the stability
 * and noise statistics compare: forgetting events, or the run's presentations when never
 * learned.
 * @returns [nExamples] scores; NOT_RANKED for examples not presented (subset runs), so a
 *   caller comparing scores must keep only presented examples (stats.presented).
 */
export function forgettingScores(stats: ExampleStats): Int32Array {
  const { nExamples, presented, neverLearned, presentations, forgettingEvents } = stats;
  const score = new Int32Array(nExamples);
  for (let i = 0; i < nExamples; i++) score[i] = !presented[i] ? NOT_RANKED : neverLearned[i] ? presentations[i] : forgettingEvents[i];
  return score;
}

/**
 * Ranks the examples presented in every run; the others get NOT_RANKED and no place in `order`.
 * @param statsPerRun per-run statistics, all of the same nExamples.
 * @param options.tieSeed seed of the order inside ties, integer >= 0; default 0.
 * @throws ValueError if there are no runs, their nExamples differ or the tie seed is not an integer >= 0.
 */
export function forgettingRanking(statsPerRun: readonly ExampleStats[], options: { tieSeed?: number } = {}): ForgettingRanking {
  if (statsPerRun.length === 0) throw new ValueError("forgettingRanking: expected at least one run, got none");
  const tieSeed = options.tieSeed ?? 0;
  if (!Number.isInteger(tieSeed) || tieSeed < 0) throw new ValueError(`forgettingRanking: expected options.tieSeed to be an integer >= 0, got ${describeValue(tieSeed)}`);
  const n = statsPerRun[0].nExamples;
  const scores = new Int32Array(n);
  for (const stats of statsPerRun) {
    if (stats.nExamples !== n) throw new ValueError(`forgettingRanking: expected runs of ${n} examples, got a run of ${stats.nExamples}`);
    const score = forgettingScores(stats);
    for (let i = 0; i < n; i++) scores[i] += score[i];
  }
  const presentedInAll = intersection(statsPerRun.map((s) => s.presented));
  for (let i = 0; i < n; i++) if (!presentedInAll[i]) scores[i] = NOT_RANKED;
  const ranked = membersOf(presentedInAll);
  // Counting sort: scores are small non-negative integers (at most sum of presentations),
  // so this is linear in nExamples. A third or more of a dataset can share the smallest
  // score, and exampleIds follow the dataset's order (an image folder's are sorted by class),
  // so ties are not left in id order: the examples are placed in the order of a seeded
  // permutation, which puts every tie block in a uniformly random order.
  let maxScore = 0;
  for (const i of ranked) if (scores[i] > maxScore) maxScore = scores[i];
  const starts = new Int32Array(maxScore + 2);
  for (const i of ranked) starts[scores[i] + 1]++;
  for (let s = 1; s < starts.length; s++) starts[s] += starts[s - 1];
  const order = new Int32Array(ranked.length);
  const rank = new Int32Array(n).fill(NOT_RANKED);
  for (const i of new Random(tieSeed, "ranking-ties").permutation(n)) {
    if (!presentedInAll[i]) continue;
    const position = starts[scores[i]]++;
    order[position] = i;
    rank[i] = position;
  }
  return { scores, order, rank, tieSeed };
}

/** Examples sharing one summed score: their positions in `order` are start .. start + size - 1. */
export interface TieBlock {
  score: number;
  size: number;
  start: number;
}

/**
 * The tie blocks of a ranking, one per score present.
 * @returns ascending by score (so by start); sizes sum to nExamples.
 */
export function tieBlocks(ranking: ForgettingRanking): TieBlock[] {
  const blocks: TieBlock[] = [];
  let start = 0;
  integerHistogram(ranking.scores).counts.forEach((size, score) => {
    if (size === 0) return;
    blocks.push({ score, size, start });
    start += size;
  });
  return blocks;
}

export const VALID_REMOVAL_METHODS = ["least-forgotten", "random"] as const;
export type RemovalMethod = (typeof VALID_REMOVAL_METHODS)[number];

/**
 * Which examples the removal experiment leaves out (Toneva et al. 2019, section 6): the n
 * least forgotten examples by the summed forgetting ranking, or n examples drawn at random
 * as the control.
 * Both draw among the ranked examples only (those presented in every source run).
 * @param ranking the forgetting ranking of the source runs.
 * @param options.method "least-forgotten": the first n ids of `ranking.order`, so the tie
 *   block the cut falls in gives a uniform draw of the ids still needed (see tieBlocks);
 *   "random": the ranked ids (ascending) at the first n positions of
 *   `new Random(seed, "removal-random", n).permutation(nRanked)`.
 * @returns n exampleIds, ascending.
 * @throws ValueError if n is not an integer in [0, nRanked].
 */
export function removalIds(ranking: ForgettingRanking, options: { method: RemovalMethod; n: number; seed?: number }): number[] {
  const nRanked = ranking.order.length;
  const { method, n } = options;
  if (!Number.isInteger(n) || n < 0 || n > nRanked) throw new ValueError(`removalIds: expected n to be an integer in [0, ${nRanked}] (the examples presented in every source run), got ${n}`);
  // Ascending, so a ranking of every example draws exactly the ids it drew before subsets were ranked.
  const rankedIds = Int32Array.from(ranking.order).sort();
  const chosen = method === "least-forgotten" ? ranking.order.slice(0, n) : new Random(options.seed ?? 0, "removal-random", n).permutation(nRanked).slice(0, n).map((k) => rankedIds[k]);
  return Array.from(chosen).sort((a, b) => a - b);
}
