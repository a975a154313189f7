/**
 * The multi-seed study: what it reports about one epoch budget, from the per-run statistics
 * of its K seeds (the never-learned sets of all seeds, any seed and each seed, unforgettable
 * in all seeds, the forgetting ranking, seed-pair stability and histograms), and the whole
 * study of one experiment folder computed from run files alone (for each budget the analysis
 * of its seeds, data maps when the runs wrote true-class probabilities, the results table,
 * and the cross-budget nesting and "consistently never learned" sets).
 *
 * analyzeExperiment is the edge that reads files; analyzeBudget and every statistic it calls
 * are pure functions of the per-run statistics.
 *
 * Only presented examples count: a run trained on a subset (config.removeIds) says nothing
 * about the examples it never saw, so they are in none of its sets. What compares or
 * combines the seeds of a budget (all / any sets, ranking, Spearman, Jaccard) covers the
 * examples presented in every seed (`presentedAll`); per-seed counts and pooled histograms
 * cover each seed's own presented examples.
 */
import { ValueError } from "../core/errors";
import { type ExampleStats, exampleStatsFromFile } from "../runs/stats";
import { type ExperimentScan, presentedMask, readLogColumns, readRunExamples } from "../runs/scan";
import { type DataMap, dataMap, meanDataMap } from "./dataMap";
import { readRunDynamics } from "./dynamics";
import { type ScoreName, type Scores, confusionCounts, defaultEl2nEpochs, meanScores, mostFrequentWrongClass, runScores, scoreStability } from "./scores";
import { integerHistogram } from "./histograms";
import { type ForgettingRanking, forgettingRanking, forgettingScores, pairwiseMatrix, spearmanMatrix } from "./ranks";
import { type ResultsRow, type RunAccuracy, resultsTable } from "./results";
import { consistentlyNeverLearned, countMembers, intersection, jaccard, membersOf, type Nesting, nestingMatrix, perClassCounts, union } from "./sets";

export interface BudgetAnalysis {
  budget: number;
  /** Seeds in the order of every per-seed array below. */
  seeds: number[];
  nExamples: number;
  /** [nExamples] 0/1: presented in every seed's run; every cross-seed statistic below covers these only. */
  presentedAll: Uint8Array;
  /** [nSeeds] size of each seed's never-learned set (over the seed's presented examples). */
  neverLearnedPerSeed: number[];
  /** [nExamples] in how many seeds the example was never learned (0..K; 0 outside presentedAll). */
  neverLearnedSeedCount: Uint8Array;
  /** [nExamples] 0/1: never learned in all K seeds (the headline set). */
  neverLearnedAll: Uint8Array;
  /** [nExamples] 0/1: never learned in at least one seed. */
  neverLearnedAny: Uint8Array;
  /** [nExamples] 0/1: learned and never forgotten in every seed (summed score 0). */
  unforgettableAll: Uint8Array;
  ranking: ForgettingRanking;
  /** [nSeeds, nSeeds] Spearman correlation of forgetting counts (never learned = presentations) over presentedAll. */
  spearman: number[][];
  /** [nSeeds, nSeeds] Jaccard overlap of never-learned sets within presentedAll; NaN where both are empty. */
  jaccard: number[][];
  /** counts[e - 1] = examples first learned in epoch e, pooled over seeds; `never` = never-learned (example, seed) pairs. */
  firstLearnedHistogram: { counts: number[]; never: number };
  /** counts[c] = (example, seed) pairs with c forgetting events, learned examples only, pooled over seeds. */
  forgettingHistogram: number[];
  /** Per seed [nExamples] forgetting events, first learned epoch (-1 = never) and never-learned set. */
  perSeed: { forgettingEvents: Int32Array[]; firstLearnedEpoch: Int32Array[]; neverLearned: Uint8Array[] };
  /** Per-class sizes of each set, [nClasses] (per seed: [nSeeds][nClasses]); absent without labels. */
  perClass?: { neverLearnedAll: Int32Array; neverLearnedAny: Int32Array; unforgettableAll: Int32Array; neverLearnedPerSeed: Int32Array[] };
}

export interface AnalyzeBudgetOptions {
  budget: number;
  /** Seed of each run, in the order of `statsPerSeed`. */
  seeds: number[];
  /** [nExamples] class of each example, with nClasses, for per-class counts. */
  labels?: ArrayLike<number>;
  nClasses?: number;
  /** Seed of the ranking's order inside ties (see forgettingRanking); default 0. */
  tieSeed?: number;
}

/**
 * @param statsPerSeed exampleStats of each seed's run, all with the same nExamples.
 * @throws ValueError for no runs, unequal sizes or a seed list of the wrong length.
 */
