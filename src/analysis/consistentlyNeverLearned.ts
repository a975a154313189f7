/**
 * The reference study's filter: examples never learned in all seeds of every budget from
 * the first (shortest) budget up to budget E.
 */
import { intersection } from "./intersection";

/**
 * @param setsByBudget the never-learned-in-all-seeds set of each budget, [nBudgets][nExamples],
 *   ordered by ascending budget.
 * @returns [nBudgets][nExamples]: entry E is the intersection of sets 0..E (cumulative).
 */
export function consistentlyNeverLearned(setsByBudget: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  setsByBudget.forEach((set, e) => out.push(e === 0 ? Uint8Array.from(set) : intersection([out[e - 1], set])));
  return out;
}
