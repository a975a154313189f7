/**
 * Sweeps: run every missing or unfinished run of an experiment grid (budgets x seeds, see
 * ../config/experiment.ts) with a local pool of worker processes, and report each run's state.
 *
 * - One worker process per run, at most `workers` at once (default: one per GPU where
 *   `nvidia-smi` lists GPUs, each pinned with CUDA_VISIBLE_DEVICES; else one per core).
 * - A run already on disk is matched by its manifest (config.epochs, config.seed and the
 *   rest of the config), so runs made elsewhere and dropped into the folder count as done.
 * - Unfinished runs are resumed (train() resumes an existing run id from its checkpoint).
 * - Each worker's train() holds the run's lock (../runs/lock.ts), so two sweeps, a sweep and
 *   a `train --resume` or a Slurm task never train one run at once. The sweep skips runs whose
 *   lock is live, and a worker that finds the lock taken after that check exits
 *   RUN_LOCKED_EXIT: both count as locked elsewhere, not failed.
 * - Progress (runs done/total, epochs, ETA) is polled from the run manifests, which
 *   training rewrites after every epoch.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { THREADS_ENV_VAR, listNvidiaGpus } from "../backend/system";
import type { PlannedRun } from "../config/experiment";
import type { ResolvedTrainConfig } from "../config/train";
import { makeDirectory } from "../core/atomic";
import { ValueError, describeValue } from "../core/errors";
import { RUN_LOCKED_EXIT, SWEEP_DIR, readLiveLock } from "../runs/lock";
import { readManifest } from "../runs/manifest";
import { RESUMABLE_EXIT_CODE } from "../train/stop";
import { planSweepWork } from "./workPlan";
import { writeWorkerJob } from "./worker";
import type { SweepProgress } from "../core/progress";

/** What one worker process runs. */
export interface WorkerJob {
  experimentDir: string;
  outputsRoot: string;
  experiment: string;
  runId: string;
  /** The planned run's config, resolved when experiment.json was read. */
  config: ResolvedTrainConfig;
  /** Worker slot, 0..workers-1 (the GPU index when GPUs are used). */
  slot: number;
}

/**
 * The default worker: a Node process running ./worker (compiled dist/, or the TypeScript
 * source when the parent runs under tsx: its execArgv is passed on). The job travels in a
 * file under <experiment>/.sweep/jobs, so a config of any size reaches the worker.
 */
function spawnTrainWorker(job: WorkerJob, env: NodeJS.ProcessEnv): ChildProcess {
  const jobFile = path.join(job.experimentDir, SWEEP_DIR, "jobs", `${job.runId}.json`);
  writeWorkerJob(jobFile, { config: job.config, outputsRoot: job.outputsRoot, experiment: job.experiment, runId: job.runId });
  return spawn(process.execPath, [...process.execArgv, require.resolve("./worker"), jobFile], { env, stdio: ["ignore", "pipe", "pipe"] });
}

export interface SweepOptions {
  /** Worker processes at once. Default: GPUs if any (one per GPU), else os.availableParallelism(). */
  workers?: number;
  /** Called every `pollSeconds` and whenever a run starts or ends. */
  onProgress?: (progress: SweepProgress) => void;
  /** Seconds between progress polls. Default 2. */
  pollSeconds?: number;
  /**
   * Stops the sweep: no further run starts, each running worker gets SIGTERM (it finishes
   * its step, writes a checkpoint and exits RESUMABLE_EXIT_CODE), and sweep() returns once
   * they exited, with those runs in `stopped`.
   */
  stop?: AbortSignal;
  /** Starts one worker; default spawnTrainWorker (tests pass a fake). */
  spawnWorker?: (job: WorkerJob, env: NodeJS.ProcessEnv) => ChildProcess;
}

export interface SweepSummary {
  /** Runs trained to completion by this sweep. */
  completed: string[];
  /** Runs already completed before this sweep came to them. */
  alreadyDone: string[];
  /** Runs whose worker exited with an error; `log` holds its output. */
  failed: { runId: string; exitCode: number | null; log: string }[];
  /** Runs another live process holds the lock of (another sweep, a `train --resume`, a Slurm task). */
  lockedElsewhere: string[];
  /** Runs whose worker stopped at a checkpoint on `options.stop`: resumable. */
  stopped: string[];
}

/**
 * Runs every missing or unfinished run of the experiment at `experimentDir` (which holds
 * experiment.json) and waits for them.
 * @throws ValueError for a bad `workers`; FileFormatError for a missing/invalid experiment.json.
 */
