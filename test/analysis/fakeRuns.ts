/**
 * Hand-made runs for tests: run folders (a manifest, a correctness record and a log, written
 * with the project's own record and manifest helpers, as a run made on another machine would
 * be), and in-memory records and statistics from per-example correctness sequences.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeManifest } from "../../src/runs/manifest";
import { type CorrectRecord, appendCorrectRow, appendFloatRow, packCorrectRow, recordFromRows } from "../../src/runs/record";
import { type ExampleStats, type ExampleStatsOptions, exampleStats } from "../../src/runs/stats";
import { LOG_COLUMNS, type RunManifest, SCHEMA_VERSION } from "../../src/runs/layout";
import { type FloatRecordName } from "../../src/config/train";

export interface FakeRun {
  runId: string;
  seed: number;
  /** Per-example correctness sequences, [nExamples][nEpochs]; nEpochs is the budget. */
  sequences: number[][];
  /** Test accuracy per epoch for log.csv (default 0.5 each). */
  acc?: number[];
  status?: RunManifest["status"];
  /** Rows actually written to correct.bits (default all). */
  rowsWritten?: number;
  epochsCompleted?: number;
  datasetId?: string;
  checksum?: string;
  classNames?: string[];
  trackingMode?: "presentation" | "eval";
  createdAt?: string;
  /** Config fields of the run; with `removeIds`, a subset run (the manifest then records dataset.subsetSize, as train does). */
  config?: Record<string, unknown>;
  /** Float records [nEpochs][nExamples]. */
  floats?: Partial<Record<FloatRecordName, number[][]>>;
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes one run folder into `experimentDir`; returns its path. */
export function writeFakeRun(experimentDir: string, run: FakeRun): string {
  const nExamples = run.sequences.length;
  const nEpochs = run.sequences[0].length;
  const dir = path.join(experimentDir, run.runId);
  fs.mkdirSync(dir, { recursive: true });
  const classNames = run.classNames ?? ["zero", "one"];
  const removeIds = run.config?.removeIds;
  const subset = Array.isArray(removeIds) && removeIds.length > 0 ? { subsetSize: nExamples - new Set(removeIds).size } : {};
  // As a run folder holds it: the config only as far as the test sets it (readManifest fills and checks the rest).
  const manifest: Omit<RunManifest, "config"> & { config: Record<string, unknown> } = {
    schemaVersion: SCHEMA_VERSION,
    runId: run.runId,
    experiment: path.basename(experimentDir),
    status: run.status ?? "completed",
    config: { seed: run.seed, epochs: nEpochs, trackingMode: run.trackingMode ?? "presentation", ...run.config },
    dataset: { id: run.datasetId ?? "toy/train", checksum: run.checksum ?? "c0ffee", nExamples, nClasses: classNames.length, classNames, ...subset },
    environment: { backend: "cpu", backendPackage: "@tensorflow/tfjs", device: "CPU", versions: {}, platform: "linux" },
    git: { commit: null, dirty: null },
    epochsCompleted: run.epochsCompleted ?? nEpochs,
    floatRecords: Object.keys(run.floats ?? {}) as FloatRecordName[],
    createdAt: run.createdAt ?? `2026-01-01T00:00:${String(run.seed % 60).padStart(2, "0")}.000Z`,
    updatedAt: "",
    finishedAt: null,
  };
  writeManifest(dir, manifest as unknown as RunManifest);
  const rows = run.rowsWritten ?? nEpochs;
  for (let e = 0; e < rows; e++) appendCorrectRow(dir, e, packCorrectRow(Uint8Array.from(run.sequences.map((s) => s[e]))));
  for (const [name, values] of Object.entries(run.floats ?? {})) {
    values.forEach((row, e) => appendFloatRow(dir, name as FloatRecordName, e, Float32Array.from(row)));
  }
  const acc = run.acc ?? Array<number>(nEpochs).fill(0.5);
  const log = [LOG_COLUMNS.join(","), ...acc.map((a, e) => LOG_COLUMNS.map((c) => (c === "epoch" ? e + 1 : c === "acc" ? a : 0)).join(","))];
  fs.writeFileSync(path.join(dir, "log.csv"), log.join("\n") + "\n");
  return dir;
}

/** Sequences for `nExamples` examples over `nEpochs`, each constant 0 or 1 from `pattern`. */
export function constantSequences(pattern: number[], nEpochs: number): number[][] {
  return pattern.map((bit) => Array<number>(nEpochs).fill(bit));
}

/** Record rows [nEpochs][nExamples] from per-example sequences [nExamples][nEpochs]. */
export function rowsFromSequences(sequences: number[][]): number[][] {
  return sequences[0].map((_, e) => sequences.map((s) => s[e]));
}

/** The in-memory correctness record of per-example sequences [nExamples][nEpochs]. */
export function recordFromSequences(sequences: number[][]): CorrectRecord {
  return recordFromRows(rowsFromSequences(sequences), sequences.length);
}

/** exampleStats of a run given as per-example sequences [nExamples][nEpochs] (`presented` for a subset run). */
export function statsFromSequences(sequences: number[][], options: ExampleStatsOptions = {}): ExampleStats {
  return exampleStats(recordFromSequences(sequences), options);
}
