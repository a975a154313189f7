/**
 * The label-noise experiment (Toneva et al. 2019, section 5): train with a fraction of
 * training labels flipped to another class (the run records which, in noise.json), then
 * compare forgetting of flipped and clean examples, with the ROC AUC of the forgetting
 * score as a noisy-label detector.
 *
 * createNoiseStudy writes the study as an experiment with one variant per noise fraction;
 * `sweep` runs it; noiseResults reads the finished runs.
 */
import * as path from "node:path";
import { ValueError, checkInRange } from "../errors";
import { exampleStatsFromFile } from "../forgetting/exampleStatsFromFile";
import { type ExperimentConfig, writeExperimentConfig } from "../runs/experiment";
import { fieldFailure, readJsonFile } from "../runs/jsonFile";
import { readManifest } from "../runs/manifest";
import { presentedMask } from "../runs/scan";
import { NOISE_FILE } from "../runs/store";
import { sweepStatusByVariant } from "../runs/sweep";
import type { TrainConfig } from "../train/config";
import { type NoiseComparison, noiseComparison } from "./noiseComparison";

export interface NoiseStudyOptions {
  outputsRoot: string;
  name: string;
  /** Training config shared by all runs (without labelNoise, epochs, seed). */
  base: Partial<TrainConfig>;
  /** Noise fractions in (0, 1), e.g. [0.1, 0.2]. */
  fractions: number[];
  epochs: number;
  seeds: number | number[];
}

/**
 * Writes `<outputsRoot>/<name>/experiment.json` with a variant "noise-<fraction>" per
 * fraction (meta: labelNoise).
 * @returns the study's experiment folder.
 */
export function createNoiseStudy(options: NoiseStudyOptions): string {
  if (options.fractions.length === 0) throw new ValueError("createNoiseStudy: expected at least one noise fraction, got none");
  for (const f of options.fractions) {
    checkInRange("createNoiseStudy fractions", f, 0, 0.999999);
    if (f === 0) throw new ValueError("createNoiseStudy fractions: expected fractions > 0 (a clean run has no flipped labels to detect), got 0");
  }
  const base = { ...options.base };
  delete base.labelNoise;
  const study: ExperimentConfig = {
    name: options.name,
    base,
    budgets: [options.epochs],
    seeds: options.seeds,
    variants: [...options.fractions].sort((a, b) => a - b).map((f) => ({ name: `noise-${f}`, config: { labelNoise: f }, meta: { labelNoise: f } })),
  };
  return writeExperimentConfig(options.outputsRoot, study);
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
