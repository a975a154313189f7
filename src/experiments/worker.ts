/**
 * One sweep worker process: `node worker.js <job.json>` trains (or resumes) the run the job
 * file names and exits 0 when it completed, RUN_LOCKED_EXIT with one line when another
 * process took the run's lock first, 1 with the error on stderr otherwise.
 * The job's config was resolved by the sweep; back from JSON it is a plain object again, so
 * train() checks it once, in this process, and nothing here checks it besides.
 */
import * as fs from "node:fs";
import type { TrainConfig } from "../config/train";
import { RUN_LOCKED_EXIT, RunLockedError } from "../runs/lock";
import { train } from "../train/train";

/** What spawnTrainWorker writes for one worker. */
export interface WorkerJobFile {
  /** A resolved config, written whole. */
  config: TrainConfig;
  outputsRoot: string;
  experiment: string;
  runId: string;
}

async function main(jobFile: string): Promise<void> {
  const job = JSON.parse(fs.readFileSync(jobFile, "utf8")) as WorkerJobFile;
  await train(job.config, { outputsRoot: job.outputsRoot, experiment: job.experiment, runId: job.runId });
}

if (require.main === module) {
  main(process.argv[2]).then(
    () => process.exit(0),
    (err: unknown) => {
      if (err instanceof RunLockedError) {
        console.error(err.message);
        process.exit(RUN_LOCKED_EXIT);
      }
      console.error(err instanceof Error && err.stack ? err.stack : String(err));
      process.exit(1);
    },
  );
}
