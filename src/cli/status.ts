/**
 * `forgetting status <experiment>`: the state of every run of an experiment (budget, seed,
 * epochs done, state, accuracy), and each run's Slurm task and state when the experiment
 * has Slurm submissions (`sweep --executor slurm`). Without experiment.json (runs dropped in from elsewhere)
 * it lists the run folders it finds and whether analysis can use them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EXPERIMENT_FILE } from "../runs/layout";
import { describeScan, scanExperiment } from "../runs/scan";
import { type CliCommand, onePositional } from "./args";
import { sweepStatus } from "../runs/status";
import { type SlurmRunState, describeSlurmRunState, readSlurmQueue, readSlurmSubmissions, slurmRunStates } from "../experiments/slurm";

/**
 * The Slurm state of each run, or null when the experiment has no Slurm submissions; a note
 * when squeue cannot be asked (the recorded tasks are still shown).
 */
function slurmColumn(dir: string): { states: Map<string, SlurmRunState>; note?: string } | null {
  if (readSlurmSubmissions(dir).length === 0) return null;
  const queue = readSlurmQueue();
  return { states: slurmRunStates(dir, queue), ...(queue.available ? {} : { note: `Slurm states unknown: ${queue.reason}` }) };
}

const percent = (v: number | null) => (v === null ? "-" : (v * 100).toFixed(2));

export const command: CliCommand = {
  name: "status",
  summary: "List each run of an experiment: budget, seed, epochs done, state, best and last test accuracy",
  positionals: ["<experiment>"],
  options: {
    outputs: { type: "string", help: "folder holding experiment folders", default: "outputs" },
    json: { type: "boolean", help: "print JSON instead of a table", default: false },
  },
  async run(options, positionals) {
    const name = onePositional("status", "experiment name", positionals);
    const dir = path.resolve(String(options.outputs), name);
    if (!fs.existsSync(path.join(dir, EXPERIMENT_FILE))) {
      // No grid: report what analysis would make of the folders present.
      const scan = scanExperiment(dir);
      if (options.json) console.log(JSON.stringify({ used: scan.used.map((r) => ({ runId: r.runId, budget: r.budget, seed: r.seed })), leftOut: scan.leftOut }, null, 2));
      else console.log([`(no ${EXPERIMENT_FILE}: listing run folders)`, ...describeScan(scan)].join("\n"));
      return;
    }
    const rows = sweepStatus(dir);
    const slurm = slurmColumn(dir);
    if (options.json) {
      console.log(JSON.stringify(slurm ? rows.map((r) => ({ ...r, slurm: slurm.states.get(r.runId) ?? null })) : rows, null, 2));
      return;
    }
    const hasVariants = rows.some((r) => r.variant);
    const header = [...(hasVariants ? ["variant".padEnd(24)] : []), "budget", "seed", "run".padEnd(30), "state".padEnd(11), "epochs".padStart(9), "best acc", "last acc", ...(slurm ? ["slurm"] : [])];
    console.log(header.join("  "));
    for (const r of rows) {
      console.log(
        [
          ...(hasVariants ? [(r.variant ?? "").padEnd(24)] : []),
          String(r.budget).padStart(6),
          String(r.seed).padStart(4),
          r.runId.padEnd(30),
          r.state.padEnd(11),
          `${r.epochsCompleted}/${r.budget}`.padStart(9),
          percent(r.bestAcc).padStart(8),
          percent(r.lastAcc).padStart(8),
          ...(slurm ? [describeSlurmRunState(slurm.states.get(r.runId))] : []),
        ].join("  ") + (r.error ? `  ${r.state === "unreadable" ? "unreadable" : "error"}: ${r.error}` : "") + (r.lockedBy ? `  by ${r.lockedBy}` : ""),
      );
    }
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
    console.log(`${rows.length} runs: ${[...counts].map(([state, n]) => `${n} ${state}`).join(", ")}`);
    if (slurm?.note) console.log(slurm.note);
  },
};
