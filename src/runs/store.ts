/**
 * Creating a run folder and writing its descriptive files (see ./layout.ts):
 * manifest.json, examples.csv, dataset.json (the data variant: transforms, normalization,
 * split checksums), noise.json (flipped labels, when label noise is on) and log.csv.
 * Every write is atomic.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ValueError } from "../core/errors";
import { csvField } from "../core/csv";
import { makeDirectory, writeFileAtomic, writeJsonAtomic } from "../core/atomic";
import { EXAMPLES_FILE, EXAMPLE_ID_COLUMN, type EnvironmentInfo, LOG_COLUMNS, LOG_FILE, MANIFEST_FILE, type RunManifest, SCHEMA_VERSION, runDir, type LogRow } from "./layout";
import { writeManifest } from "./manifest";
import { checkFolderName } from "../core/paths";

/** The data variant of the run: transforms, normalization, split checksums (noise ids in noise.json). */
const DATASET_FILE = "dataset.json";
/** Label noise of the run: fraction, seed and every flipped exampleId with both labels. */
export const NOISE_FILE = "noise.json";

/** A new run id: 10 characters of nanoid's URL-safe alphabet. */
export async function newRunId(): Promise<string> {
  // nanoid 5 is ESM-only; a dynamic import keeps this module CommonJS.
  const { nanoid } = await import("nanoid");
  return nanoid(10);
}

/** The project's git commit and whether tracked files differ from it; nulls outside a repository. */
export function gitState(cwd = path.resolve(__dirname, "../..")): { commit: string | null; dirty: boolean | null } {
  const git = (args: string[]) => execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8" }).trim();
  try {
    const commit = git(["rev-parse", "HEAD"]);
    const dirty = git(["status", "--porcelain", "--untracked-files=no"]).length > 0;
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** examples.csv text: example_id,label,name per training example (label as trained, after noise). */
export function examplesCsv(labels: Int32Array, names?: readonly string[]): string {
  const lines = [`${EXAMPLE_ID_COLUMN},label,name`];
  for (let id = 0; id < labels.length; id++) lines.push(`${id},${labels[id]},${csvField(names?.[id])}`);
  return lines.join("\n") + "\n";
}

/** The label noise a run trained with: which exampleIds were flipped. */
interface LabelNoiseRecord {
  fraction: number;
  seed: number;
  noisyIds: number[];
}

/**
 * What createRun records of the data a run trains on (data/'s OpenedDataset has this shape):
 * the training split's identity and labels, and the variant, written whole as dataset.json.
 */
interface RunData {
  train: {
    datasetId: string;
    checksum: string;
    nExamples: number;
    nClasses: number;
    classNames: string[];
    /** [nExamples] label of each exampleId as trained (after label noise). */
    labels: Int32Array;
    exampleNames?: string[];
    subsetIds?: Int32Array;
  };
  variant: { labelNoise?: LabelNoiseRecord };
}

export interface CreateRunOptions {
  outputsRoot: string;
  experiment: string;
  runId: string;
  /** The resolved TrainConfig. */
  config: RunManifest["config"];
  data: RunData;
  environment: EnvironmentInfo;
}

/**
 * Creates `<outputsRoot>/<experiment>/<runId>/` with examples.csv, dataset.json, noise.json
 * (if label noise is on), then manifest.json (status "running", 0 epochs), written last so
 * a folder without a manifest is known to be an unfinished creation.
 * @throws ValueError if the folder already holds a manifest (resume it instead).
 */
export function createRun(options: CreateRunOptions): { dir: string; manifest: RunManifest } {
  const { data } = options;
  const dir = runDir(options.outputsRoot, checkFolderName("createRun experiment", options.experiment), checkFolderName("createRun runId", options.runId));
  if (fs.existsSync(path.join(dir, MANIFEST_FILE))) {
    throw new ValueError(`createRun: expected a new run folder, got an existing run at ${dir}`);
  }
  makeDirectory(dir);
  writeFileAtomic(path.join(dir, EXAMPLES_FILE), examplesCsv(data.train.labels, data.train.exampleNames));
  const { labelNoise, ...variant } = data.variant;
  writeJsonAtomic(path.join(dir, DATASET_FILE), { ...variant, labelNoise: labelNoise ? { fraction: labelNoise.fraction, seed: labelNoise.seed, count: labelNoise.noisyIds.length } : null });
  if (labelNoise) writeJsonAtomic(path.join(dir, NOISE_FILE), noiseRecord(labelNoise, data.train.labels));
  const now = new Date().toISOString();
  const manifest: RunManifest = {
    schemaVersion: SCHEMA_VERSION,
    runId: options.runId,
    experiment: options.experiment,
    status: "running",
    config: options.config,
    dataset: {
      id: data.train.datasetId,
      checksum: data.train.checksum,
      nExamples: data.train.nExamples,
      nClasses: data.train.nClasses,
      classNames: data.train.classNames,
      ...(data.train.subsetIds ? { subsetSize: data.train.subsetIds.length } : {}),
    },
    environment: options.environment,
    git: gitState(),
    epochsCompleted: 0,
    floatRecords: [...options.config.recordFloats],
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
  writeManifest(dir, manifest);
  return { dir, manifest };
}

/** noise.json content: which exampleIds were flipped, to which label. */
function noiseRecord(noise: LabelNoiseRecord, trainedLabels: Int32Array) {
  return {
    fraction: noise.fraction,
    seed: noise.seed,
    count: noise.noisyIds.length,
    noisyIds: noise.noisyIds,
    noisyLabels: noise.noisyIds.map((id) => trainedLabels[id]),
  };
}

function formatLogValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "";
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(7)));
}

/** Writes log.csv (LOG_COLUMNS header + one row per epoch) atomically; readLog (./scan.ts) reads it back. */
export function writeLog(dir: string, rows: readonly LogRow[]): void {
  const lines = [LOG_COLUMNS.join(","), ...rows.map((r) => LOG_COLUMNS.map((c) => formatLogValue(r[c])).join(","))];
  writeFileAtomic(path.join(dir, LOG_FILE), lines.join("\n") + "\n");
}
