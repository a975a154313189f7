/** A symmetric matrix of a pairwise measure between items (e.g. seeds). */

/**
 * @returns [n, n] with entry [i][j] = measure(items[i], items[j]); computed once per pair
 *   (i <= j) and mirrored, the diagonal included.
 */
export function pairwiseMatrix<T>(items: readonly T[], measure: (a: T, b: T) => number): number[][] {
  const out = items.map(() => new Array<number>(items.length).fill(NaN));
  for (let i = 0; i < items.length; i++) {
    for (let j = i; j < items.length; j++) {
      out[i][j] = out[j][i] = measure(items[i], items[j]);
    }
  }
  return out;
}
