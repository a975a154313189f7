/**
 * `forgetting analyze <experiment>`: the multi-seed study from run files alone. Prints the
 * runs used and left out (with reasons), per-budget never-learned sets (all seeds / any
 * seed / per seed), unforgettable examples, seed stability, nesting across budgets and the
 * results table; writes outputs/<experiment>/analysis/summary.json.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { analyzeExperiment } from "../analysis/experiment";
import { formatSummary, summarizeAnalysis } from "../analysis/summary";
import { ValueError, describeValue } from "../core/errors";
import { writeJsonAtomic } from "../core/atomic";
import { experimentSeeds } from "../config/experiment";
import { EXPERIMENT_FILE } from "../runs/layout";
import { type ExperimentScan, type ScanOptions, scanExperiment } from "../runs/scan";
import { type CliCommand, type OptionSpec, type ParsedOptions, onePositional } from "./args";
import { parseSeeds } from "./sweep";
import { readExperimentConfig } from "../runs/experiment";

/** Options shared by analyze and export. */
export const ANALYSIS_OPTIONS: Record<string, OptionSpec> = {
  outputs: { type: "string", help: "folder holding experiment folders", default: "outputs" },
  seeds: { type: "string", help: "seeds each budget must have: a count (the smallest K) or a list [default: experiment.json's, else every completed run]" },
  budgets: { type: "integer-list", min: 1, help: "only these budgets [default: all]" },
  out: { type: "string", help: "output folder [default: outputs/<experiment>/analysis]" },
  "tie-seed": { type: "integer", min: 0, help: "seed of the ranking's random order inside forgetting ties", default: 0 },
  "el2n-epochs": { type: "integer-list", min: 1, help: "1-based epochs EL2N is averaged over (those within a budget; none within it: its default) [default: the epoch at 10% of each budget]" },
};

/** Scans the experiment named by the positional with --seeds/--budgets (or experiment.json's seeds). */
export function scanFromOptions(who: string, options: ParsedOptions, positionals: string[]): { dir: string; scan: ExperimentScan; outDir: string } {
  const name = onePositional(who, "experiment name", positionals);
  const dir = path.resolve(String(options.outputs), name);
  if (!fs.existsSync(dir)) throw new ValueError(`${who}: expected an experiment folder, got ${describeValue(dir)} (not found)`);
  const scanOptions: ScanOptions = {};
  if (options.seeds !== undefined) scanOptions.seeds = parseSeeds(who, String(options.seeds));
  else if (fs.existsSync(path.join(dir, EXPERIMENT_FILE))) scanOptions.seeds = experimentSeeds(readExperimentConfig(dir));
  if (options.budgets !== undefined) scanOptions.budgets = options.budgets as number[];
  const outDir = options.out ? path.resolve(String(options.out)) : path.join(dir, "analysis");
  // Checked before the scan reads anything, so a file given as --out is not a late OS error.
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) throw new ValueError(`${who} --out: expected a folder (new or existing), got the file ${describeValue(outDir)}`);
  return { dir, scan: scanExperiment(dir, scanOptions), outDir };
}

export const command: CliCommand = {
  name: "analyze",
  summary: "Seed intersections, rankings, stability and the results table of an experiment; writes analysis/summary.json",
  positionals: ["<experiment>"],
  options: { ...ANALYSIS_OPTIONS, json: { type: "boolean", help: "print the summary JSON instead of text", default: false } },
  async run(options, positionals) {
    const { scan, outDir } = scanFromOptions("analyze", options, positionals);
    const analysis = analyzeExperiment(scan, {
      tieSeed: options["tie-seed"] as number,
      el2nEpochs: options["el2n-epochs"] as number[] | undefined,
      onProgress: (done, total, runId) => process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[K" : ""}read ${done}/${total} runs (${runId})${process.stderr.isTTY ? "" : "\n"}`),
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    const summary = summarizeAnalysis(analysis);
    const file = path.join(outDir, "summary.json");
    writeJsonAtomic(file, summary);
    console.log(options.json ? JSON.stringify(summary, null, 2) : [...formatSummary(summary), "", `wrote ${file}`].join("\n"));
  },
};
