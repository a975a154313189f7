/**
 * Results of the paper's follow-up studies, read from their run files: the removal study's
 * best test accuracy per variant, the label-noise study's detection of flipped labels by
 * forgetting (ROC AUC, mean scores) and its forgetting histograms of flipped and clean
 * examples; with the pure statistics behind the noise study (rocAuc, noiseComparison of one run).
 */
import * as path from "node:path";
import { checkSameLength } from "../core/errors";
import { fieldFailure, readJsonFile } from "../core/jsonFile";
import { type ExampleStats, exampleStats, exampleStatsFromFile } from "../runs/stats";
import { readManifest } from "../runs/manifest";
import { readCorrectRecord } from "../runs/record";
import { presentedMask } from "../runs/scan";
import { sweepStatus, sweepStatusByVariant } from "../runs/status";
import { NOISE_FILE } from "../runs/store";
import { integerHistogram } from "./histograms";
import { averageRanks, forgettingScores } from "./ranks";
import { resultsTable } from "./results";
import { countMembers } from "./sets";

export interface RemovalResultRow {
  variant: string;
  /** "least-forgotten", "easiest" (by `score`), "random" or "none" (full). */
  method: string;
  /** The score of an "easiest" variant (see ./scores.ts); "" otherwise. */
  score: string;
  removed: number;
  /** removed / the examples the "full" variant trains on (all, unless the source trained a subset). */
  fraction: number;
  seeds: number[];
  /** Best test accuracy per completed seed, [0, 1]. */
  best: number[];
  mean: number;
  std: number;
  /** Seeds whose run is not completed yet. */
  missingSeeds: number[];
}

/**
 * The test accuracy of every variant of a removal study (completed runs only).
 * @throws FileFormatError if the study has no valid experiment.json.
 */
export function removalResults(studyDir: string): RemovalResultRow[] {
  return sweepStatusByVariant(studyDir).map(({ variant, runs }) => {
    const done = runs.filter((s) => s.state === "completed" && s.bestAcc !== null);
    const row = resultsTable(done.map((s) => ({ budget: s.budget, seed: s.seed, acc: [s.bestAcc!] })))[0];
    return {
      variant: variant.name,
      method: String(variant.meta?.method ?? ""),
      score: String(variant.meta?.score ?? ""),
      removed: Number(variant.meta?.removed ?? 0),
      fraction: Number(variant.meta?.fraction ?? 0),
      seeds: row?.seeds ?? [],
      best: row?.best ?? [],
      mean: row?.mean ?? NaN,
      std: row?.std ?? NaN,
      missingSeeds: runs.filter((s) => !done.includes(s)).map((s) => s.seed),
    };
  });
}

/**
 * Area under the ROC curve of a score as a detector of positives (e.g. forgetting count as
 * a detector of flipped labels, Toneva et al. 2019 section 5), computed as the
 * Mann-Whitney statistic: the probability that a random positive scores higher than a
 * random negative, ties counting one half.
 * @param scores [n] detector score per example (higher = more likely positive).
 * @param positive [n] 1 for positives (e.g. flipped labels), 0 for negatives.
 * @param options.mask [n] 1 for examples to include (default all).
 * @returns AUC in [0, 1]; NaN when there is no positive or no negative (undefined).
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<number>, options: { mask?: ArrayLike<number> } = {}): number {
  checkSameLength("rocAuc", { scores: scores.length, positive: positive.length, ...(options.mask ? { mask: options.mask.length } : {}) });
  const kept: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!options.mask || options.mask[i]) kept.push(i);
  const ranks = averageRanks(kept.map((i) => scores[i]));
  let nPositive = 0;
  let positiveRankSum = 0;
  kept.forEach((i, k) => {
    if (positive[i]) {
      nPositive++;
      positiveRankSum += ranks[k];
    }
  });
  const nNegative = kept.length - nPositive;
  if (nPositive === 0 || nNegative === 0) return NaN;
  // U = rank sum of positives minus its smallest possible value; AUC = U / (nPos * nNeg).
  return (positiveRankSum - (nPositive * (nPositive + 1)) / 2) / (nPositive * nNegative);
}

/** Forgetting of one group of examples (flipped or clean) in one run. */
export interface GroupForgetting {
  count: number;
  /** Mean of the per-example forgetting score (forgetting events; presentations if never learned). */
  meanScore: number;
  /** Mean forgetting events over learned examples only; NaN if none was learned. */
  meanForgettingEvents: number;
  /** Fraction never learned. */
  neverLearned: number;
  /** Fraction unforgettable. */
  unforgettable: number;
}

export interface NoiseComparison {
  noisy: GroupForgetting;
  clean: GroupForgetting;
  /** ROC AUC of the forgetting score as a detector of flipped labels (0.5 = chance). */
  auc: number;
}

/**
 * Forgetting of examples with flipped labels versus clean ones in one run (Toneva et al.
 * 2019, section 5: noisy examples are forgotten much more often).
 * @param stats exampleStats of a run trained with label noise.
 * @param noisy [nExamples] 1 for flipped examples. Examples not presented are left out.
 */
