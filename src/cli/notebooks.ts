/**
 * `forgetting notebooks --experiment <dir>`: executes the notebooks headless against one
 * experiment and writes the executed notebooks, HTML reports and an index into
 * <dir>/reports/. Stops at the first failing cell and prints that cell's message. The
 * experiment (and --train-demo) reach the notebooks as injected parameters.
 */
import * as path from "node:path";
import { ValueError } from "../core/errors";
import type { CliCommand } from "./args";
import { NotebookCellError, type ReportCode, VALID_REPORT_CODE, runNotebooks } from "../report/runNotebooks";
import { experimentSummary } from "../report/summary";
import { experimentOverview } from "../report/overview";

export const command: CliCommand = {
  name: "notebooks",
  summary: "execute the notebooks headless against an experiment and export HTML reports to <experiment>/reports/",
  options: {
    experiment: { type: "string", help: "experiment folder (e.g. outputs/digits-study)", required: true },
    only: { type: "string-list", help: "run only notebooks whose name starts with these prefixes, e.g. 01,03", default: [] },
    "train-demo": { type: "boolean", help: "let notebook 02 train its short demo run (seconds on digits)", default: true },
    "cell-timeout": { type: "integer", help: "time limit per cell, seconds", default: 1800 },
    code: { type: "string", help: "code cells in the HTML reports: shown, hidden (outputs and text only), or both (adds <name>.no-code.html)", default: "shown", choices: VALID_REPORT_CODE },
  },
  async run(options) {
    const experimentDir = path.resolve(options.experiment as string);
    try {
      const result = await runNotebooks(experimentDir, {
        only: options.only as string[],
        cellTimeoutSeconds: options["cell-timeout"] as number,
        parameters: { trainDemo: options["train-demo"] as boolean },
        code: options.code as ReportCode,
        summary: experimentSummary,
        overview: experimentOverview,
      });
      console.log(`notebooks: ${result.entries.length} reports in ${result.seconds.toFixed(1)} s; open ${result.index}`);
    } catch (err) {
      if (err instanceof NotebookCellError) {
        throw new ValueError(`${err.message}\n(the partial report is in ${path.join(experimentDir, "reports")})`);
      }
      throw err;
    }
  },
};
