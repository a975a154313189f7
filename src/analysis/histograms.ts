/** Histogram of non-negative integer values (forgetting counts, first learned epochs). */
import { ValueError } from "../core/errors";

export interface IntegerHistogramOptions {
  /** [n] 1 for values to count; absent: all. */
  mask?: Uint8Array;
  /** Bins 0..maxValue (default: the largest counted value). */
  maxValue?: number;
}

/**
 * @param values [n] integers >= 0; negative values (e.g. NEVER_LEARNED_EPOCH) are skipped
 *   and counted in `skipped`.
 * @returns counts [maxValue + 1] with counts[v] = how many values equal v.
 */
export function integerHistogram(values: ArrayLike<number>, options: IntegerHistogramOptions = {}): { counts: number[]; skipped: number } {
  const { mask } = options;
  if (mask && mask.length !== values.length) throw new ValueError(`integerHistogram: expected mask of length ${values.length}, got ${mask.length}`);
  let max = options.maxValue ?? -1;
  if (options.maxValue === undefined) for (let i = 0; i < values.length; i++) if ((!mask || mask[i]) && values[i] > max) max = values[i];
  const counts = new Array<number>(max + 1).fill(0);
  let skipped = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    const v = values[i];
    if (v < 0) skipped++;
    else if (v > max) throw new ValueError(`integerHistogram: expected values <= maxValue ${max}, got ${v}`);
    else counts[v]++;
  }
  return { counts, skipped };
}
