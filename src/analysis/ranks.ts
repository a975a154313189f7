/**
 * The paper's ordering of examples by forgetting (Toneva et al. 2019, section 3 and the
 * official order_examples_by_forgetting.py): each example's forgetting events summed over
 * K runs, where a run in which the example was never learned counts as that run's number of
 * presentations (a stand-in for "infinitely forgotten").
 */
import { ValueError } from "../core/errors";
import type { ExampleStats } from "../runs/exampleStats";

export interface ForgettingRanking {
  /** [nExamples] summed forgetting score over the runs. */
  scores: Int32Array;
  /**
   * [nExamples] exampleIds sorted by ascending score (least forgotten first: the
   * unforgettable examples lead). Ties keep ascending exampleId order (a stable order, so
   * the same runs always give the same list).
   */
  order: Int32Array;
  /** [nExamples] position of each exampleId in `order` (0 = least forgotten). */
  rank: Int32Array;
}

/**
 * An example not presented in a run (subset runs) adds 0 for that run.
 * @param statsPerRun per-run statistics, all of the same nExamples.
 * @throws ValueError if there are no runs or their nExamples differ.
 */
export function forgettingRanking(statsPerRun: readonly ExampleStats[]): ForgettingRanking {
  if (statsPerRun.length === 0) throw new ValueError("forgettingRanking: expected at least one run, got none");
  const n = statsPerRun[0].nExamples;
  const scores = new Int32Array(n);
  for (const stats of statsPerRun) {
    if (stats.nExamples !== n) throw new ValueError(`forgettingRanking: expected runs of ${n} examples, got a run of ${stats.nExamples}`);
    const { neverLearned, presentations, forgettingEvents } = stats;
    for (let i = 0; i < n; i++) scores[i] += neverLearned[i] ? presentations[i] : forgettingEvents[i];
  }
  // Counting sort: scores are small non-negative integers (at most sum of presentations),
  // so this is linear in nExamples and stable by exampleId.
  let maxScore = 0;
  for (let i = 0; i < n; i++) if (scores[i] > maxScore) maxScore = scores[i];
  const starts = new Int32Array(maxScore + 2);
  for (let i = 0; i < n; i++) starts[scores[i] + 1]++;
  for (let s = 1; s < starts.length; s++) starts[s] += starts[s - 1];
  const order = new Int32Array(n);
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const position = starts[scores[i]]++;
    order[position] = i;
    rank[i] = position;
  }
  return { scores, order, rank };
}
