/**
 * Reading and writing a run's manifest.json, with validation so that analysis and resume
 * fail with a message naming the file and field instead of a crash deep inside.
 */
import * as path from "node:path";
import { writeJsonAtomic } from "../core/atomic";
import { FileFormatError } from "../core/errors";
import { fieldFailure, readJsonFile } from "../core/jsonFile";
import { MANIFEST_FILE, type RunManifest, SCHEMA_VERSION, VALID_RUN_STATUSES } from "./layout";
import { resolveTrainConfig } from "../config/train";

/** Writes `<runDir>/manifest.json` atomically, stamping `updatedAt`. */
export function writeManifest(runDir: string, manifest: RunManifest): void {
  manifest.updatedAt = new Date().toISOString();
  writeJsonAtomic(path.join(runDir, MANIFEST_FILE), manifest);
}

/**
 * Reads and checks `<runDir>/manifest.json`; its config is resolved here, once, so readers
 * of the manifest take `config` as a checked TrainConfig.
 * @throws FileFormatError naming the file and the first field that is missing or wrong.
 */
export function readManifest(runDir: string): RunManifest {
  const file = path.join(runDir, MANIFEST_FILE);
  const m = readJsonFile(file, "manifest is missing") as RunManifest;
  const fail = fieldFailure(file);
  if (typeof m !== "object" || m === null) fail("(root)", "an object", m);
  if (m.schemaVersion !== SCHEMA_VERSION) fail("schemaVersion", String(SCHEMA_VERSION), m.schemaVersion);
  if (typeof m.runId !== "string" || !m.runId) fail("runId", "a non-empty string", m.runId);
  if (!(VALID_RUN_STATUSES as readonly string[]).includes(m.status)) fail("status", VALID_RUN_STATUSES.join(" | "), m.status);
  if (typeof m.config !== "object" || m.config === null) fail("config", "an object", m.config);
  try {
    m.config = resolveTrainConfig(m.config);
  } catch (err) {
    throw new FileFormatError(file, `field "config" is no longer a valid config: ${(err as Error).message}`);
  }
  if (typeof m.dataset !== "object" || m.dataset === null) fail("dataset", "an object", m.dataset);
  if (!Number.isInteger(m.dataset.nExamples) || m.dataset.nExamples <= 0) fail("dataset.nExamples", "an integer > 0", m.dataset.nExamples);
  if (!Number.isInteger(m.dataset.nClasses) || m.dataset.nClasses <= 0) fail("dataset.nClasses", "an integer > 0", m.dataset.nClasses);
  if (typeof m.dataset.checksum !== "string") fail("dataset.checksum", "a string", m.dataset.checksum);
  if (!Array.isArray(m.dataset.classNames) || m.dataset.classNames.length !== m.dataset.nClasses) {
    fail("dataset.classNames", `an array of ${m.dataset.nClasses} names`, m.dataset.classNames);
  }
  const undecodable: unknown = m.dataset.undecodable;
  if (undecodable !== undefined) {
    const ok = Array.isArray(undecodable) && undecodable.every((u: { exampleId?: unknown }) => Number.isInteger(u?.exampleId) && (u.exampleId as number) >= 0 && (u.exampleId as number) < m.dataset.nExamples);
    if (!ok) fail("dataset.undecodable", `a list of { exampleId in [0, ${m.dataset.nExamples}), file, reason }`, undecodable);
  }
  if (!Number.isInteger(m.epochsCompleted) || m.epochsCompleted < 0 || m.epochsCompleted > m.config.epochs) {
    fail("epochsCompleted", `an integer in [0, ${m.config.epochs}]`, m.epochsCompleted);
  }
  if (!Array.isArray(m.floatRecords)) fail("floatRecords", "an array", m.floatRecords);
  return m;
}
