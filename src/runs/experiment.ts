/**
 * experiment.json, the definition of an experiment grid (see src/config/experiment.ts), read
 * and written in the experiment folder.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type CheckedExperimentConfig, type ExperimentConfig, checkExperimentConfig, experimentSeeds } from "../config/experiment";
import { writeJsonAtomic } from "../core/atomic";
import { FileFormatError, ValueError } from "../core/errors";
import { readJsonFile } from "../core/jsonFile";
import { EXPERIMENT_FILE } from "./layout";
import { type DatasetName, type DatasetRef, VALID_DATASETS, configDifferences } from "../config/train";

/**
 * Reads `<experimentDir>/experiment.json` and checks it, resolving every run's config once.
 * @throws FileFormatError if it is missing, not JSON, or not a valid definition.
 */
export function readExperimentConfig(experimentDir: string): CheckedExperimentConfig {
  const file = path.join(experimentDir, EXPERIMENT_FILE);
  const value = readJsonFile(file, "experiment definition is missing (create it with `forgetting sweep <experiment> --budgets <list> --seeds <n>` or writeExperimentConfig)");
  try {
    return checkExperimentConfig(value, "experiment.json");
  } catch (err) {
    throw new FileFormatError(file, (err as Error).message);
  }
}

/** Same base config, seeds and variants (names, configs, meta); budgets may differ. */
function sameGrid(a: ExperimentConfig, b: ExperimentConfig): boolean {
  const variantsA = a.variants ?? [];
  const variantsB = b.variants ?? [];
  return (
    configDifferences(a.base, b.base).length === 0 &&
    experimentSeeds(a).join(",") === experimentSeeds(b).join(",") &&
    variantsA.length === variantsB.length &&
    variantsA.every((v, i) => v.name === variantsB[i].name && configDifferences(v.config, variantsB[i].config).length === 0 && JSON.stringify(v.meta ?? null) === JSON.stringify(variantsB[i].meta ?? null))
  );
}

/**
 * Writes `<outputsRoot>/<name>/experiment.json` atomically after checking it.
 * @returns the experiment folder.
 * @throws ValueError if the definition is invalid, or differs from an existing one (runs
 *   already made for the old grid would be mixed with the new; choose a new name).
 */
export function writeExperimentConfig(outputsRoot: string, experiment: ExperimentConfig): string {
  const checked = checkExperimentConfig(experiment, "writeExperimentConfig");
  const dir = path.join(outputsRoot, checked.name);
  const file = path.join(dir, EXPERIMENT_FILE);
  if (fs.existsSync(file)) {
    const existing = readExperimentConfig(dir);
    if (!sameGrid(existing, checked)) {
      throw new ValueError(`writeExperimentConfig: ${file} exists with another base config, seeds or variants; expected the same definition (budgets may be added), or a new experiment name`);
    }
  }
  writeJsonAtomic(file, checked);
  return dir;
}

function datasetRefOf(config: Record<string, unknown> | undefined): DatasetRef | null {
  if (!config || !(VALID_DATASETS as readonly unknown[]).includes(config.dataset)) return null;
  const ref: DatasetRef = { dataset: config.dataset as DatasetName };
  if (typeof config.folder === "string") ref.folder = config.folder;
  if (typeof config.classIndex === "string") ref.classIndex = config.classIndex;
  if (typeof config.skipBadFiles === "boolean") ref.skipBadFiles = config.skipBadFiles;
  return ref;
}

/**
 * The dataset of an experiment: experiment.json's base config, else the first run's config,
 * else `fallback` (an experiment without runs yet).
 */
export function experimentDataset(experimentDir: string, fallback: DatasetName): DatasetRef {
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