export function noiseComparison(stats: ExampleStats, noisy: Uint8Array): NoiseComparison {
  const n = checkSameLength("noiseComparison", { "stats.nExamples": stats.nExamples, noisy: noisy.length });
  const score = forgettingScores(stats);
  const group = (want: number): GroupForgetting => {
    let count = 0;
    let scoreSum = 0;
    let learned = 0;
    let eventsSum = 0;
    let never = 0;
    let unforgettable = 0;
    for (let i = 0; i < n; i++) {
      if (!stats.presented[i] || noisy[i] !== want) continue;
      count++;
      scoreSum += score[i];
      never += stats.neverLearned[i];
      unforgettable += stats.unforgettable[i];
      if (!stats.neverLearned[i]) {
        learned++;
        eventsSum += stats.forgettingEvents[i];
      }
    }
    return {
      count,
      meanScore: count ? scoreSum / count : NaN,
      meanForgettingEvents: learned ? eventsSum / learned : NaN,
      neverLearned: count ? never / count : NaN,
      unforgettable: count ? unforgettable / count : NaN,
    };
  };
  return { noisy: group(1), clean: group(0), auc: rocAuc(score, noisy, { mask: stats.presented }) };
}

/**
 * The flipped ids of a run, from its noise.json.
 * @returns [nExamples] 1 for flipped examples.
 * @throws FileFormatError if noise.json is missing or holds ids out of range.
 */
export function readNoisyMask(runDir: string, nExamples: number): Uint8Array {
  const file = path.join(runDir, NOISE_FILE);
  const value = readJsonFile(file, "label-noise record is missing (the run was trained without labelNoise?)") as { noisyIds?: unknown };
  const fail = fieldFailure(file);
  const ids = value.noisyIds;
  if (!Array.isArray(ids)) return fail("noisyIds", "an array of exampleIds", ids);
  const mask = new Uint8Array(nExamples);
  for (const id of ids as unknown[]) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= nExamples) return fail("noisyIds", `ids in [0, ${nExamples})`, id);
    mask[id] = 1;
  }
  return mask;
}

export interface NoiseRunResult extends NoiseComparison {
  variant: string;
  labelNoise: number;
  seed: number;
  runId: string;
}

export interface NoiseVariantResult {
  variant: string;
  labelNoise: number;
  runs: NoiseRunResult[];
  /** Mean over seeds of the per-run AUC. */
  meanAuc: number;
  /** Mean over seeds of the mean forgetting score of flipped / clean examples. */
  meanScoreNoisy: number;
  meanScoreClean: number;
  missingSeeds: number[];
}

/** Forgetting of flipped vs clean examples in every completed run of a noise study. */
export function noiseResults(studyDir: string): NoiseVariantResult[] {
  const mean = (values: number[]) => (values.length ? values.reduce((s, v) => s + v, 0) / values.length : NaN);
  return sweepStatusByVariant(studyDir).map(({ variant, runs: rows }) => {
    const runs: NoiseRunResult[] = rows
      .filter((s) => s.state === "completed")
      .map((s) => {
        const manifest = readManifest(s.dir);
        const { nExamples } = manifest.dataset;
        const stats = exampleStatsFromFile(s.dir, nExamples, manifest.config.epochs, { presented: presentedMask(manifest) });
        return { variant: variant.name, labelNoise: Number(variant.meta?.labelNoise), seed: s.seed, runId: s.runId, ...noiseComparison(stats, readNoisyMask(s.dir, nExamples)) };
      });
    return {
      variant: variant.name,
      labelNoise: Number(variant.meta?.labelNoise),
      runs,
      meanAuc: mean(runs.map((r) => r.auc)),
      meanScoreNoisy: mean(runs.map((r) => r.noisy.meanScore)),
      meanScoreClean: mean(runs.map((r) => r.clean.meanScore)),
      missingSeeds: rows.filter((s) => s.state !== "completed").map((s) => s.seed),
    };
  });
}

/** A forgetting histogram of one group of examples, pooled over seeds. */
export interface GroupHistogram {
  /** counts[k] = learned examples with k forgetting events. */
  counts: readonly number[];
  /** Examples never learned. */
  never: number;
}

/**
 * Forgetting-event histograms of flipped and clean examples over the completed runs of one
 * variant of a label-noise study, counts summed over seeds.
 */
export function noiseHistograms(studyDir: string, variant: string): { noisy: GroupHistogram; clean: GroupHistogram; runs: number } {
  const noisy: GroupHistogram = { counts: [], never: 0 };
  const clean: GroupHistogram = { counts: [], never: 0 };
  const add = (into: GroupHistogram, counts: number[], never: number) => {
    const sum = into.counts as number[];
    counts.forEach((c, k) => (sum[k] = (sum[k] ?? 0) + c));
    into.never += never;
  };
  let runs = 0;
  for (const status of sweepStatus(studyDir)) {
    if (status.variant !== variant || status.state !== "completed") continue;
    const manifest = readManifest(status.dir);
    const n = manifest.dataset.nExamples;
    const stats = exampleStats(readCorrectRecord(status.dir, n, manifest.config.epochs), { presented: presentedMask(manifest) });
    const flipped = readNoisyMask(status.dir, n);
    for (const [group, want] of [[noisy, 1], [clean, 0]] as const) {
      const learned = new Uint8Array(n);
      const never = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const member = stats.presented[i] && flipped[i] === want ? 1 : 0;
        learned[i] = member & (stats.neverLearned[i] ^ 1);
        never[i] = member & stats.neverLearned[i];
      }
      add(group, integerHistogram(stats.forgettingEvents, { mask: learned }).counts, countMembers(never));
    }
    runs++;
  }
  return { noisy, clean, runs };
}
