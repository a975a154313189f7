/** Size of a [nExamples] 0/1 example set. */
export function countMembers(set: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < set.length; i++) count += set[i];
  return count;
}
