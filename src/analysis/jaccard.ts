/** Jaccard overlap of two example sets. */
import { checkSameLength } from "../core/errors";

/**
 * @param a [nExamples] 0/1 set, e.g. never learned in seed i.
 * @param b [nExamples] 0/1 set of seed j.
 * @returns |a ∩ b| / |a ∪ b| in [0, 1]; NaN when both sets are empty (undefined, not 1:
 *   two seeds that never fail to learn anything say nothing about agreement).
 */
export function jaccard(a: Uint8Array, b: Uint8Array): number {
  checkSameLength("jaccard", { a: a.length, b: b.length });
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    both += a[i] & b[i];
    either += a[i] | b[i];
  }
  return either === 0 ? NaN : both / either;
}
