/**
 * Example sets and their sizes. A set is a [nExamples] Uint8Array indicator (1 = member):
 * compact (1.3 MB at ImageNet scale) and combined in one pass. This module holds the
 * combinations (intersection: e.g. never learned in all K seeds; union: in some seed), sizes
 * (overall, in common, per class), member ids, the Jaccard overlap of two sets, and the
 * cross-budget views: how nested the budgets' sets are and which examples stay never
 * learned from the first budget on.
 */
import { ValueError, checkSameLength } from "../core/errors";

/**
 * The one pass behind intersection ("all": member of every set) and union ("any": of at
 * least one); errors name the public function.
 */
function combineSets(sets: readonly Uint8Array[], keep: "all" | "any"): Uint8Array {
  const who = keep === "all" ? "intersection" : "union";
  if (sets.length === 0) throw new ValueError(`${who}: expected at least one set, got none`);
  const n = checkSameLength(who, Object.fromEntries(sets.map((s, i) => [`set ${i}`, s.length])));
  const out = Uint8Array.from(sets[0]);
  for (let s = 1; s < sets.length; s++) {
    const set = sets[s];
    // Two loops rather than a per-element choice: this runs over every example of every seed.
    if (keep === "all") for (let i = 0; i < n; i++) out[i] &= set[i];
    else for (let i = 0; i < n; i++) out[i] |= set[i];
  }
  return out;
}

/**
 * Examples in every one of several sets (e.g. never learned in all K seeds).
 * @returns [nExamples] 0/1. @throws ValueError for no sets or sets of unequal length.
 */
export function intersection(sets: readonly Uint8Array[]): Uint8Array {
  return combineSets(sets, "all");
}

/**
 * Examples in at least one of several sets (e.g. never learned in some seed).
 * @returns [nExamples] 0/1. @throws ValueError for no sets or sets of unequal length.
 */
export function union(sets: readonly Uint8Array[]): Uint8Array {
  return combineSets(sets, "any");
}

/** Size of a [nExamples] 0/1 example set. */
export function countMembers(set: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < set.length; i++) count += set[i];
  return count;
}

/** Number of examples in both of two [nExamples] 0/1 sets. */
export function countCommon(a: Uint8Array, b: Uint8Array): number {
  checkSameLength("countCommon", { a: a.length, b: b.length });
  let count = 0;
  for (let i = 0; i < a.length; i++) count += a[i] & b[i];
  return count;
}

/** The exampleIds of a [nExamples] 0/1 set, ascending. */
export function membersOf(set: Uint8Array): Int32Array {
  const ids = new Int32Array(countMembers(set));
  let k = 0;
  for (let i = 0; i < set.length; i++) if (set[i]) ids[k++] = i;
  return ids;
}

/**
 * Jaccard overlap of two example sets.
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

/**
 * Per-class sizes of an example set.
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

/**
 * How nested the never-learned sets of different epoch budgets are (the reference study
 * found them almost nested: what is never learned with a long budget is mostly never
 * learned with the shorter ones too).
 */
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

/**
 * The reference study's filter: examples never learned in all seeds of every budget from
 * the first (shortest) budget up to budget E.
 * @param setsByBudget the never-learned-in-all-seeds set of each budget, [nBudgets][nExamples],
 *   ordered by ascending budget.
 * @returns [nBudgets][nExamples]: entry E is the intersection of sets 0..E (cumulative).
 */
export function consistentlyNeverLearned(setsByBudget: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  setsByBudget.forEach((set, e) => out.push(e === 0 ? Uint8Array.from(set) : intersection([out[e - 1], set])));
  return out;
}
