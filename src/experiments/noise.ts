/**
 * The label-noise experiment (Toneva et al. 2019, section 5): train with a fraction of
 * training labels flipped to another class (the run records which, in noise.json), then
 * compare forgetting of flipped and clean examples, with the ROC AUC of the forgetting
 * score as a noisy-label detector.
 *
 * createNoiseStudy writes the study as an experiment with one variant per noise fraction;
 * `sweep` runs it; noiseResults (src/analysis/followUps.ts) reads the finished runs.
 */
import { ValueError, checkInRange } from "../core/errors";
import { type ExperimentConfig } from "../config/experiment";
import type { TrainConfig } from "../config/train";
import { writeExperimentConfig } from "../runs/experiment";

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
