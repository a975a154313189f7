/**
 * `forgetting export <experiment>`: writes the study's exports into
 * outputs/<experiment>/analysis/: never-learned-b<budget>.json ({class_name: [examples]}),
 * never-learned-by-example.json ({example: [budgets]}) and examples-b<budget>.csv (one row
 * per example with every statistic, for pandas/danfo).
 */
import { analyzeExperiment } from "../analysis/experiment";
import { writeExports } from "../analysis/exports";
import type { CliCommand } from "./args";
import { ANALYSIS_OPTIONS, scanFromOptions } from "./analyze";

export const command: CliCommand = {
  name: "export",
  summary: "Write never-learned JSON (per budget by class, merged by example) and per-example CSV tables",
  positionals: ["<experiment>"],
  options: { ...ANALYSIS_OPTIONS },
  async run(options, positionals) {
    const { scan, outDir } = scanFromOptions("export", options, positionals);
    for (const l of scan.leftOut) console.error(`left out ${l.folder}: ${l.reason}: ${l.detail}`);
    const written = writeExports(analyzeExperiment(scan, { tieSeed: options["tie-seed"] as number }), outDir);
    console.log([`used ${scan.used.length} run(s); wrote:`, ...written.map((f) => `  ${f}`)].join("\n"));
  },
};
