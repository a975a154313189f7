/**
 * `forgetting sweep <experiment> [--budgets 2,3 --seeds 3 --preset digits]`: runs every
 * missing or unfinished run of an experiment (budgets x seeds) with a pool of worker
 * processes, or with --executor slurm submits them as one Slurm job array and returns.
 * With --budgets and --seeds it first writes (or extends) experiment.json.
 */
import * as path from "node:path";
import { ValueError, describeValue } from "../core/errors";
import { type ExperimentConfig } from "../config/experiment";
import { type SweepSummary, sweep } from "../experiments/sweep";
import { type SlurmResources, type SlurmSweepResult, checkSlurmClient, checkSlurmResources, submitSlurmSweep } from "../experiments/slurm";
import { type DatasetName, TRAIN_PRESETS, type TrainConfig, VALID_DATASETS, VALID_PRESETS } from "../config/train";
import { type CliCommand, type OptionSpec, type ParsedOptions, jsonObjectOption, onePositional } from "./args";
import { writeExperimentConfig } from "../runs/experiment";
import { StoppedError, stopOnSignals } from "../train/stop";
import { type SweepProgress, formatSweepProgress } from "../core/progress";

/** "3" -> 3 (seeds 0..2); "0,4,7" -> [0, 4, 7]. A lone "0" is a count, and too small. */
export function parseSeeds(who: string, raw: string): number | number[] {
  const items = raw.split(",").map((s) => s.trim());
  if (items.some((s) => !/^\d+$/.test(s))) throw new ValueError(`${who} --seeds: expected a count (e.g. 3) or a list of seeds (e.g. 0,4,7), got ${describeValue(raw)}`);
  if (items.length === 1 && Number(items[0]) === 0) throw new ValueError(`${who} --seeds: expected a count > 0 (one seed: 1), got "0"`);
  return items.length === 1 ? Number(items[0]) : items.map(Number);
}

/** "0.1,0.2" -> [0.1, 0.2] (fractions strictly between 0 and 1). */
export function parseFractionList(who: string, raw: string[]): number[] {
  return raw.map((s) => {
    const f = Number(s);
    if (!(f > 0 && f < 1)) throw new ValueError(`${who}: expected numbers in (0, 1), got ${describeValue(s)}`);
    return f;
  });
}

/**
 * The options that make an experiment's base config, shared by sweep, noise and study.
 * @param noPreset what the base is without --preset, for --help.
 */
export function baseConfigOptions(noPreset: string): Record<string, OptionSpec> {
  return {
    preset: { type: "string", help: `base training recipe for a new experiment [default: none: ${noPreset}]`, choices: VALID_PRESETS },
    dataset: { type: "string", help: "dataset, over the preset and --base-json [default: the preset's]", choices: VALID_DATASETS },
    folder: { type: "string", help: 'root folder of dataset "folder" (train/ and val/), over the preset and --base-json [default: none]' },
    "base-json": { type: "json-object", help: 'base config keys as JSON, e.g. \'{"lr":0.05,"trainFirst":10000}\' (over the preset; not epochs or seed: the budgets and seeds set them) [default: none]' },
  };
}

/**
 * The base config from baseConfigOptions: `noPreset` (default {}: the train defaults) or the
 * --preset, then --base-json's keys, then --dataset and --folder; without epochs and seed
 * (the budgets and seeds set them; --base-json giving them is refused). Paths are made
 * absolute, so experiment.json means the same from any working directory.
 */
export function baseConfigFromOptions(who: string, options: ParsedOptions, noPreset: Partial<TrainConfig> = {}): Partial<TrainConfig> {
  const preset = options.preset ? TRAIN_PRESETS[options.preset as keyof typeof TRAIN_PRESETS] : noPreset;
  // Checked with the rest of the definition by writeExperimentConfig.
  const extra = (jsonObjectOption(options, "base-json") ?? {}) as Partial<TrainConfig>;
  for (const [key, flag] of [["epochs", "--budgets"], ["seed", "--seeds"]] as const) {
    if (key in extra) throw new ValueError(`${who} --base-json: expected no "${key}" (each run's ${key} comes from ${flag}), got ${describeValue(extra[key])}`);
  }
  const flags: Partial<TrainConfig> = {};
  if (options.dataset !== undefined) flags.dataset = options.dataset as DatasetName;
  if (typeof options.folder === "string") flags.folder = options.folder;
  // epochs and seed are set per run by the budget and the seeds.
  const { epochs: _epochs, seed: _seed, ...base } = { ...preset, ...extra, ...flags };
  for (const key of ["folder", "classIndex"] as const) if (typeof base[key] === "string") base[key] = path.resolve(base[key]);
  return base;
}

