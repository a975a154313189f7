/**
 * Which examples stand behind a point of a chart, in order of difficulty: what the example
 * grids of the notebooks show (hardest first, never by id). Difficulty is the paper's
 * ranking (ranks.ts: the summed forgetting score over seeds, never learned counting as
 * every presentation, ties in the ranking's seeded order).
 */
import { type ForgettingRanking, NOT_RANKED } from "./ranks";

/**
 * @param ids exampleIds in any order.
 * @returns the same ids, hardest first (highest rank first); examples the ranking does not
 *   cover (NOT_RANKED) come last, by id.
 */
export function hardestFirst(ids: ArrayLike<number>, ranking: ForgettingRanking): number[] {
  const rankOf = (id: number) => ranking.rank[id] ?? NOT_RANKED;
  return Array.from(ids).sort((a, b) => rankOf(b) - rankOf(a) || a - b);
}

/** The members of a [nExamples] 0/1 set, hardest first. */
export function membersHardestFirst(set: ArrayLike<number>, ranking: ForgettingRanking): number[] {
  const ids: number[] = [];
  for (let i = 0; i < set.length; i++) if (set[i]) ids.push(i);
  return hardestFirst(ids, ranking);
}

/**
 * Example ids grouped by an integer per-example value (forgetting events, first learned
 * epoch, class), each group hardest first: out[v] holds the examples with value v.
 * @param values [nExamples] integers; negative values are left out.
 * @param options.mask [nExamples] 0/1, examples to group (default all).
 * @param options.size number of groups (default the largest value + 1).
 */
export function idsByValue(values: ArrayLike<number>, ranking: ForgettingRanking, options: { mask?: ArrayLike<number>; size?: number } = {}): number[][] {
  const groups: number[][] = Array.from({ length: options.size ?? 0 }, () => []);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0 || (options.mask && !options.mask[i])) continue;
    while (groups.length <= v) groups.push([]);
    groups[v].push(i);
  }
  return groups.map((ids) => hardestFirst(ids, ranking));
}
