/**
 * Notebook parameters. One notebook serves any experiment: its first code cell, tagged
 * `parameters` (papermill's convention), sets the experiment folder (and the EDA's dataset)
 * and passes them here; edit that cell to open another experiment. The headless runner
 * inserts a cell tagged `injected-parameters` after it that sets them again for its run.
 * A value not passed comes from the environment variables, or a JSON parameters file named
 * by FORGETTING_PARAMS, then the defaults.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type DatasetName, VALID_DATASETS } from "../config/train";
import { FileFormatError, ValueError, checkOneOf, describeValue } from "../core/errors";
import { projectRoot } from "../core/paths";

/** Environment variables read by `notebookParams`. */
export const NOTEBOOK_ENV = {
  /** Experiment folder, absolute or relative to the project root. */
  experiment: "FORGETTING_EXPERIMENT",
  /** Dataset the EDA notebook explores when the experiment does not name one, e.g. "digits". */
  dataset: "FORGETTING_DATASET",
  /** "1" to train a short demo run in notebook 02, "0" to only read the experiment's runs. */
  trainDemo: "FORGETTING_TRAIN_DEMO",
  /** A JSON file with any of the keys of NotebookParamsInput; variables override it. */
  params: "FORGETTING_PARAMS",
  /** "0" stops a kernel from drawing its charts' static images (the headless runner draws them). */
  chartImages: "FORGETTING_CHART_IMAGES",
} as const;

/** The experiment the notebooks open when nothing is set: the one `forgetting study` makes. */
const DEFAULT_EXPERIMENT = "outputs/digits-study";
const DEFAULT_DATASET: DatasetName = "digits";

/** Parameters as given (the parameters cell, a file or variables), before defaults. */
export interface NotebookParamsInput {
  experiment?: string;
  dataset?: string;
  trainDemo?: boolean;
}

/** Resolved notebook parameters. */
export interface NotebookParams {
  /** Absolute path of the experiment folder. */
  experimentDir: string;
  /** Its name (the folder's base name), shown in titles. */
  experiment: string;
  /** Dataset of the EDA notebook when the experiment has no runs yet. */
  dataset: DatasetName;
  /** Whether notebook 02 trains its short demo run. */
  trainDemo: boolean;
}

function parseBoolean(who: string, raw: string): boolean {
  if (["1", "true", "yes"].includes(raw)) return true;
  if (["0", "false", "no"].includes(raw)) return false;
  throw new ValueError(`${who}: expected 1/0/true/false, got ${describeValue(raw)}`);
}

function readParamsFile(file: string): NotebookParamsInput {
  if (!fs.existsSync(file)) throw new FileFormatError(file, "parameters file is missing");
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new FileFormatError(file, `expected JSON, got a parse error: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new FileFormatError(file, `expected a JSON object, got ${describeValue(value)}`);
  const input = value as Record<string, unknown>;
  const valid = ["experiment", "dataset", "trainDemo"];
  for (const key of Object.keys(input)) {
    if (!valid.includes(key)) throw new FileFormatError(file, `unknown key "${key}"; valid keys: ${valid.join(", ")}`);
  }
  for (const key of ["experiment", "dataset"]) {
    if (input[key] !== undefined && typeof input[key] !== "string") throw new FileFormatError(file, `field "${key}": expected a string, got ${describeValue(input[key])}`);
  }
  if (input.trainDemo !== undefined && typeof input.trainDemo !== "boolean") throw new FileFormatError(file, `field "trainDemo": expected true or false, got ${describeValue(input.trainDemo)}`);
  return input;
}

export interface NotebookParamsOptions {
  /** Environment read for values not given (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Project root, where relative paths start (default: this project's). */
  root?: string;
}

/**
 * Resolves the notebook parameters: the values given (the parameters cell), else the
 * individual variables, else the FORGETTING_PARAMS file, else the defaults. Relative paths
 * are taken from the project root (the kernel's working directory).
 */
export function notebookParams(given: NotebookParamsInput = {}, options: NotebookParamsOptions = {}): NotebookParams {
  const { env = process.env, root = projectRoot() } = options;
  const fromFile = env[NOTEBOOK_ENV.params] ? readParamsFile(path.resolve(root, env[NOTEBOOK_ENV.params] as string)) : {};
  const experiment = given.experiment || env[NOTEBOOK_ENV.experiment] || fromFile.experiment || DEFAULT_EXPERIMENT;
  const dataset = checkOneOf(given.dataset !== undefined ? "notebookParams dataset" : NOTEBOOK_ENV.dataset, given.dataset || env[NOTEBOOK_ENV.dataset] || fromFile.dataset || DEFAULT_DATASET, VALID_DATASETS);
  const trainDemoRaw = env[NOTEBOOK_ENV.trainDemo];
  const trainDemo = given.trainDemo ?? (trainDemoRaw !== undefined && trainDemoRaw !== "" ? parseBoolean(NOTEBOOK_ENV.trainDemo, trainDemoRaw) : (fromFile.trainDemo ?? true));
  const experimentDir = path.resolve(root, experiment);
  return { experimentDir, experiment: path.basename(experimentDir), dataset, trainDemo };
}