export function analyzeBudget(statsPerSeed: readonly ExampleStats[], options: AnalyzeBudgetOptions): BudgetAnalysis {
  const { budget, seeds } = options;
  if (statsPerSeed.length === 0) throw new ValueError(`analyzeBudget: expected the runs of budget ${budget}, got none`);
  if (seeds.length !== statsPerSeed.length) {
    throw new ValueError(`analyzeBudget: expected ${statsPerSeed.length} seeds (one per run), got ${seeds.length}`);
  }
  const nExamples = statsPerSeed[0].nExamples;
  const presentedAll = intersection(statsPerSeed.map((s) => s.presented));
  const neverLearnedSets = statsPerSeed.map((s) => s.neverLearned);
  // Each seed's set cut to the examples every seed saw: the seeds are compared there only.
  const comparedSets = neverLearnedSets.map((set) => intersection([set, presentedAll]));
  const neverLearnedAll = intersection(comparedSets);
  const neverLearnedAny = union(comparedSets);
  const unforgettableAll = intersection(statsPerSeed.map((s) => s.unforgettable));
  const neverLearnedSeedCount = new Uint8Array(nExamples);
  for (const set of comparedSets) for (let i = 0; i < nExamples; i++) neverLearnedSeedCount[i] += set[i];

  const compared = membersOf(presentedAll);
  const scorePerSeed = statsPerSeed.map((s) => {
    const score = forgettingScores(s);
    return compared.map((i) => score[i]);
  });

  const firstCounts = new Array<number>(budget).fill(0);
  let never = 0;
  const forgettingCounts: number[] = [];
  for (const s of statsPerSeed) {
    const first = integerHistogram(s.firstLearnedEpoch, { mask: s.presented, maxValue: budget });
    for (let e = 1; e <= budget; e++) firstCounts[e - 1] += first.counts[e];
    never += first.skipped;
    const learned = new Uint8Array(nExamples);
    for (let i = 0; i < nExamples; i++) learned[i] = s.presented[i] & (s.neverLearned[i] ^ 1);
    const forgetting = integerHistogram(s.forgettingEvents, { mask: learned }).counts;
    forgetting.forEach((c, k) => (forgettingCounts[k] = (forgettingCounts[k] ?? 0) + c));
  }

  const analysis: BudgetAnalysis = {
    budget,
    seeds: [...seeds],
    nExamples,
    presentedAll,
    neverLearnedPerSeed: neverLearnedSets.map(countMembers),
    neverLearnedSeedCount,
    neverLearnedAll,
    neverLearnedAny,
    unforgettableAll,
    ranking: forgettingRanking(statsPerSeed, { tieSeed: options.tieSeed }),
    spearman: spearmanMatrix(scorePerSeed),
    jaccard: pairwiseMatrix(comparedSets, jaccard),
    firstLearnedHistogram: { counts: firstCounts, never },
    forgettingHistogram: forgettingCounts,
    perSeed: {
      forgettingEvents: statsPerSeed.map((s) => s.forgettingEvents),
      firstLearnedEpoch: statsPerSeed.map((s) => s.firstLearnedEpoch),
      neverLearned: neverLearnedSets,
    },
  };
  if (options.labels && options.nClasses) {
    const { labels, nClasses } = options;
    analysis.perClass = {
      neverLearnedAll: perClassCounts(neverLearnedAll, labels, nClasses),
      neverLearnedAny: perClassCounts(neverLearnedAny, labels, nClasses),
      unforgettableAll: perClassCounts(unforgettableAll, labels, nClasses),
      neverLearnedPerSeed: neverLearnedSets.map((set) => perClassCounts(set, labels, nClasses)),
    };
  }
  return analysis;
}

export interface ExperimentAnalysis {
  scan: ExperimentScan;
  /** [nExamples] class per example (from the first used run's examples.csv); null if unknown. */
  labels: Int32Array | null;
  /** [nExamples] example names (file paths); null if unknown. */
  exampleNames: string[] | null;
  classNames: string[];
  /** Ascending by budget. */
  budgets: BudgetAnalysis[];
  /** Per budget (same order): data map averaged over seeds, when every run has prob.f32. */
  dataMaps: (DataMap | null)[];
  /** Per budget (same order): the training-dynamics scores of its seeds (./scores.ts). */
  dynamics: BudgetDynamics[];
  /** Nesting of the never-learned-in-all-seeds sets, budgets in ascending order. */
  nesting: Nesting;
  /** [nBudgets][nExamples] never learned in all seeds of every budget up to this one. */
  consistentlyNeverLearned: Uint8Array[];
  results: ResultsRow[];
}

