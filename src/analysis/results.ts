/**
 * The reference study's results table: best test accuracy of each run (max over epochs of
 * log.csv's `acc`), per budget and seed, with the mean and standard deviation over seeds.
 */

export interface RunAccuracy {
  budget: number;
  seed: number;
  /** [nEpochs] test accuracy per epoch (NaN where not logged). */
  acc: readonly number[];
}

export interface ResultsRow {
  budget: number;
  /** Seeds, ascending. */
  seeds: number[];
  /** Best accuracy per seed, in the order of `seeds`; NaN for a run without any accuracy. */
  best: number[];
  /** Epoch (1-based) of each best accuracy; null if none. */
  bestEpoch: (number | null)[];
  /** Mean of `best` over seeds with a value; NaN if none. */
  mean: number;
  /** Sample standard deviation (n - 1) of `best`; NaN with fewer than 2 values. */
  std: number;
}

/** @returns one row per budget, ascending by budget. */
export function resultsTable(runs: readonly RunAccuracy[]): ResultsRow[] {
  const budgets = [...new Set(runs.map((r) => r.budget))].sort((a, b) => a - b);
  return budgets.map((budget) => {
    const group = runs.filter((r) => r.budget === budget).sort((a, b) => a.seed - b.seed);
    const best: number[] = [];
    const bestEpoch: (number | null)[] = [];
    for (const run of group) {
      let value = NaN;
      let epoch: number | null = null;
      run.acc.forEach((a, e) => {
        if (Number.isFinite(a) && !(a <= value)) {
          value = a;
          epoch = e + 1;
        }
      });
      best.push(value);
      bestEpoch.push(epoch);
    }
    const valid = best.filter(Number.isFinite);
    const mean = valid.length ? valid.reduce((s, v) => s + v, 0) / valid.length : NaN;
    const std = valid.length > 1 ? Math.sqrt(valid.reduce((s, v) => s + (v - mean) ** 2, 0) / (valid.length - 1)) : NaN;
    return { budget, seeds: group.map((r) => r.seed), best, bestEpoch, mean, std };
  });
}
