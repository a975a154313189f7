/**
 * `forgetting study`: the whole study in one command, on the embedded digits by default (the
 * end of the README's first command) or on any dataset and recipe (--preset, --dataset,
 * --folder, --base-json, as for `sweep`). It trains K seeds at several epoch budgets (a sweep
 * over worker processes), the paper's follow-ups (removal of the least forgotten examples with
 * a random control, and label noise), analyses the runs (never learned in all seeds, nesting,
 * stability, results table, exports), then executes the notebooks headless into HTML
 * reports and prints where they are. Runs already finished are kept, so it resumes.
 * With --executor slurm the training goes to Slurm job arrays and a dependent job gives the
 * same command again once they completed (see advanceStudyOnSlurm).
 */
import * as path from "node:path";
import { analyzeExperiment } from "../analysis/experiment";
import { formatSummary, summarizeAnalysis } from "../analysis/summary";
import { createNoiseStudy } from "../experiments/noise";
import { createRemovalStudy } from "../experiments/removal";
import { type ScoreName, VALID_SCORES } from "../analysis/scores";
import { writeExports } from "../analysis/exports";
import { ValueError } from "../core/errors";
import { writeJsonAtomic } from "../core/atomic";
import { type ExperimentConfig, experimentSeeds } from "../config/experiment";
import { scanExperiment } from "../runs/scan";
import { DEFAULT_RECORDS, type TrainConfig } from "../config/train";
import { NotebookCellError, type ReportCode, VALID_REPORT_CODE, runNotebooks } from "../report/runNotebooks";
import { summaryTables } from "../report/summary";
import { experimentOverview } from "../report/overview";
import { type CliCommand, type ParsedOptions, jsonObjectOption, optionTakesFile } from "./args";
import { EXECUTOR_OPTIONS, baseConfigFromOptions, baseConfigOptions, executorFromOptions, parseFractionList, reportSlurmSubmission, sweepAndReport } from "./sweep";
import { type SlurmResources, submitSlurmStudyJob, submitSlurmSweep } from "../experiments/slurm";
import { projectRoot } from "../core/paths";
import { NOISE_SUFFIX, REMOVAL_SUFFIX, followUpStudies } from "../runs/layout";
import { scoreComparisonOfStudies, SCORE_COMPARISON_FILE } from "../analysis/dynamics";
import { writeExperimentConfig } from "../runs/experiment";

/**
 * The study's training recipe: the digits MLP with the paper's MNIST optimizer (SGD lr 0.01,
 * momentum 0.5, batch 64) and the reference study's per-budget schedule (linear warmup, then
 * cosine decay to 0 at the budget's end), so each budget is its own run as in the ImageNet
 * study. With the faster digits preset (lr 0.05, momentum 0.9) nearly every example is
 * learned within 10 epochs and the intersection is empty; with this one the never-learned
 * sets shrink from budget to budget but stay non-empty at 20 epochs. The base without --preset.
 */
export const STUDY_BASE_CONFIG: Partial<TrainConfig> = {
  model: "digits-mlp",
  dataset: "digits",
  batchSize: 64,
  lr: 0.01,
  momentum: 0.5,
  schedule: "warmup-cosine",
  warmupEpochs: 1,
  // Loss, margin, true-class probability, EL2N and the predicted class: the scores of notebook 06.
  ...DEFAULT_RECORDS,
};

/** Seconds since `start` (a performance.now() value), one decimal. */
const since = (start: number) => ((performance.now() - start) / 1000).toFixed(1);

/**
 * The study command again, from its parsed options: what the dependent Slurm job runs.
 * --outputs is made absolute; options at their defaults are left out. List and JSON values
 * travel as `@file` (JSON files in `argsDir`): a removal list of thousands of ids inline would
 * pass the kernel's limit on a command line's length.
 */
function studyArguments(command: CliCommand, options: ParsedOptions, outputsRoot: string, argsDir: string): string[] {
  const args = [command.name];
  for (const [key, spec] of Object.entries(command.options)) {
    const value = key === "outputs" ? outputsRoot : options[key];
    if (value === undefined || JSON.stringify(value) === JSON.stringify(spec.default)) continue;
    if (optionTakesFile(spec.type)) {
      const file = path.join(argsDir, `${key}.json`);
      writeJsonAtomic(file, spec.type === "json-object" ? jsonObjectOption(options, key) : value);
      args.push(`--${key}=@${file}`);
    } else {
      args.push(`--${key}=${String(value)}`);
    }
  }
  return args;
}

