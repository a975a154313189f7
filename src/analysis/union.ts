/** Examples in at least one of several [nExamples] 0/1 sets (e.g. never learned in some seed). */
import { ValueError, checkSameLength } from "../core/errors";

/** @returns [nExamples] 0/1. @throws ValueError for no sets or sets of unequal length. */
export function union(sets: readonly Uint8Array[]): Uint8Array {
  if (sets.length === 0) throw new ValueError("union: expected at least one set, got none");
  const n = checkSameLength("union", Object.fromEntries(sets.map((s, i) => [`set ${i}`, s.length])));
  const out = Uint8Array.from(sets[0]);
  for (let s = 1; s < sets.length; s++) {
    const set = sets[s];
    for (let i = 0; i < n; i++) out[i] |= set[i];
  }
  return out;
}
