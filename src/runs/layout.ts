/**
 * Where run files live and what each one holds. This is the contract between training
 * (which writes them) and analysis (which reads only them, so runs made on another machine
 * can be dropped into an experiment folder).
 *
 *   outputs/<experiment>/experiment.json          the sweep: base config, budgets, seeds
 *   outputs/<experiment>/<runId>/manifest.json    RunManifest (below)
 *   outputs/<experiment>/<runId>/log.csv          one row per epoch (LOG_COLUMNS)
 *   outputs/<experiment>/<runId>/correct.bits     correctness record, see CORRECT_FILE
 *   outputs/<experiment>/<runId>/loss.f32         optional float records, see FLOAT_RECORDS and FLOAT_STORAGE
 *   outputs/<experiment>/<runId>/margin.f32       (.f16 or .q8 with floatStorage float16 / q8)
 *   outputs/<experiment>/<runId>/prob.f32
 *   outputs/<experiment>/<runId>/el2n.f32
 *   outputs/<experiment>/<runId>/predicted.u8     optional predicted-class record (.u16 beyond 256 classes), see predictedFile
 *   outputs/<experiment>/<runId>/examples.csv     example_id,label,name (label as trained, after noise)
 *   outputs/<experiment>/<runId>/stats.csv        per-example statistics (derived; analysis recomputes)
 *   outputs/<experiment>/<runId>/checkpoint/      weights + optimizer state + epoch (mid-epoch: + partial record, position) for resume (no RNG state: see ./checkpoint.ts)
 *   outputs/<experiment>/reports/                 executed notebooks and HTML reports
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ValueError } from "../core/errors";
import type { FloatRecordName, FloatStorage, ResolvedTrainConfig } from "../config/train";

/** Current version of the run-file schema, stored in every manifest. */
export const SCHEMA_VERSION = 1;

/**
 * The correctness record: `nEpochs` rows appended one per finished epoch, each row
 * `ceil(nExamples / 8)` bytes. Bit `exampleId` of a row is byte `exampleId >> 3`, bit
 * `exampleId & 7` (least significant first): 1 if that example was classified correctly
 * at its presentation in that epoch. Only whole rows count; the manifest's
 * `epochsCompleted` says how many rows are valid.
 */
export const CORRECT_FILE = "correct.bits";

/** Optional per-example float records in float32 storage: float32 little-endian, [nEpochs, nExamples]. */
export const FLOAT_RECORDS: Record<FloatRecordName, string> = { loss: "loss.f32", margin: "margin.f32", prob: "prob.f32", el2n: "el2n.f32" };

/**
 * The storages of a float record: file extension and bytes of one row of nExamples values.
 * - float32 (`<name>.f32`): [nEpochs, nExamples] float32 little-endian; NaN = not presented.
 * - float16 (`<name>.f16`): [nEpochs, nExamples] IEEE 754 half little-endian, rounded to
 *   nearest even (relative error <= 2^-11 = 4.9e-4 in [6.1e-5, 65504]; beyond 65504 Infinity;
 *   below 6.1e-5 subnormal, absolute error <= 3e-8); NaN = not presented.
 * - q8 (`<name>.q8`): each row is an 8-byte header, float32 offset then float32 scale
 *   (little-endian), then nExamples bytes q: the value is offset + q * scale for q in
 *   0..254, and q = 255 means not presented (NaN). offset is the row's smallest finite value
 *   and scale (max - min) / 254, so the error is at most scale / 2 = (max - min) / 508 of
 *   that row's range (a row with one distinct value has scale 0 and is exact). Infinite values
 *   are clamped to the row's finite range.
 */
export const FLOAT_STORAGE: Record<FloatStorage, { extension: string; rowBytes: (nExamples: number) => number }> = {
  float32: { extension: "f32", rowBytes: (n) => 4 * n },
  float16: { extension: "f16", rowBytes: (n) => 2 * n },
  q8: { extension: "q8", rowBytes: (n) => 8 + n },
};

/** The file of float record `name` in `storage`: "loss.f32", "loss.f16", "loss.q8". */
export function floatRecordFile(name: FloatRecordName, storage: FloatStorage = "float32"): string {
  return `${name}.${FLOAT_STORAGE[storage].extension}`;
}

/**
 * The predicted-class record: [nEpochs, nExamples] the argmax of the tracked forward at each
 * presentation, one unsigned integer per value, little-endian: uint8 for nClasses <= 256
 * (`predicted.u8`), uint16 for nClasses <= 65536 (`predicted.u16`). Examples not presented
 * that epoch hold 0 (the manifest's subset and undecodable list say which those are).
 */
