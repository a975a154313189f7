/**
 * How nested the never-learned sets of different epoch budgets are (the reference study
 * found them almost nested: what is never learned with a long budget is mostly never
 * learned with the shorter ones too).
 */
import { countCommon } from "./countCommon";
import { countMembers } from "./countMembers";

export interface Nesting {
  /** common[b][a] = |set_b ∩ set_a|, [nBudgets, nBudgets]. */
  common: number[][];
  /** contained[b][a] = |set_b ∩ set_a| / |set_b|: the share of b's set inside a's; NaN if set_b is empty. */
  contained: number[][];
}

/** @param sets one [nExamples] 0/1 set per budget, in the caller's budget order. */
export function nestingMatrix(sets: readonly Uint8Array[]): Nesting {
  const sizes = sets.map(countMembers);
  const common = sets.map((b) => sets.map((a) => countCommon(b, a)));
  const contained = common.map((row, b) => row.map((n) => (sizes[b] === 0 ? NaN : n / sizes[b])));
  return { common, contained };
}
