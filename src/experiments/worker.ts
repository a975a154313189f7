/**
 * One sweep worker process: `node worker.js <job.json>` trains (or resumes) the run the job
 * file names and exits 0 when it completed, 1 with the error on stderr otherwise. A Slurm
 * array task runs the same job file through runWorkerJob (see ./slurm).
 * The job's config was resolved by the sweep; back from JSON it is a plain object again, so
 * train() checks it once, in this process, and nothing here checks it besides.
 */
import * as fs from "node:fs";
import type { TrainConfig } from "../config/train";
import { writeJsonAtomic } from "../core/atomic";
import type { RunManifest } from "../runs/layout";
import { train } from "../train/train";

/** What spawnTrainWorker writes for one worker. */
export interface WorkerJobFile {
  /** A resolved config, written whole. */
  config: TrainConfig;
  outputsRoot: string;
  experiment: string;
  runId: string;
}

/** Writes a job file (atomically: a worker never reads half of one). */
export function writeWorkerJob(jobFile: string, job: WorkerJobFile): void {
  writeJsonAtomic(jobFile, job);
}

/** Trains (or resumes) the run of a job file written by writeWorkerJob; returns its manifest. */
export async function runWorkerJob(jobFile: string): Promise<RunManifest> {
  const job = JSON.parse(fs.readFileSync(jobFile, "utf8")) as WorkerJobFile;
  return train(job.config, { outputsRoot: job.outputsRoot, experiment: job.experiment, runId: job.runId });
}

if (require.main === module) {
  runWorkerJob(process.argv[2]).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error && err.stack ? err.stack : String(err));
      process.exit(1);
    },
  );
}