/**
 * The training stages of a study on Slurm. Each call submits what the next stage needs
 * (the main grid; once it is done, the follow-ups) and, while any of it is outstanding, a
 * job that gives the same study command again after it (--dependency=afterok), then
 * returns false. True when every training run is completed: the analysis and reports
 * follow in this process (in that dependent job, or when the user gives the command again).
 */
async function advanceStudyOnSlurm(experimentDir: string, followUps: (() => string[]) | null, resources: SlurmResources, rerun: string[]): Promise<boolean> {
  const outstanding = async (dirs: string[]): Promise<boolean> => {
    const jobs = new Set<string>();
    let lockedLocally = 0;
    for (const dir of dirs) {
      const result = await submitSlurmSweep(dir, resources, "study");
      reportSlurmSubmission("study", dir, result);
      if (result.submission?.jobId) jobs.add(result.submission.jobId);
      for (const q of result.inQueue) jobs.add(q.task.split("_")[0]);
      lockedLocally += result.lockedElsewhere.length;
    }
    if (jobs.size === 0 && lockedLocally === 0) return false;
    if (jobs.size === 0) {
      console.log(`study: ${lockedLocally} run(s) are being trained by a local process; give the same command again when they are done`);
      return true;
    }
    const studyJob = await submitSlurmStudyJob({ experimentDir, dependsOn: [...jobs], studyArgs: rerun, cwd: process.cwd(), resources });
    console.log(`study: job ${studyJob.jobId} continues the study once job(s) ${[...jobs].join(", ")} completed (afterok; its log: ${path.join(experimentDir, ".sweep", "slurm", studyJob.name)})`);
    console.log("study: if a training task fails, that job never starts (squeue: DependencyNeverSatisfied); give the same command again to resubmit what is missing");
    return true;
  };
  if (await outstanding([experimentDir])) return false;
  if (followUps && (await outstanding(followUps()))) return false;
  console.log("study: every training run is completed; analysis and reports follow");
  return true;
}

