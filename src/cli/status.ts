/**
 * `forgetting status <experiment>`: the state of every run of an experiment (budget, seed,
 * epochs done, state, accuracy). Without experiment.json (runs dropped in from elsewhere)
 * it lists the run folders it finds and whether analysis can use them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EXPERIMENT_FILE } from "../runs/layout";
import { describeScan, scanExperiment } from "../runs/scan";
import { type CliCommand, onePositional } from "./args";
import { sweepStatus } from "../runs/status";

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
    if (options.json) {
      console.log(JSON.stringify(rows, null, 2));
      return;
    }
    const hasVariants = rows.some((r) => r.variant);
    const header = [...(hasVariants ? ["variant".padEnd(24)] : []), "budget", "seed", "run".padEnd(30), "state".padEnd(11), "epochs".padStart(9), "best acc", "last acc"];
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
        ].join("  ") + (r.error ? `  ${r.state === "unreadable" ? "unreadable" : "error"}: ${r.error}` : "") + (r.lockedBy ? `  by ${r.lockedBy}` : ""),
      );
    }
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
    console.log(`${rows.length} runs: ${[...counts].map(([state, n]) => `${n} ${state}`).join(", ")}`);
  },
};
