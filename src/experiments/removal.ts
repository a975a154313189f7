/**
 * The removal experiment (Toneva et al. 2019, section 6): rank the training examples by
 * forgetting in finished full-data runs, then retrain with the n least forgotten removed,
 * and with n random examples removed as the control, over seeds, for several n; compare
 * test accuracy against the fraction removed.
 *
 * createRemovalStudy writes the study as an experiment with variants (see
 * src/config/experiment.ts), which `sweep` runs like any other; removalResults
 * (src/analysis/followUps.ts) collects the best test accuracy of its finished runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ValueError, checkInRange } from "../core/errors";
import { exampleStatsFromFile } from "../runs/stats";
import { type ExperimentConfig, type ExperimentVariant } from "../config/experiment";
import { EXPERIMENT_FILE } from "../runs/layout";
import { presentedMask, scanExperiment } from "../runs/scan";
import type { TrainConfig } from "../config/train";
import { forgettingRanking, NOT_RANKED, removalIds, tieBlocks, VALID_REMOVAL_METHODS } from "../analysis/ranks";
import { membersOf } from "../analysis/sets";
import { readExperimentConfig, writeExperimentConfig } from "../runs/experiment";
import { readRunDynamics } from "../analysis/dynamics";
import { type ScoreName, easiestFirst, meanScores, runScores } from "../analysis/scores";

export interface RemovalStudyOptions {
  /** Folder holding experiment folders. */
  outputsRoot: string;
  /** Experiment whose completed runs give the ranking. */
  source: string;
  /** Budget of the source runs to rank with; default the largest budget found. */
  sourceBudget?: number;
  /** Name of the new study experiment. */
  name: string;
  /** Numbers of examples to remove, e.g. [100, 200, 400]; give this or `fractions`. */
  counts?: number[];
  /** Or fractions of the examples "full" trains on (the ranked ones), e.g. [0.25, 0.5]; each rounded to a count. */
  fractions?: number[];
  /** Seeds of the retraining runs: a count or a list. */
  seeds: number | number[];
  /** Epochs of the retraining runs; default the source budget. */
  epochs?: number;
  /** Seed of the random control's draw (one fixed draw per n) and of the ranking's order inside ties. Default 0. */
  randomSeed?: number;
  /**
   * Scores that rank the examples (src/analysis/scores.ts), each giving its own variants of the
   * n easiest removed: "forgetting" the paper's least forgotten, any other "easiest-<score>-n<n>".
   * Default ["forgetting"]. The random control is shared.
   */
  rankBy?: readonly ScoreName[];
}

/**
 * Writes `<outputsRoot>/<name>/experiment.json` with variants "full" (nothing more removed),
 * "least-forgotten-n<n>" and "random-n<n>" for each n, and "easiest-<score>-n<n>" for each
 * other score of `rankBy` (meta: method "easiest", score); meta carries method, removed and
 * fraction (of the examples "full" trains on), and for least-forgotten the tie block the cut
 * falls in: tieSeed, tieScore (its summed score), tieBlock (its size) and tieDrawn (how many of
 * it are removed, a uniform draw when fewer than tieBlock). The base config is the source
 * experiment's (its experiment.json, else the config of its first used run without epochs and
 * seed). A source trained on a subset keeps it: the base keeps its trainFirst and removes
 * what any source run left out besides (the union of their removeIds), the n ids are drawn
 * among the examples every source run saw and each variant removes them on top.
 * @returns the study's experiment folder.
 * @throws ValueError if the source has no completed run of the budget, neither or both of
 *   counts and fractions are given, a count or fraction is out of range, or a score of
 *   `rankBy` needs a record the source runs did not write.
 */