export function predictedFile(nClasses: number): string {
  return `predicted.u${predictedBytes(nClasses) * 8}`;
}

/** Bytes of one predicted-class value: 1 up to 256 classes, else 2. */
export function predictedBytes(nClasses: number): 1 | 2 {
  if (!(nClasses <= 65536)) throw new ValueError(`predictedBytes: expected at most 65536 classes, got ${nClasses}`);
  return nClasses <= 256 ? 1 : 2;
}

export const MANIFEST_FILE = "manifest.json";
export const LOG_FILE = "log.csv";
export const EXAMPLES_FILE = "examples.csv";
export const STATS_FILE = "stats.csv";
export const CHECKPOINT_DIR = "checkpoint";
export const EXPERIMENT_FILE = "experiment.json";
export const REPORTS_DIR = "reports";

/**
 * The example-id column of every CSV the project writes (examples.csv, stats.csv, the
 * analysis exports), snake_case like the log.csv columns.
 */
export const EXAMPLE_ID_COLUMN = "example_id";
/** The example-id column names readers accept: the current one, and examples.csv's old `exampleId`. */
export const EXAMPLE_ID_COLUMNS: readonly string[] = [EXAMPLE_ID_COLUMN, "exampleId"];

/** Columns of log.csv, in order (the reference study's columns, then throughput). */
export const LOG_COLUMNS = [
  "epoch",
  "acc",
  "lr",
  "train_loss",
  "train_acc",
  "train_time",
  "val_loss",
  "val_time",
  "images_per_s",
] as const;

/** One row of log.csv; null where a value was not measured (no evaluation that epoch). */
export type LogRow = Record<(typeof LOG_COLUMNS)[number], number | null>;

export const VALID_RUN_STATUSES = ["running", "completed", "failed"] as const;
export type RunStatus = (typeof VALID_RUN_STATUSES)[number];

/** Backend, device and versions of the process that made a run. */
export interface EnvironmentInfo {
  /** tfjs backend name: "tensorflow", "wasm" or "cpu". */
  backend: string;
  /** Which package provided it, e.g. "@tensorflow/tfjs-node-gpu". */
  backendPackage: string;
  /** wasm backend: its training-kernel path, "onednn-<version>" (native/onednn_kernels) or "wasm-simd". */
  kernels?: string;
  /** wasm backend: CPU threads of those kernels (1 on "wasm-simd"). */
  threads?: number;
  /** "GPU: <name>" or "CPU". */
  device: string;
  versions: Record<string, string>;
  platform: string;
  hostname?: string;
}

/** manifest.json of one run. */
export interface RunManifest {
  schemaVersion: number;
  runId: string;
  experiment: string;
  status: RunStatus;
  /** The full resolved training config, including seed and epochs (readManifest resolves it). */
  config: ResolvedTrainConfig;
  dataset: {
    id: string;
    checksum: string;
    nExamples: number;
    nClasses: number;
    classNames: string[];
    /** Present when only a subset was trained on (removal experiment). */
    subsetSize?: number;
    /**
     * Image folders read with skipBadFiles: images that passed indexing but failed at their first
     * decode, left out of training from then on (never presented), with the decoder's reason.
     */
    undecodable?: { exampleId: number; file: string; reason: string }[];
  };
  environment: EnvironmentInfo;
  git: { commit: string | null; dirty: boolean | null };
  /** Rows of correct.bits that are complete and valid. */
  epochsCompleted: number;
  /** Float records written beside correct.bits. */
  floatRecords: FloatRecordName[];
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Set when status is "failed". */
  error?: string;
}

/** The folder of one run: `<outputsRoot>/<experiment>/<runId>`. */
export function runDir(outputsRoot: string, experiment: string, runId: string): string {
  return path.join(outputsRoot, experiment, runId);
}

/** Bytes in one row of correct.bits. */
export function correctRowBytes(nExamples: number): number {
  return Math.ceil(nExamples / 8);
}

/** Suffixes of the follow-up studies `forgetting study` writes beside the main experiment. */
export const REMOVAL_SUFFIX = "-removal";
export const NOISE_SUFFIX = "-noise";

/** The folders of an experiment's follow-up studies that exist (hold an experiment.json), else null. */
export function followUpStudies(experimentDir: string): { removal: string | null; noise: string | null } {
  const existing = (dir: string) => (fs.existsSync(path.join(dir, EXPERIMENT_FILE)) ? dir : null);
  return { removal: existing(`${experimentDir}${REMOVAL_SUFFIX}`), noise: existing(`${experimentDir}${NOISE_SUFFIX}`) };
}
