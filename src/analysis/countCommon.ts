/** Number of examples in both of two [nExamples] 0/1 sets. */
import { checkSameLength } from "../core/errors";

export function countCommon(a: Uint8Array, b: Uint8Array): number {
  checkSameLength("countCommon", { a: a.length, b: b.length });
  let count = 0;
  for (let i = 0; i < a.length; i++) count += a[i] & b[i];
  return count;
}