/** Options shared by the commands that sweep. */
export const SWEEP_OPTIONS: Record<string, OptionSpec> = {
  outputs: { type: "string", help: "folder holding experiment folders", default: "outputs" },
  workers: { type: "integer", help: "worker processes at once [default: one per GPU, else one per core]", min: 1 },
};

/** The executors: the local worker pool (the default) or Slurm job arrays. */
const EXECUTORS = ["local", "slurm"] as const;

/** The executor choice and the Slurm options, shared by `sweep` and `study`. */
export const EXECUTOR_OPTIONS: Record<string, OptionSpec> = {
  executor: { type: "string", help: "where runs train: local worker processes, or a Slurm job array (submits and returns)", default: "local", choices: EXECUTORS },
  partition: { type: "string", help: "Slurm: partition of the tasks [default: the cluster's]" },
  account: { type: "string", help: "Slurm: account charged [default: the user's]" },
  "gpus-per-task": { type: "integer", help: "Slurm: GPUs of each task (Slurm sets its CUDA_VISIBLE_DEVICES) [default: none]", min: 1 },
  "cpus-per-task": { type: "integer", help: "Slurm: CPUs of each task [default: the cluster's]", min: 1 },
  mem: { type: "string", help: "Slurm: memory of each task, e.g. 32G [default: the cluster's]" },
  time: { type: "string", help: "Slurm: time limit of each task, D-HH:MM:SS (SIGTERM, checkpoint and requeue before it) [default: the partition's]" },
  "sbatch-arg": { type: "string", help: 'Slurm: further sbatch options, e.g. "--qos=long --constraint=a5000" [default: none]' },
};

/** Which executor the options chose; the Slurm resources checked once (Slurm options without --executor slurm are refused). */
export function executorFromOptions(who: string, options: ParsedOptions): { executor: "local" } | { executor: "slurm"; resources: SlurmResources } {
  const slurmFlags = Object.keys(EXECUTOR_OPTIONS).filter((key) => key !== "executor" && options[key] !== undefined);
  if (options.executor !== "slurm") {
    if (slurmFlags.length) throw new ValueError(`${who}: --${slurmFlags[0]} is a Slurm option: expected it with --executor slurm, got --executor ${describeValue(options.executor)}`);
    return { executor: "local" };
  }
  if (options.workers !== undefined) throw new ValueError(`${who} --workers: expected no --workers with --executor slurm (Slurm runs one task per run), got ${describeValue(options.workers)}`);
  const text = (key: string) => (options[key] === undefined ? undefined : String(options[key]));
  const count = (key: string) => (options[key] === undefined ? undefined : Number(options[key]));
  const resources = checkSlurmResources(who, {
    partition: text("partition"),
    account: text("account"),
    gpusPerTask: count("gpus-per-task"),
    cpusPerTask: count("cpus-per-task"),
    mem: text("mem"),
    time: text("time"),
    sbatchArg: text("sbatch-arg"),
  });
  checkSlurmClient(who);
  return { executor: "slurm", resources };
}

/** Prints what a Slurm submission did, and how to watch it. */
export function reportSlurmSubmission(who: string, experimentDir: string, result: SlurmSweepResult): void {
  const { submission, submissionDir } = result;
  if (submission && submissionDir) {
    console.log(`${who}: submitted job array ${submission.jobId} (${submission.tasks.length} task(s)) for ${experimentDir}`);
    for (const task of submission.tasks) console.log(`  ${submission.jobId}_${task.index}  ${task.runId}`);
    console.log(`  script: ${path.join(submissionDir, "submit.sh")}; task logs: ${path.join(submissionDir, "logs")}`);
  } else console.log(`${who}: nothing to submit for ${experimentDir}`);
  console.log(`${who}: completed: ${result.completed.length}; in Slurm already: ${result.inQueue.length}; locked by a local process: ${result.lockedElsewhere.length}`);
  for (const q of result.inQueue) console.log(`  ${q.task} ${q.state}  ${q.runId}`);
  if (submission) console.log(`watch it: forgetting status ${path.basename(experimentDir)} --outputs ${path.dirname(experimentDir)}   (or squeue --me)`);
}

