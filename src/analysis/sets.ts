/** Per-class sizes of an example set. */
import { ValueError, checkSameLength } from "../core/errors";

/**
 * @param set [nExamples] 0/1 membership.
 * @param labels [nExamples] class index of each example.
 * @returns [nClasses] number of members of each class.
 * @throws ValueError on mismatched lengths or a label outside [0, nClasses).
 */
export function perClassCounts(set: Uint8Array, labels: ArrayLike<number>, nClasses: number): Int32Array {
  checkSameLength("perClassCounts", { set: set.length, labels: labels.length });
  const counts = new Int32Array(nClasses);
  for (let i = 0; i < set.length; i++) {
    if (!set[i]) continue;
    const label = labels[i];
    if (!(label >= 0 && label < nClasses)) throw new ValueError(`perClassCounts: expected labels in [0, ${nClasses}), got ${label} for example ${i}`);
    counts[label]++;
  }
  return counts;
}

/** Examples per class of a split, [nClasses]. */
export function classCounts(split: { labels: Int32Array; classNames: readonly string[] }): Int32Array {
  return perClassCounts(new Uint8Array(split.labels.length).fill(1), split.labels, split.classNames.length);
}
