/** The exampleIds of a [nExamples] 0/1 set, ascending. */
import { countMembers } from "./countMembers";

export function membersOf(set: Uint8Array): Int32Array {
  const ids = new Int32Array(countMembers(set));
  let k = 0;
  for (let i = 0; i < set.length; i++) if (set[i]) ids[k++] = i;
  return ids;
}
