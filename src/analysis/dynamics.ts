/**
 * Training dynamics read from run files: each run's records (correctness, the float records
 * it wrote, its predicted classes) and scores, and the score comparison of a study (cross-seed
 * stability, label-noise detection and removal, per score). The statistics are the pure
 * functions of ./scores.ts; this module is the edge that reads files.
 */
import { readManifest } from "../runs/manifest";
import type { RunManifest } from "../runs/layout";
import { type CorrectRecord, readCorrectRecord, readFloatRecord, readPredictedRecord } from "../runs/record";
import { presentedMask } from "../runs/scan";
import { exampleStats } from "../runs/stats";
import { sweepStatusByVariant } from "../runs/status";
import { type RemovalResultRow, readNoisyMask, removalResults } from "./followUps";
import { type RunRecords, type ScoreName, VALID_SCORES, noiseAuc, runScores } from "./scores";

/** A run's records, with its predicted classes when it recorded them. */
export interface RunDynamics extends RunRecords {
  record: CorrectRecord;
  /** [nEpochs, nExamples] predicted class at each presentation; absent without predicted.u8/u16. */
  predicted?: Uint8Array | Uint16Array;
}

/**
 * Reads the first `nEpochs` epochs (default the run's budget) of every record a run wrote.
 * @throws FileFormatError if a record the manifest lists is missing or short.
 */
export function readRunDynamics(runDir: string, manifest: RunManifest, nEpochs = manifest.config.epochs): RunDynamics {
  const { nExamples, nClasses } = manifest.dataset;
  const record = readCorrectRecord(runDir, nExamples, nEpochs);
  const run: RunDynamics = { record, stats: exampleStats(record, { presented: presentedMask(manifest) }) };
  for (const name of manifest.floatRecords) run[name] = readFloatRecord(runDir, name, nExamples, nEpochs);
  if (manifest.config.recordPredicted) run.predicted = readPredictedRecord(runDir, nExamples, nClasses, nEpochs);
  return run;
}

/** One score's line of the comparison table. */
/** The score comparison's file in an experiment's analysis folder (written by `forgetting study`). */
export const SCORE_COMPARISON_FILE = "score-comparison.json";

export interface ScoreComparisonRow {
  score: ScoreName;
  /** Mean pairwise Spearman over the seeds of the main study's largest budget; NaN without 2 seeds. */
  stability: number;
  /** Per noise fraction: ROC AUC of the score as a detector of flipped labels, mean over seeds (NaN without runs). */
  noise: { labelNoise: number; auc: number; seeds: number }[];
  /** Per count removed: best test accuracy (mean over seeds) with the n easiest by this score removed, and with n random ones. */
  removal: { removed: number; fraction: number; acc: number; randomAcc: number; seeds: number }[];
}

/** The removal variant of a score: the n easiest by it (forgetting: the paper's least forgotten). */
function removalMethodOf(score: ScoreName): { method: string; score?: ScoreName } {
  return score === "forgetting" ? { method: "least-forgotten" } : { method: "easiest", score };
}

/**
 * Per score, the ROC AUC of each noise fraction's completed runs (their own scores against
 * their flipped ids, noise.json), mean over seeds.
 * @returns labelNoise -> score -> { auc (mean), seeds }.
 */
export function noiseScoreAucs(studyDir: string, options: { el2nEpochs?: readonly number[] } = {}): { labelNoise: number; auc: Partial<Record<ScoreName, number>>; seeds: number }[] {
  return sweepStatusByVariant(studyDir).map(({ variant, runs }) => {
    const sums: Partial<Record<ScoreName, number>> = {};
    let seeds = 0;
    for (const status of runs.filter((s) => s.state === "completed")) {
      const manifest = readManifest(status.dir);
      const scores = runScores(readRunDynamics(status.dir, manifest), options);
      const noisy = readNoisyMask(status.dir, manifest.dataset.nExamples);
      for (const name of VALID_SCORES) if (scores[name]) sums[name] = (sums[name] ?? 0) + noiseAuc(name, scores[name], noisy);
      seeds++;
    }
    const auc: Partial<Record<ScoreName, number>> = {};
    for (const name of VALID_SCORES) if (sums[name] !== undefined) auc[name] = sums[name] / seeds;
    return { labelNoise: Number(variant.meta?.labelNoise), auc, seeds };
  });
}

/**
 * The score comparison table (issue: which score finds mislabeled examples, which prunes best).
 * @param stability per score, from the main study (scoreStability of its largest budget).
 * @param options.noise the noise study's per-score AUCs (noiseScoreAucs), if it ran.
 * @param options.removal the removal study's results (removalResults), if it ran.
 * @returns one row per score the main study has.
 */
export function scoreComparison(
  stability: Partial<Record<ScoreName, number>>,
  options: { noise?: ReturnType<typeof noiseScoreAucs>; removal?: RemovalResultRow[] } = {},
): ScoreComparisonRow[] {
  const random = (options.removal ?? []).filter((r) => r.method === "random");
  return VALID_SCORES.filter((name) => stability[name] !== undefined).map((score) => {
    const { method } = removalMethodOf(score);
    const rows = (options.removal ?? []).filter((r) => r.method === method && (method !== "easiest" || r.score === score));
    return {
      score,
      stability: stability[score]!,
      noise: (options.noise ?? []).map((v) => ({ labelNoise: v.labelNoise, auc: v.auc[score] ?? NaN, seeds: v.seeds })),
      removal: rows.map((r) => ({ removed: r.removed, fraction: r.fraction, acc: r.mean, randomAcc: random.find((x) => x.removed === r.removed)?.mean ?? NaN, seeds: r.seeds.length })),
    };
  });
}

/** scoreComparison of a study's folders: the noise and removal studies beside it, when they exist. */
export function scoreComparisonOfStudies(stability: Partial<Record<ScoreName, number>>, studies: { noise: string | null; removal: string | null }, options: { el2nEpochs?: readonly number[] } = {}): ScoreComparisonRow[] {
  return scoreComparison(stability, {
    noise: studies.noise ? noiseScoreAucs(studies.noise, options) : undefined,
    removal: studies.removal ? removalResults(studies.removal) : undefined,
  });
}

/** The comparison rows as a flat table (one object per score), for a DataFrame or a CSV. */
export function scoreComparisonTable(rows: readonly ScoreComparisonRow[]): Record<string, string | number>[] {
  return rows.map((r) => {
    const out: Record<string, string | number> = { score: r.score, stability_spearman: r.stability };
    for (const n of r.noise) out[`noise_auc_${n.labelNoise}`] = n.auc;
    for (const m of r.removal) {
      out[`acc_removed_${m.removed}`] = m.acc;
      out[`acc_random_${m.removed}`] = m.randomAcc;
    }
    return out;
  });
}
