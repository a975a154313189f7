/**
 * One sweep worker process: `node worker.js <job.json>` trains (or resumes) the run the job
 * file names and exits 0 when it completed, RUN_LOCKED_EXIT with one line when another
 * process took the run's lock first, 1 with the error on stderr otherwise.
 * SIGTERM or SIGINT stops it after the step in progress with a checkpoint: one line on
 * stderr and exit code RESUMABLE_EXIT_CODE (the run resumes where it stopped).
 * A Slurm array task runs the same job file through runWorkerJob (see ./slurm).
 * The job's config was resolved by the sweep; back from JSON it is a plain object again, so
 * train() checks it once, in this process, and nothing here checks it besides.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { TrainConfig } from "../config/train";
import { writeJsonAtomic } from "../core/atomic";
import type { RunManifest } from "../runs/layout";
import { RUN_LOCKED_EXIT, RunLockedError, acquireRunLock } from "../runs/lock";
import { RESUMABLE_EXIT_CODE, RunStoppedError, stopOnSignals } from "../train/stop";

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
  // The lock first, the training code (tfjs, a second to load) after: two sweeps racing for a
  // run learn which one trains it at once, and the loser moves on to the next run.
  const runLock = await acquireRunLock(path.join(job.outputsRoot, job.experiment), job.runId);
  const stop = stopOnSignals();
  try {
    const { train } = await import("../train/train.js");
    return await train(job.config, { outputsRoot: job.outputsRoot, experiment: job.experiment, runId: job.runId, runLock, stop: stop.signal });
  } finally {
    stop.dispose();
    await runLock.release();
  }
}

if (require.main === module) {
  runWorkerJob(process.argv[2]).then(
    () => process.exit(0),
    (err: unknown) => {
      if (err instanceof RunLockedError) {
        console.error(err.message);
        process.exit(RUN_LOCKED_EXIT);
      }
      if (err instanceof RunStoppedError) {
        console.error(`worker: ${err.message}`);
        process.exit(RESUMABLE_EXIT_CODE);
      }
      console.error(err instanceof Error && err.stack ? err.stack : String(err));
      process.exit(1);
    },
  );
}
