/** Ranks with ties averaged (the "fractional" ranking Spearman's correlation needs). */

/**
 * @param values [n] numbers (NaN not allowed: callers pass counts).
 * @returns [n] 1-based ranks; tied values share the mean of the ranks they span, so
 *   [10, 20, 20, 30] -> [1, 2.5, 2.5, 4].
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const ranks = new Float64Array(n);
  let integral = true;
  let max = 0;
  for (let i = 0; i < n && integral; i++) {
    const v = values[i];
    integral = Number.isInteger(v) && v >= 0 && v <= 1 << 24;
    if (v > max) max = v;
  }
  if (integral) {
    // Counting path for non-negative integer values (forgetting counts): linear time.
    const counts = new Float64Array(max + 1);
    for (let i = 0; i < n; i++) counts[values[i]]++;
    const rankOf = new Float64Array(max + 1);
    let below = 0;
    for (let v = 0; v <= max; v++) {
      // Ranks below+1 .. below+count, averaged.
      rankOf[v] = below + (counts[v] + 1) / 2;
      below += counts[v];
    }
    for (let i = 0; i < n; i++) ranks[i] = rankOf[values[i]];
    return ranks;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    const average = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = average;
    start = end;
  }
  return ranks;
}