/** The scores of one budget's seeds. */
export interface BudgetDynamics {
  /** Per seed (BudgetAnalysis.seeds order) every score its records allow. */
  perSeed: Scores[];
  /** Mean over seeds of each score every seed has; NaN outside presentedAll. */
  mean: Scores;
  /** Mean pairwise Spearman per score over presentedAll. */
  stability: Partial<Record<ScoreName, number>>;
  /** The 1-based epochs EL2N was taken at. */
  el2nEpochs: number[];
  /** When every seed recorded predicted classes: each example's most frequent wrong class over seeds and epochs (-1: never wrong) and its count. */
  wrongClass: { mostFrequent: Int32Array; count: Int32Array } | null;
  /** [nClasses][nClasses] the never-learned-in-all-seeds set by true class (rows) and most frequent wrong class (columns); null without predicted classes or labels. */
  neverLearnedConfusion: number[][] | null;
}

export interface AnalyzeExperimentOptions {
  /** Called after each run is read: (runs done, runs total, runId). */
  onProgress?: (done: number, total: number, runId: string) => void;
  /** Seed of every budget's ranking order inside ties (see forgettingRanking); default 0. */
  tieSeed?: number;
  /** 1-based epochs EL2N is averaged over, those within each budget (none within it: the default); default defaultEl2nEpochs(budget) per budget. */
  el2nEpochs?: number[];
}

/**
 * @param scan the result of scanExperiment (which runs to use).
 * @throws ValueError if the scan has no usable run.
 */
export function analyzeExperiment(scan: ExperimentScan, options: AnalyzeExperimentOptions = {}): ExperimentAnalysis {
  if (!scan.dataset || scan.used.length === 0) {
    const why = scan.leftOut.length ? `; left out: ${scan.leftOut.map((l) => `${l.folder} (${l.reason})`).join(", ")}` : "";
    throw new ValueError(`analyzeExperiment: expected at least one usable run in ${scan.experimentDir}, got none${why}`);
  }
  const { nExamples, nClasses, classNames } = scan.dataset;
  const examples = readRunExamples(scan.used[0].dir, nExamples);
  const labels = examples?.labels ?? null;
  const exampleNames = examples && examples.names.some((n) => n !== "") ? examples.names : null;

  const budgets: BudgetAnalysis[] = [];
  const dataMaps: (DataMap | null)[] = [];
  const dynamics: BudgetDynamics[] = [];
  const accuracies: RunAccuracy[] = [];
  let done = 0;
  for (const { budget, seeds, runs } of scan.budgets) {
    const statsPerSeed = [];
    const maps: DataMap[] = [];
    const perSeed: Scores[] = [];
    const predicted: (Uint8Array | Uint16Array)[] = [];
    const chosen = options.el2nEpochs?.filter((e) => e <= budget);
    const el2nEpochs = chosen?.length ? chosen : defaultEl2nEpochs(budget);
    for (const run of runs) {
      const presented = presentedMask(run.manifest);
      // Streamed from the file: the whole record is only loaded when the float records need it.
      if (run.manifest.floatRecords.length === 0 && !run.manifest.config.recordPredicted) {
        const stats = exampleStatsFromFile(run.dir, nExamples, budget, { presented });
        statsPerSeed.push(stats);
        perSeed.push(runScores({ stats }));
      } else {
        const records = readRunDynamics(run.dir, run.manifest, budget);
        statsPerSeed.push(records.stats);
        perSeed.push(runScores(records, { el2nEpochs }));
        if (records.prob) maps.push(dataMap(records.prob, records.record, { presented }));
        if (records.predicted) predicted.push(records.predicted);
      }
      accuracies.push({ budget, seed: run.seed, acc: readLogColumns(run.dir)?.acc ?? [] });
      options.onProgress?.(++done, scan.used.length, run.runId);
    }
    const analysis = analyzeBudget(statsPerSeed, { budget, seeds, labels: labels ?? undefined, nClasses, tieSeed: options.tieSeed });
    budgets.push(analysis);
    dataMaps.push(maps.length === runs.length ? meanDataMap(maps) : null);
    const mean = meanScores(perSeed);
    for (const score of Object.values(mean)) for (let i = 0; i < nExamples; i++) if (!analysis.presentedAll[i]) score[i] = NaN;
    const wrongClass = labels && predicted.length === runs.length ? mostFrequentWrongClass(predicted, labels, nClasses, analysis.presentedAll) : null;
    dynamics.push({
      perSeed,
      mean,
      stability: scoreStability(perSeed, analysis.presentedAll),
      el2nEpochs,
      wrongClass,
      neverLearnedConfusion: wrongClass && labels ? confusionCounts(analysis.neverLearnedAll, labels, wrongClass.mostFrequent, nClasses) : null,
    });
  }
  const sets = budgets.map((b) => b.neverLearnedAll);
  return {
    scan,
    labels,
    exampleNames,
    classNames,
    budgets,
    dataMaps,
    dynamics,
    nesting: nestingMatrix(sets),
    consistentlyNeverLearned: consistentlyNeverLearned(sets),
    results: resultsTable(accuracies),
  };
}