export async function sweep(experimentDir: string, options: SweepOptions = {}): Promise<SweepSummary> {
  const { experimentDir: dir, runs } = planSweepWork(experimentDir);
  const gpus = options.workers === undefined ? listNvidiaGpus().names.length : 0;
  const workers = options.workers ?? (gpus > 0 ? gpus : os.availableParallelism());
  if (!Number.isInteger(workers) || workers <= 0) throw new ValueError(`sweep: expected options.workers to be an integer > 0, got ${describeValue(workers)}`);
  const spawnWorker = options.spawnWorker ?? spawnTrainWorker;
  const summary: SweepSummary = { completed: [], alreadyDone: runs.filter((r) => r.completed).map((r) => r.runId), failed: [], lockedElsewhere: [], stopped: [] };
  const queue = runs.filter((r) => !r.completed);
  const epochsBefore = new Map(runs.map((r) => [r.runId, r.epochsCompleted]));
  const epochsTotal = runs.reduce((sum, r) => sum + r.run.budget, 0);
  const started = Date.now();
  const running = new Map<string, { run: PlannedRun; child: ChildProcess; slot: number }>();
  const freeSlots = Array.from({ length: workers }, (_, i) => i);
  const logDir = path.join(dir, SWEEP_DIR, "logs");
  makeDirectory(logDir);

  const isCompleted = (runId: string) => {
    try {
      return readManifest(path.join(dir, runId)).status === "completed";
    } catch {
      return false;
    }
  };
  const epochsOf = (runId: string) => {
    try {
      return readManifest(path.join(dir, runId)).epochsCompleted;
    } catch {
      return epochsBefore.get(runId) ?? 0;
    }
  };
  const report = () => {
    if (!options.onProgress) return;
    let epochsDone = 0;
    let gained = 0;
    for (const { run, runId } of runs) {
      const now = summary.alreadyDone.includes(runId) || summary.completed.includes(runId) ? run.budget : epochsOf(runId);
      epochsDone += now;
      gained += Math.max(0, now - (epochsBefore.get(runId) ?? 0));
    }
    const elapsedSeconds = (Date.now() - started) / 1000;
    options.onProgress({
      runsDone: summary.alreadyDone.length + summary.completed.length,
      runsTotal: runs.length,
      epochsDone,
      epochsTotal,
      running: [...running.entries()].map(([runId, r]) => ({ runId, budget: r.run.budget, seed: r.run.seed, epochsCompleted: epochsOf(runId) })),
      elapsedSeconds,
      etaSeconds: gained > 0 ? ((epochsTotal - epochsDone) * elapsedSeconds) / gained : NaN,
    });
  };

  await new Promise<void>((resolve) => {
    const startNext = () => {
      while (freeSlots.length > 0 && queue.length > 0) {
        const { run, runId } = queue.shift()!;
        // Another process may have finished or taken the run since the sweep began.
        if (isCompleted(runId)) {
          summary.alreadyDone.push(runId);
          continue;
        }
        if (readLiveLock(dir, runId)) {
          summary.lockedElsewhere.push(runId);
          continue;
        }
        const slot = freeSlots.shift()!;
        const env: NodeJS.ProcessEnv = { ...process.env };
        if (gpus > 0) env.CUDA_VISIBLE_DEVICES = String(slot);
        // Workers share the cores: each run's CPU kernels get its share (a config's threads wins).
        else env[THREADS_ENV_VAR] ??= String(Math.max(1, Math.floor(os.availableParallelism() / workers)));
        const logFile = path.join(logDir, `${runId}.log`);
        const log = fs.openSync(logFile, "a");
        const child = spawnWorker({ experimentDir: dir, outputsRoot: path.dirname(dir), experiment: path.basename(dir), runId, config: run.config, slot }, env);
        child.stdout?.on("data", (chunk: Buffer) => fs.writeSync(log, chunk));
        child.stderr?.on("data", (chunk: Buffer) => fs.writeSync(log, chunk));
        running.set(runId, { run, child, slot });
        child.on("close", (code) => {
          fs.closeSync(log);
          running.delete(runId);
          freeSlots.push(slot);
          if (code === RUN_LOCKED_EXIT) summary.lockedElsewhere.push(runId);
          else if (code === RESUMABLE_EXIT_CODE) summary.stopped.push(runId);
          else if (code === 0 && isCompleted(runId)) summary.completed.push(runId);
          else summary.failed.push({ runId, exitCode: code, log: logFile });
          report();
          startNext();
        });
        child.on("error", (err) => fs.writeSync(log, `failed to start worker: ${err.message}\n`));
      }
      if (running.size === 0 && queue.length === 0) {
        clearInterval(timer);
        options.stop?.removeEventListener("abort", stopAll);
        resolve();
      }
    };
    const timer = setInterval(report, (options.pollSeconds ?? 2) * 1000);
    const stopAll = () => {
      queue.length = 0;
      for (const { child } of running.values()) child.kill("SIGTERM");
      startNext();
    };
    if (options.stop?.aborted) queue.length = 0;
    options.stop?.addEventListener("abort", stopAll, { once: true });
    report();
    startNext();
  });
  report();
  return summary;
}
