/**
 * `forgetting train [--preset <name>] [--<config-key> <value> ...]`: trains one run with
 * forgetting tracking and writes outputs/<experiment>/<runId>/.
 * `forgetting train --resume <runDir>`: continues a killed or stopped run.
 * SIGTERM or SIGINT stops training after the step in progress with a checkpoint; the process
 * then exits with RESUMABLE_EXIT_CODE (see ../train/stop.ts and ../cli.ts).
 * Every TrainConfig key is a kebab-case flag (--batch-size, --tracking-mode, ...); flags
 * override the preset, the preset overrides DEFAULT_TRAIN_CONFIG.
 */
import * as path from "node:path";
import { VALID_BACKENDS, type BackendName } from "../backend";
import { ValueError, describeValue } from "../core/errors";
import { exampleStats } from "../runs/stats";
import type { RunManifest } from "../runs/layout";
import { readManifest } from "../runs/manifest";
import { readCorrectRecord } from "../runs/record";
import { presentedMask } from "../runs/scan";
import {
  DEFAULT_TRAIN_CONFIG,
  TRAIN_CONFIG_KEYS,
  TRAIN_PRESETS,
  VALID_PRESETS,
  type TrainConfig,
  configDifferences,
  describeConfigDifferences,
  kebabCaseKey,
  resolveTrainConfig,
} from "../config/train";
import { epochSummary, resumeRun, train } from "../train/train";
import { RunStoppedError, stopOnSignals } from "../train/stop";
import type { CliCommand, OptionSpec, ParsedOptions } from "./args";
import { type TrainProgress, formatTrainProgress } from "../core/progress";

/**
 * One flag per config key, parsed by the key's value type (choices checked before any work).
 * No `default` in the spec, so an absent flag leaves the preset's value.
 */
function configOptions(): Record<string, OptionSpec> {
  const out: Record<string, OptionSpec> = {};
  for (const [key, spec] of Object.entries(TRAIN_CONFIG_KEYS)) {
    const value = DEFAULT_TRAIN_CONFIG[key as keyof TrainConfig];
    const shown = value === undefined ? (spec.unsetDefault ?? "none") : Array.isArray(value) ? value.join(",") || "none" : String(value);
    out[kebabCaseKey(key)] = { type: spec.type, help: `${spec.help} [default: ${shown}]`, ...(spec.choices ? { choices: spec.choices } : {}), ...(spec.min !== undefined ? { min: spec.min } : {}) };
  }
  return out;
}

/** The config keys given on the command line (already typed as TrainConfig values by parseArgs). */
function configFromOptions(options: ParsedOptions): Partial<TrainConfig> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(TRAIN_CONFIG_KEYS)) {
    const value = options[kebabCaseKey(key)];
    if (value !== undefined) out[key] = value;
  }
  return out;
}


/** A progress display on stderr: one rewritten line on a terminal, epoch lines only otherwise. */
function progressDisplay(quiet: boolean) {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let lastDraw = 0;
  let epochs = 0;
  return {
    onProgress: (p: TrainProgress) => {
      epochs = p.epochs;
      const now = Date.now();
      if (quiet || !tty || (now - lastDraw < 250 && p.phase === "train" && p.batch !== p.batches)) return;
      lastDraw = now;
      process.stderr.write(`\r\x1b[K${formatTrainProgress(p)}`);
    },
    onEpoch: (log: Parameters<typeof epochSummary>[0]) => {
      if (quiet) return;
      process.stderr.write(`${tty ? "\r\x1b[K" : ""}${epochSummary(log, epochs, (Date.now() - started) / 1000)}\n`);
    },
  };
}

