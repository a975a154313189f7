/**
 * Small helpers the notebooks share: which dataset an experiment used, its raw images for
 * pictures, which run a single-run notebook looks at, and the progress line of training.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { perClassCounts } from "../analysis/perClassCounts";
import { readCifarFolder } from "../data/cifar";
import { defaultDataRoot, readDigits } from "../data/digits";
import { readImageFolder } from "../data/imageFolder";
import { VALID_DATASETS } from "../data/index";
import { readMnistFolder } from "../data/idx";
import type { ImageSplit } from "../data/types";
import { ValueError } from "../errors";
import { EXPERIMENT_FILE } from "../runs/layout";
import { type ExperimentScan, type ScannedRun, scanExperiment } from "../runs/scan";
import type { TrainProgress } from "../train/loop";
import type { ProgressDisplay } from "./display";

/** Which dataset an experiment trains on: a name of VALID_DATASETS, plus the root for "folder". */
export interface DatasetRef {
  dataset: string;
  /** Root holding train/ and val/ (dataset "folder"). */
  folder?: string;
  /** Class-index file of a folder dataset (fixes class ids and names). */
  classIndex?: string;
  skipBadFiles?: boolean;
}

function datasetRefOf(config: Record<string, unknown> | undefined): DatasetRef | null {
  if (!config || typeof config.dataset !== "string") return null;
  const ref: DatasetRef = { dataset: config.dataset };
  if (typeof config.folder === "string") ref.folder = config.folder;
  if (typeof config.classIndex === "string") ref.classIndex = config.classIndex;
  if (typeof config.skipBadFiles === "boolean") ref.skipBadFiles = config.skipBadFiles;
  return ref;
}

/**
 * The dataset of an experiment: experiment.json's base config, else the first run's config,
 * else `fallback` (an experiment without runs yet).
 */
export function experimentDataset(experimentDir: string, fallback: string): DatasetRef {
  const definition = path.join(experimentDir, EXPERIMENT_FILE);
  if (fs.existsSync(definition)) {
    const ref = datasetRefOf((JSON.parse(fs.readFileSync(definition, "utf8")) as { base?: Record<string, unknown> }).base);
    if (ref) return ref;
  }
  if (fs.existsSync(experimentDir)) {
    for (const entry of fs.readdirSync(experimentDir).sort()) {
      const manifest = path.join(experimentDir, entry, "manifest.json");
      if (!fs.existsSync(manifest)) continue;
      const ref = datasetRefOf((JSON.parse(fs.readFileSync(manifest, "utf8")) as { config?: Record<string, unknown> }).config);
      if (ref) return ref;
    }
  }
  return { dataset: fallback };
}

/**
 * The raw training and test images of a dataset, for tables and pictures (no variants, no
 * normalization; exampleIds as in training). In-memory datasets are read from
 * `<dataRoot>/<name>/`; a folder dataset is listed (its images stay on disk).
 * @throws ValueError for an unknown dataset, FileFormatError for missing files.
 */
export async function readImageSplits(ref: DatasetRef, dataRoot: string = defaultDataRoot()): Promise<{ train: ImageSplit; test: ImageSplit }> {
  switch (ref.dataset) {
    case "digits":
      return readDigits(dataRoot);
    case "mnist":
    case "fashion-mnist":
      return readMnistFolder(path.join(dataRoot, ref.dataset), ref.dataset);
    case "cifar10":
    case "cifar100":
      return readCifarFolder(path.join(dataRoot, ref.dataset), ref.dataset);
    case "folder": {
      if (!ref.folder) throw new ValueError('readImageSplits: expected the root folder of dataset "folder" (config.folder), got none');
      const options = { name: "folder", classIndex: ref.classIndex, skipBadFiles: ref.skipBadFiles };
      const train = (await readImageFolder(path.join(ref.folder, "train"), { ...options, split: "train" })).images;
      const testRoot = ["val", "test"].map((name) => path.join(ref.folder!, name)).find((dir) => fs.existsSync(dir)) ?? path.join(ref.folder, "val");
      const test = (await readImageFolder(testRoot, { ...options, split: "test", classFolders: train.classFolders })).images;
      return { train, test: { ...test, classNames: train.classNames } };
    }
    default:
      throw new ValueError(`readImageSplits: expected one of ${VALID_DATASETS.join(", ")}, got ${JSON.stringify(ref.dataset)}`);
  }
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
export function classCounts(split: ImageSplit): Int32Array {
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
