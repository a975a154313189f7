/**
 * `forgetting slurm-task <submission>`: what each array task of `sweep --executor slurm`
 * runs (the submission's submit.sh calls it). It trains, or resumes, the run that the
 * submission's tasks.json maps SLURM_ARRAY_TASK_ID to, with the project's own train().
 */
import * as path from "node:path";
import { ValueError, describeValue } from "../core/errors";
import { slurmTaskJob } from "../experiments/slurm";
import { runWorkerJob } from "../experiments/worker";
import { LOCK_REFRESH_MS, LOCK_STALE_MS, RunLockedError } from "../runs/lock";
import type { RunManifest } from "../runs/layout";

/**
 * runWorkerJob, waiting out a lock left by the task's previous node: a task requeued after
 * a node failure finds that node's lock live until it is LOCK_STALE_MS old.
 */
async function runWorkerJobWhenFree(jobFile: string): Promise<RunManifest> {
  const deadline = Date.now() + LOCK_STALE_MS + LOCK_REFRESH_MS;
  for (;;) {
    try {
      return await runWorkerJob(jobFile);
    } catch (err) {
      if (!(err instanceof RunLockedError) || Date.now() > deadline) throw err;
      console.log(`slurm-task: ${err.message}; trying again in 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 15_000));
    }
  }
}
import { type CliCommand, onePositional } from "./args";

export const command: CliCommand = {
  name: "slurm-task",
  summary: "Train the run of one Slurm array task (run by the sbatch script of `sweep --executor slurm`)",
  positionals: ["<submission-folder>"],
  options: {},
  async run(_options, positionals) {
    const submissionDir = path.resolve(onePositional("slurm-task", "submission folder", positionals));
    const raw = process.env.SLURM_ARRAY_TASK_ID;
    if (raw === undefined || !/^\d+$/.test(raw)) throw new ValueError(`slurm-task: expected SLURM_ARRAY_TASK_ID (set by Slurm in an array task) to be an integer, got ${describeValue(raw)}`);
    const task = slurmTaskJob(submissionDir, Number(raw));
    console.log(`slurm-task: task ${raw}: run ${task.runId} (job file ${task.jobFile})`);
    const manifest = await runWorkerJobWhenFree(task.jobFile);
    console.log(`slurm-task: run ${task.runId}: ${manifest.status}, ${manifest.epochsCompleted}/${manifest.config.epochs} epochs`);
  },
};
