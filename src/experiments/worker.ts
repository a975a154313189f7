/**
 * One sweep worker process: `node worker.js <job.json>` trains (or resumes) the run the job
 * file names and exits 0 when it completed, 1 with the error on stderr otherwise.
 * SIGTERM or SIGINT stops it after the step in progress with a checkpoint: one line on
 * stderr and exit code RESUMABLE_EXIT_CODE (the run resumes where it stopped).
 * The job's config was resolved by the sweep; back from JSON it is a plain object again, so
 * train() checks it once, in this process, and nothing here checks it besides.
 */
import * as fs from "node:fs";
import type { TrainConfig } from "../config/train";
import { train } from "../train/train";
import { RESUMABLE_EXIT_CODE, RunStoppedError, stopOnSignals } from "../train/stop";

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
  const stop = stopOnSignals();
  try {
    await train(job.config, { outputsRoot: job.outputsRoot, experiment: job.experiment, runId: job.runId, stop: stop.signal });
  } finally {
    stop.dispose();
  }
}

if (require.main === module) {
  main(process.argv[2]).then(
    () => process.exit(0),
    (err: unknown) => {
      if (err instanceof RunStoppedError) {
        console.error(`worker: ${err.message}`);
        process.exit(RESUMABLE_EXIT_CODE);
      }
      console.error(err instanceof Error && err.stack ? err.stack : String(err));
      process.exit(1);
    },
  );
}
