/**
 * `forgetting export <experiment>`: writes the study's exports into
 * outputs/<experiment>/analysis/: never-learned-b<budget>.json ({class_name: [examples]}),
 * never-learned-by-example.json ({example: [budgets]}), examples-b<budget>.csv (one row
 * per example with every statistic, for pandas/danfo), scores-b<budget>.csv (every
 * training-dynamics score), and with --cartography each run of the largest budget in
 * allenai/cartography's layout (analysis/cartography/<runId>/).
 */
import * as path from "node:path";
import { analyzeExperiment } from "../analysis/experiment";
import { writeExports } from "../analysis/exports";
import { writeCartography } from "../analysis/cartography";
import type { CliCommand } from "./args";
import { ANALYSIS_OPTIONS, scanFromOptions } from "./analyze";

export const command: CliCommand = {
  name: "export",
  summary: "Write never-learned JSON (per budget by class, merged by example), per-example CSV tables and scores, and cartography's training-dynamics files",
  positionals: ["<experiment>"],
  options: {
    ...ANALYSIS_OPTIONS,
    cartography: { type: "boolean", help: "also write each run of the largest budget in allenai/cartography's training_dynamics + td_metrics.jsonl layout (needs records prob and predicted)", default: true },
  },
  async run(options, positionals) {
    const { scan, outDir } = scanFromOptions("export", options, positionals);
    for (const l of scan.leftOut) console.error(`left out ${l.folder}: ${l.reason}: ${l.detail}`);
    const written = writeExports(analyzeExperiment(scan, { tieSeed: options["tie-seed"] as number, el2nEpochs: options["el2n-epochs"] as number[] | undefined }), outDir);
    const largest = scan.budgets[scan.budgets.length - 1];
    if (options.cartography && largest) {
      for (const run of largest.runs) {
        if (!run.manifest.floatRecords.includes("prob") || !run.manifest.config.recordPredicted) {
          console.error(`cartography: left out ${run.runId}: it recorded no true-class probabilities or predicted classes (recordFloats prob, recordPredicted)`);
          continue;
        }
        const files = writeCartography(run.dir, run.manifest, path.join(outDir, "cartography", run.runId));
        written.push(`${path.dirname(files[0])} (${files.length - 1} epoch files) and ${files[files.length - 1]}`);
      }
    }
    console.log([`used ${scan.used.length} run(s); wrote:`, ...written.map((f) => `  ${f}`)].join("\n"));
  },
};
