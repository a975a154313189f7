/**
 * Small helpers the notebooks share: which dataset an experiment used, its raw images for
 * pictures, which run a single-run notebook looks at, and the progress line of training.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { perClassCounts } from "../analysis/perClassCounts";
import { readDigits } from "../data/digits";
import type { InMemoryImages } from "../data/types";
import { ValueError } from "../errors";
import { EXPERIMENT_FILE } from "../runs/layout";
import { type ExperimentScan, type ScannedRun, scanExperiment } from "../runs/scan";
import type { TrainProgress } from "../train/loop";
import type { ProgressDisplay } from "./display";

/**
 * The dataset name of an experiment: experiment.json's base.dataset, else the first run's
 * config.dataset, else `fallback` (an experiment without runs yet).
 */
export function experimentDatasetName(experimentDir: string, fallback: string): string {
  const definition = path.join(experimentDir, EXPERIMENT_FILE);
  if (fs.existsSync(definition)) {
    const base = (JSON.parse(fs.readFileSync(definition, "utf8")) as { base?: { dataset?: unknown } }).base;
    if (typeof base?.dataset === "string") return base.dataset;
  }
  if (fs.existsSync(experimentDir)) {
    for (const entry of fs.readdirSync(experimentDir).sort()) {
      const manifest = path.join(experimentDir, entry, "manifest.json");
      if (!fs.existsSync(manifest)) continue;
      const dataset = (JSON.parse(fs.readFileSync(manifest, "utf8")) as { config?: { dataset?: unknown } }).config?.dataset;
      if (typeof dataset === "string") return dataset;
    }
  }
  return fallback;
}

/**
 * The raw training and test images of a dataset, for tables and pictures (no variants, no
 * normalization). Embedded digits only for now; other datasets raise a clear error.
 */
export function readImageSplits(dataset: string, dataRoot?: string): { train: InMemoryImages; test: InMemoryImages } {
  if (dataset === "digits") return readDigits(dataRoot);
  throw new ValueError(`readImageSplits: expected dataset "digits" (the notebooks' pictures read only the embedded digits so far), got ${JSON.stringify(dataset)}`);
}

/**
 * The run a single-run notebook shows: the given budget and seed when present, otherwise
 * the smallest seed of the largest budget.
 * @throws ValueError when the scan has no usable run.
 */
export function chooseRun(scan: ExperimentScan, options: { budget?: number; seed?: number } = {}): ScannedRun {
  if (scan.budgets.length === 0) {
    throw new ValueError(`chooseRun: expected a usable run in ${scan.experimentDir}, got none (${scan.leftOut.length} left out); run \`forgetting study\` or a sweep first`);
  }
  const budget = scan.budgets.find((b) => b.budget === options.budget) ?? scan.budgets[scan.budgets.length - 1];
  return budget.runs.find((r) => r.seed === options.seed) ?? budget.runs[0];
}

/** One line of training progress: epoch, batch, loss, accuracy, throughput and ETA. */
export function formatProgress(p: TrainProgress): string {
  const eta = Number.isFinite(p.etaSeconds) ? `, ETA ${p.etaSeconds < 90 ? `${Math.round(p.etaSeconds)} s` : `${(p.etaSeconds / 60).toFixed(1)} min`}` : "";
  const phase = p.phase === "eval" ? " (evaluating)" : "";
  return `epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}${phase}: loss ${p.loss.toFixed(4)}, acc ${(p.acc * 100).toFixed(1)}%, lr ${p.lr.toPrecision(3)}, ${Math.round(p.imagesPerSec).toLocaleString("en-US")} img/s${eta}`;
}

/**
 * An onProgress callback for train() that rewrites `display` at most every `intervalMs`
 * milliseconds, and always at an epoch's last batch (so the final state is shown).
 */
export function trainingProgress(display: ProgressDisplay, intervalMs = 250): (p: TrainProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < intervalMs && !(p.batch === p.batches && p.phase === "train")) return;
    last = now;
    display.update(formatProgress(p));
  };
}

/** Examples per class of a split, [nClasses]. */
export function classCounts(split: InMemoryImages): Int32Array {
  return perClassCounts(new Uint8Array(split.labels.length).fill(1), split.labels, split.classNames.length);
}

/** scanExperiment of `experimentDir`, or null when the folder does not exist yet. */
export function scanIfPresent(experimentDir: string): ExperimentScan | null {
  return fs.existsSync(experimentDir) ? scanExperiment(experimentDir) : null;
}

/** A fresh temporary outputs folder for throw-away runs (notebook 02's demo). */
export function scratchOutputsRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-demo-"));
}
