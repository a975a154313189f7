/**
 * Reading the paper's follow-up studies for notebook 05: where they are, and the forgetting
 * histograms of flipped and clean examples of a label-noise variant (summed over its
 * completed seeds). Statistics come from src/forgetting and src/analysis.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { countMembers } from "../analysis/countMembers";
import { integerHistogram } from "../analysis/integerHistogram";
import { readNoisyMask } from "../analysis/noiseStudy";
import { exampleStats } from "../forgetting/exampleStats";
import { EXPERIMENT_FILE } from "../runs/layout";
import { readManifest } from "../runs/manifest";
import { readCorrectRecord } from "../runs/record";
import { presentedMask } from "../runs/scan";
import { sweepStatus } from "../runs/sweep";
import type { GroupHistogram } from "../figures/followUps";

/** Suffixes of the follow-up studies `forgetting study` writes beside the main experiment. */
export const REMOVAL_SUFFIX = "-removal";
export const NOISE_SUFFIX = "-noise";

/** The folders of an experiment's follow-up studies that exist (hold an experiment.json), else null. */
export function followUpStudies(experimentDir: string): { removal: string | null; noise: string | null } {
  const existing = (dir: string) => (fs.existsSync(path.join(dir, EXPERIMENT_FILE)) ? dir : null);
  return { removal: existing(`${experimentDir}${REMOVAL_SUFFIX}`), noise: existing(`${experimentDir}${NOISE_SUFFIX}`) };
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