export const command: CliCommand = {
  name: "study",
  summary: "the full study (digits by default, or --preset/--dataset): K seeds x epoch budgets, removal and label-noise follow-ups, analysis, and HTML reports",
  options: {
    ...baseConfigOptions("the digits MLP, SGD lr 0.01 momentum 0.5 batch 64, warmup + cosine per budget"),
    name: { type: "string", help: "experiment name (folder under --outputs) [default: <dataset>-study, e.g. digits-study; for dataset folder, <folder name>-study]" },
    outputs: { type: "string", help: "folder holding experiment folders [default: <project>/outputs]" },
    budgets: { type: "integer-list", help: "epoch budgets, one training run per budget and seed", default: [5, 10, 20], min: 1 },
    seeds: { type: "integer", help: "seeds per budget (K)", default: 8, min: 1 },
    workers: { type: "integer", help: "training processes at once [default: one per core]", min: 1 },
    ...EXECUTOR_OPTIONS,
    "follow-ups": { type: "boolean", help: "also run the removal and label-noise experiments", default: true },
    "remove-fractions": { type: "string-list", help: "removal: fractions of the training set removed", default: ["0.25", "0.5"] },
    "removal-scores": { type: "string-list", help: "removal: scores whose n easiest are removed, each beside the random control (forgetting: the least forgotten)", choices: VALID_SCORES, default: ["forgetting", "aum", "confidence", "variability", "el2n", "loss"] },
    "noise-fractions": { type: "string-list", help: "label noise: fractions of labels flipped", default: ["0.1", "0.2"] },
    "follow-up-seeds": { type: "integer", help: "seeds of each follow-up variant", default: 2, min: 1 },
    notebooks: { type: "boolean", help: "execute the notebooks into HTML reports (needs `forgetting setup`)", default: true },
    "report-code": { type: "string", help: "code cells in the HTML reports: shown, hidden, or both (adds <name>.no-code.html)", default: "shown", choices: VALID_REPORT_CODE },
  },
  async run(options) {
    const started = performance.now();
    const outputsRoot = path.resolve(options.outputs === undefined ? path.join(projectRoot(), "outputs") : String(options.outputs));
    const base = baseConfigFromOptions("study", options, STUDY_BASE_CONFIG);
    const name = options.name === undefined ? `${base.dataset === "folder" && base.folder ? path.basename(base.folder) : (base.dataset ?? "digits")}-study` : String(options.name);
    const budgets = options.budgets as number[];
    const seeds = options.seeds as number;
    const removeFractions = parseFractionList("study --remove-fractions", options["remove-fractions"] as string[]);
    const noiseFractions = parseFractionList("study --noise-fractions", options["noise-fractions"] as string[]);
    const largest = Math.max(...budgets);
    const executor = executorFromOptions("study", options);

    // 1. The main study: K seeds at every budget.
    const definition: ExperimentConfig = { name, base, budgets, seeds };
    const experimentDir = writeExperimentConfig(outputsRoot, definition);
    const runCount = budgets.length * seeds;
    const data = base.dataset === undefined || base.dataset === "digits" ? "the embedded digits" : base.dataset === "folder" ? `the image folder ${base.folder}` : base.dataset;
    console.log(`study: ${name}: ${runCount} runs (budgets ${budgets.join(", ")} epochs x ${seeds} seeds) on ${data}, in ${experimentDir}`);

    // 2. The paper's follow-ups, beside the main experiment (notebook 05 finds them by name).
    const followUps = options["follow-ups"]
      ? () => {
          const removalDir = createRemovalStudy({
            outputsRoot,
            source: name,
            sourceBudget: largest,
            name: `${name}${REMOVAL_SUFFIX}`,
            // Of the examples the runs trained on (a trainFirst or removeIds subset, else all).
            fractions: removeFractions,
            seeds: options["follow-up-seeds"] as number,
            rankBy: options["removal-scores"] as ScoreName[],
          });
          const noiseDir = createNoiseStudy({ outputsRoot, name: `${name}${NOISE_SUFFIX}`, base, fractions: noiseFractions, epochs: largest, seeds: options["follow-up-seeds"] as number });
          console.log(`study: follow-ups: removal (${removeFractions.join(", ")} of the training set, the easiest by ${(options["removal-scores"] as string[]).join(", ")} vs random) and label noise (${noiseFractions.join(", ")}), ${largest} epochs`);
          return [removalDir, noiseDir];
        }
      : null;

    if (executor.executor === "slurm") {
      const rerun = studyArguments(command, options, outputsRoot, path.join(experimentDir, ".sweep", "slurm", "study-options"));
      if (!(await advanceStudyOnSlurm(experimentDir, followUps, executor.resources, rerun))) return;
    } else {
      let t = performance.now();
      await sweepAndReport("study", experimentDir, options);
      console.log(`study: training done in ${since(t)} s`);
      if (followUps) {
        t = performance.now();
        const [removalDir, noiseDir] = followUps();
        await sweepAndReport("study (removal)", removalDir, options);
        await sweepAndReport("study (label noise)", noiseDir, options);
        console.log(`study: follow-ups done in ${since(t)} s`);
      }
    }

    // 3. The analysis, from the run files: summary.json and the exports.
    let t = performance.now();
    const analysis = analyzeExperiment(scanExperiment(experimentDir, { seeds: experimentSeeds(definition) }));
    const summary = summarizeAnalysis(analysis);
    const analysisDir = path.join(experimentDir, "analysis");
    writeJsonAtomic(path.join(analysisDir, "summary.json"), summary);
    const exported = writeExports(analysis, analysisDir);
    // The score comparison of notebook 06: stability of the largest budget, noise AUC and removal from the follow-ups.
    const comparison = scoreComparisonOfStudies(analysis.dynamics[analysis.dynamics.length - 1].stability, followUpStudies(experimentDir));
    writeJsonAtomic(path.join(analysisDir, SCORE_COMPARISON_FILE), comparison);
    exported.push(path.join(analysisDir, SCORE_COMPARISON_FILE));
    console.log(["", ...formatSummary(summary), ""].join("\n"));
    console.log(`study: analysis written to ${analysisDir} (${exported.length + 1} files) in ${since(t)} s`);

    // 4. The reports.
    if (options.notebooks) {
      t = performance.now();
      try {
        // The index shows the analysis above rather than a second one of the same runs.
        const result = await runNotebooks(experimentDir, {
          summary: () => summaryTables(summary),
          overview: (dir) => experimentOverview(dir, summary),
          code: options["report-code"] as ReportCode,
        });
        console.log(`study: ${result.entries.length} notebook reports in ${since(t)} s`);
        console.log(`study: done in ${since(started)} s. Open the reports: ${result.index}`);
      } catch (err) {
        if (err instanceof NotebookCellError) throw new ValueError(`study: ${err.message}\n(the partial reports are in ${path.join(experimentDir, "reports")})`);
        throw err;
      }
    } else {
      const relative = path.relative(process.cwd(), experimentDir);
      const shown = relative && !relative.startsWith("..") ? relative : experimentDir;
      console.log(`study: done in ${since(started)} s (reports skipped: run \`forgetting notebooks --experiment ${shown}\`)`);
    }
  },
};
