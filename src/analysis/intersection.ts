/**
 * Examples in every one of several sets (e.g. never learned in all K seeds). A set is a
 * [nExamples] Uint8Array indicator (1 = member): compact (1.3 MB at ImageNet scale) and
 * combined in one pass.
 */
import { ValueError, checkSameLength } from "../core/errors";

/** @returns [nExamples] 0/1. @throws ValueError for no sets or sets of unequal length. */
export function intersection(sets: readonly Uint8Array[]): Uint8Array {
  if (sets.length === 0) throw new ValueError("intersection: expected at least one set, got none");
  const n = checkSameLength("intersection", Object.fromEntries(sets.map((s, i) => [`set ${i}`, s.length])));
  const out = Uint8Array.from(sets[0]);
  for (let s = 1; s < sets.length; s++) {
    const set = sets[s];
    for (let i = 0; i < n; i++) out[i] &= set[i];
  }
  return out;
}
