/**
 * Which examples the removal experiment leaves out (Toneva et al. 2019, section 6): the n
 * least forgotten examples by the summed forgetting ranking, or n examples drawn at random
 * as the control.
 */
import { ValueError } from "../core/errors";
import { Random } from "../core/random";
import type { ForgettingRanking } from "./ranks";

export const VALID_REMOVAL_METHODS = ["least-forgotten", "random"] as const;
export type RemovalMethod = (typeof VALID_REMOVAL_METHODS)[number];

/**
 * @param ranking the forgetting ranking of the full-data runs.
 * @param options.method "least-forgotten": the first n ids of `ranking.order` (ties by id);
 *   "random": the first n of `new Random(seed, "removal-random", n).permutation(nExamples)`.
 * @returns n exampleIds, ascending.
 * @throws ValueError if n is not an integer in [0, nExamples].
 */
export function removalIds(ranking: ForgettingRanking, options: { method: RemovalMethod; n: number; seed?: number }): number[] {
  const nExamples = ranking.order.length;
  const { method, n } = options;
  if (!Number.isInteger(n) || n < 0 || n > nExamples) throw new ValueError(`removalIds: expected n to be an integer in [0, ${nExamples}], got ${n}`);
  const chosen = method === "least-forgotten" ? ranking.order.slice(0, n) : new Random(options.seed ?? 0, "removal-random", n).permutation(nExamples).slice(0, n);
  return Array.from(chosen).sort((a, b) => a - b);
}
