/**
 * Which runs of an experiment grid still need work: the planning both executors share (the
 * local worker pool in ./sweep and the Slurm job arrays in ./slurm), so they agree on what
 * is done and where each run lives.
 */
import * as path from "node:path";
import { type CheckedExperimentConfig, type PlannedRun, planRuns } from "../config/experiment";
import { readExperimentConfig } from "../runs/experiment";
import { locateRuns } from "../runs/status";

/** A planned run, under the id of the folder it lives (or will live) in. */
interface RunWork {
  run: PlannedRun;
  /** The run folder's name: the planned id, or the id of a matching completed run made elsewhere. */
  runId: string;
  /** Epochs already on disk (0 for a run not started). */
  epochsCompleted: number;
  /** False for a missing, interrupted or failed run: it needs work (and resumes from its checkpoint). */
  completed: boolean;
}

export interface SweepWork {
  /** The experiment folder, absolute. */
  experimentDir: string;
  experiment: CheckedExperimentConfig;
  /** Every run of the grid, in planRuns order. */
  runs: RunWork[];
}

/**
 * Reads experiment.json of `experimentDir` and finds, for every run of its grid, its folder
 * and whether it is completed.
 * @throws FileFormatError for a missing/invalid experiment.json.
 */
export function planSweepWork(experimentDir: string): SweepWork {
  const dir = path.resolve(experimentDir);
  const experiment = readExperimentConfig(dir);
  const plan = planRuns(experiment);
  const located = locateRuns(dir, plan);
  const runs = plan.map((run): RunWork => {
    const where = located.get(run.runId)!;
    return { run, runId: where.runId, epochsCompleted: where.manifest?.epochsCompleted ?? 0, completed: where.manifest?.status === "completed" };
  });
  return { experimentDir: dir, experiment, runs };
}