/** A progress display on stderr: one rewritten line on a terminal, a line per finished epoch otherwise. */
function sweepProgressPrinter(): (p: SweepProgress) => void {
  const tty = process.stderr.isTTY === true;
  let last = "";
  return (p) => {
    const key = `${p.runsDone}/${p.epochsDone}`;
    if (tty) process.stderr.write(`\r\x1b[K${formatSweepProgress(p)}`);
    else if (key !== last) process.stderr.write(`${formatSweepProgress(p)}\n`);
    last = key;
  };
}

/** Sweeps `dir` with the command's --workers, showing progress, then reports as reportSweep. */
export async function sweepAndReport(who: string, dir: string, options: ParsedOptions): Promise<void> {
  // SIGTERM/SIGINT reach the workers through the sweep (a Ctrl-C also reaches them directly).
  const stop = stopOnSignals();
  try {
    reportSweep(who, await sweep(dir, { workers: options.workers as number | undefined, onProgress: sweepProgressPrinter(), stop: stop.signal }));
  } finally {
    stop.dispose();
  }
}

/** This process's command line as a shell would take it again ("forgetting sweep exp --workers 2"). */
function sameCommand(): string {
  const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);
  return ["forgetting", ...process.argv.slice(2)].map(quote).join(" ");
}

/** Prints the summary; throws if any run failed, so the exit code says so. */
function reportSweep(who: string, summary: SweepSummary): void {
  if (process.stderr.isTTY) process.stderr.write("\n");
  console.log(`completed now: ${summary.completed.length}; already done: ${summary.alreadyDone.length}; locked by another process: ${summary.lockedElsewhere.length}; failed: ${summary.failed.length}`);
  if (summary.lockedElsewhere.length) console.log(`  running elsewhere: ${summary.lockedElsewhere.join(", ")}`);
  if (summary.failed.length) {
    const listed = summary.failed.map((f) => `${f.runId} (exit ${f.exitCode}, log ${f.log})`).join("; ");
    throw new ValueError(`${who}: expected every run to finish, got ${summary.failed.length} failed: ${listed}; run the sweep again to resume them`);
  }
  if (summary.stopped.length) {
    throw new StoppedError(`${who}: stopped; ${summary.stopped.length} run(s) stopped at a checkpoint (${summary.stopped.join(", ")})`, sameCommand());
  }
}

export const command: CliCommand = {
  name: "sweep",
  summary: "Run the missing or unfinished runs of an experiment (epoch budgets x seeds) in parallel worker processes",
  positionals: ["<experiment>"],
  options: {
    budgets: { type: "integer-list", min: 1, help: "epoch budgets, e.g. 40,60,90 (writes or extends experiment.json) [default: none: the grid in experiment.json]" },
    seeds: { type: "string", help: "seed count (e.g. 8) or list (e.g. 0,1,5); needed with --budgets [default: none]" },
    ...baseConfigOptions("the train defaults, digits MLP"),
    ...SWEEP_OPTIONS,
    ...EXECUTOR_OPTIONS,
  },
  async run(options, positionals) {
    const name = onePositional("sweep", "experiment name", positionals);
    const executor = executorFromOptions("sweep", options);
    const outputsRoot = path.resolve(String(options.outputs));
    if (options.budgets !== undefined || options.seeds !== undefined) {
      if (options.budgets === undefined || options.seeds === undefined) throw new ValueError("sweep: expected --budgets and --seeds together (they define the grid)");
      const definition: ExperimentConfig = {
        name,
        base: baseConfigFromOptions("sweep", options),
        budgets: options.budgets as number[],
        seeds: parseSeeds("sweep", String(options.seeds)),
      };
      writeExperimentConfig(outputsRoot, definition);
    }
    const experimentDir = path.join(outputsRoot, name);
    if (executor.executor === "slurm") reportSlurmSubmission("sweep", experimentDir, await submitSlurmSweep(experimentDir, executor.resources));
    else await sweepAndReport("sweep", experimentDir, options);
  },
};