/** A few figures of the finished run from its record: how many learned, forgotten, never learned (presented examples only). */
function runSummary(dir: string, manifest: RunManifest): string {
  const { nExamples } = manifest.dataset;
  const stats = exampleStats(readCorrectRecord(dir, nExamples, manifest.epochsCompleted), { presented: presentedMask(manifest) });
  const count = (a: ArrayLike<number>, test: (v: number) => boolean) => Array.prototype.filter.call(a, test).length;
  const presented = count(stats.presented, (v) => v === 1);
  return [
    `run ${manifest.runId} ${manifest.status} after ${manifest.epochsCompleted}/${manifest.config.epochs} epochs: ${dir}`,
    `  ${presented === nExamples ? `${nExamples} examples` : `${presented} of ${nExamples} examples presented`}: learned at end ${count(stats.learnedAtEnd, (v) => v === 1)}, ` +
      `forgotten at least once ${count(stats.forgettingEvents, (v) => v > 0)}, ` +
      `unforgettable ${count(stats.unforgettable, (v) => v === 1)}, never learned ${count(stats.neverLearned, (v) => v === 1)}`,
  ].join("\n");
}

export const command: CliCommand = {
  name: "train",
  summary: "Train one run with per-example forgetting tracking (or --resume a killed run)",
  options: {
    preset: { type: "string", help: "start from a paper recipe, then apply the flags below [default: none: the defaults below]", choices: VALID_PRESETS },
    ...configOptions(),
    resume: { type: "string", help: "continue the run in this folder (config flags must match it) [default: none: start a new run]" },
    experiment: { type: "string", help: "experiment folder name", default: "default" },
    outputs: { type: "string", help: "folder holding experiment folders", default: "outputs" },
    "run-id": { type: "string", help: "run folder name (an unfinished run with this id is resumed) [default: a new nanoid]" },
    backend: { type: "string", help: "tfjs backend", choices: ["auto", ...VALID_BACKENDS], default: "auto" },
    "data-root": { type: "string", help: "folder holding the datasets [default: $FORGETTING_DATA_ROOT, else <project>/data]" },
    "stop-after-epochs": { type: "integer", help: "stop after this many epochs, leaving the run resumable [default: none: train every epoch]", min: 1 },
    quiet: { type: "boolean", help: "no progress display", default: false },
  },
  async run(options, positionals) {
    if (positionals.length > 0) throw new ValueError(`train: expected no positional arguments, got ${describeValue(positionals)}`);
    const preset = options.preset === undefined ? {} : TRAIN_PRESETS[options.preset as keyof typeof TRAIN_PRESETS];
    const flags = configFromOptions(options);
    const display = progressDisplay(options.quiet === true);
    const stop = stopOnSignals();
    const common = {
      stop: stop.signal,
      backend: options.backend as BackendName | "auto",
      dataRoot: options["data-root"] === undefined ? undefined : path.resolve(String(options["data-root"])),
      stopAfterEpochs: options["stop-after-epochs"] as number | undefined,
      quiet: options.quiet === true,
      onProgress: display.onProgress,
      onEpoch: display.onEpoch,
    };
    let manifest: RunManifest;
    let dir: string;
    try {
      if (options.resume !== undefined) {
        dir = path.resolve(String(options.resume));
        if (options.preset !== undefined || Object.keys(flags).length > 0) {
          const recorded = readManifest(dir).config;
          const wanted = resolveTrainConfig({ ...recorded, ...preset, ...flags });
          if (configDifferences(recorded, wanted).length > 0) {
            throw new ValueError(`train --resume ${dir}: the run was trained with another config (${describeConfigDifferences(recorded, wanted, kebabCaseKey)})`);
          }
        }
        manifest = await resumeRun(dir, common);
      } else {
        const outputsRoot = path.resolve(String(options.outputs));
        manifest = await train(resolveTrainConfig({ ...preset, ...flags }), { ...common, outputsRoot, experiment: String(options.experiment), runId: options["run-id"] as string | undefined });
        dir = path.join(outputsRoot, manifest.experiment, manifest.runId);
      }
    } catch (err) {
      // The stop line (../cli.ts) starts on a line of its own, not after the progress line.
      if (err instanceof RunStoppedError && process.stderr.isTTY && options.quiet !== true) process.stderr.write("\r\x1b[K");
      throw err;
    } finally {
      stop.dispose();
    }
    console.log(runSummary(dir, manifest));
  },
};