export function createRemovalStudy(options: RemovalStudyOptions): string {
  if ((options.counts === undefined) === (options.fractions === undefined)) {
    throw new ValueError(`createRemovalStudy: expected counts or fractions (one of them), got ${options.counts ? "both" : "neither"}`);
  }
  for (const f of options.fractions ?? []) checkInRange("createRemovalStudy fractions", f, 0, 1);
  const sourceDir = path.join(options.outputsRoot, options.source);
  const scan = scanExperiment(sourceDir);
  const budget = options.sourceBudget ?? scan.budgets[scan.budgets.length - 1]?.budget;
  const group = scan.budgets.find((b) => b.budget === budget);
  if (!group || !scan.dataset) {
    throw new ValueError(`createRemovalStudy: expected completed runs of budget ${budget ?? "(any)"} in ${sourceDir}, got budgets [${scan.budgets.map((b) => b.budget).join(", ")}]`);
  }
  const ranking = forgettingRanking(
    group.runs.map((run) => exampleStatsFromFile(run.dir, run.manifest.dataset.nExamples, run.budget, { presented: presentedMask(run.manifest) })),
    { tieSeed: options.randomSeed },
  );
  const blocks = tieBlocks(ranking);
  const rankBy = options.rankBy ?? ["forgetting"];
  const others = rankBy.filter((name) => name !== "forgetting");
  const easiest = new Map<ScoreName, Int32Array>();
  if (others.length) {
    const mean = meanScores(group.runs.map((run) => runScores(readRunDynamics(run.dir, run.manifest, run.budget))));
    for (const name of others) {
      const score = mean[name];
      if (!score) throw new ValueError(`createRemovalStudy: rankBy "${name}": expected source runs with the float records it needs (recordFloats margin for aum, prob for confidence/variability/correctness, el2n, loss), got runs recording [${group.runs[0].manifest.floatRecords.join(", ")}]`);
      easiest.set(name, easiestFirst(name, score, { tieSeed: options.randomSeed }));
    }
  }
  let base: Partial<TrainConfig>;
  if (fs.existsSync(path.join(sourceDir, EXPERIMENT_FILE))) base = { ...readExperimentConfig(sourceDir).base };
  else {
    const { epochs: _epochs, seed: _seed, ...rest } = group.runs[0].manifest.config;
    base = rest;
  }
  // The ranking covers the examples presented in every source run; the rest stay out of every
  // variant (those past the base's trainFirst already are, so they are not listed).
  const first = base.trainFirst ?? ranking.rank.length;
  const sourceRemoved = membersOf(Uint8Array.from(ranking.rank, (r, id) => (r === NOT_RANKED && id < first ? 1 : 0)));
  if (sourceRemoved.length) base.removeIds = Array.from(sourceRemoved);
  else delete base.removeIds;
  const nTrained = ranking.order.length;
  const variants: ExperimentVariant[] = [{ name: "full", config: {}, meta: { method: "none", removed: 0, fraction: 0 } }];
  const counts = options.counts ?? options.fractions!.map((f) => Math.round(f * nTrained));
  for (const n of [...counts].sort((a, b) => a - b)) {
    for (const method of VALID_REMOVAL_METHODS) {
      if (method === "least-forgotten" && !rankBy.includes("forgetting")) continue;
      const ids = removalIds(ranking, { method, n, seed: options.randomSeed ?? 0 });
      const removeIds = [...sourceRemoved, ...ids].sort((a, b) => a - b);
      const cut = method === "least-forgotten" ? blocks.find((b) => b.start < n && n <= b.start + b.size) : undefined;
      const tie: Record<string, number> = cut ? { tieSeed: ranking.tieSeed, tieScore: cut.score, tieBlock: cut.size, tieDrawn: n - cut.start } : {};
      variants.push({ name: `${method}-n${n}`, config: { removeIds }, meta: { method, removed: n, fraction: n / nTrained, ...tie } });
    }
    for (const [score, order] of easiest) {
      if (n > order.length) throw new ValueError(`createRemovalStudy: expected at most ${order.length} examples to remove (those scored in every source run), got ${n}`);
      const removeIds = [...sourceRemoved, ...Array.from(order.slice(0, n))].sort((a, b) => a - b);
      variants.push({ name: `easiest-${score}-n${n}`, config: { removeIds }, meta: { method: "easiest", score, removed: n, fraction: n / nTrained } });
    }
  }
  const study: ExperimentConfig = { name: options.name, base, budgets: [options.epochs ?? budget], seeds: options.seeds, variants };
  return writeExperimentConfig(options.outputsRoot, study);
}
