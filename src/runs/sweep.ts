/**
 * Sweeps: run every missing or unfinished run of an experiment grid (budgets x seeds, see
 * ./experiment.ts) with a local pool of worker processes, and report each run's state.
 *
 * - One worker process per run, at most `workers` at once (default: one per GPU where
 *   `nvidia-smi -L` lists GPUs, each pinned with CUDA_VISIBLE_DEVICES; else one per core).
 * - A run already on disk is matched by its manifest (config.epochs, config.seed and the
 *   rest of the config), so runs made elsewhere and dropped into the folder count as done.
 * - Unfinished runs are resumed (train() resumes an existing run id from its checkpoint).
 * - A lock file per run (<experiment>/.sweep/locks/<runId>.lock: pid, host, time) keeps two
 *   sweeps from running the same run at once; a lock whose processes are dead on this host
 *   is stale and taken over.
 * - Progress (runs done/total, epochs, ETA) is polled from the run manifests, which
 *   training rewrites after every epoch.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ValueError, describeValue } from "../errors";
import { type TrainConfig, configDifferences, resolveTrainConfig } from "../train/config";
import type { RunManifest } from "./layout";
import { readManifest } from "./manifest";
import { type ExperimentConfig, type ExperimentVariant, type PlannedRun, planRuns, readExperimentConfig } from "./experiment";
import { listRunFolders, readLogColumns } from "./scan";
import { formatDuration } from "../formatDuration";

export const SWEEP_DIR = ".sweep";

export const VALID_RUN_STATES = ["completed", "running", "interrupted", "failed", "pending"] as const;
/**
 * completed: all epochs done. running: locked by a live process. interrupted: started, not
 * finished, nobody running it (resumable). failed: the manifest says "failed" (resumable:
 * the sweep retries from the last checkpoint). pending: not started.
 */
export type RunState = (typeof VALID_RUN_STATES)[number];

export interface SweepRunStatus {
  /** Variant name, when the experiment has variants. */
  variant?: string;
  budget: number;
  seed: number;
  runId: string;
  /** Run folder (may not exist yet for pending runs). */
  dir: string;
  state: RunState;
  epochsCompleted: number;
  /** Last logged test accuracy in [0, 1]; null if none. */
  lastAcc: number | null;
  /** Best logged test accuracy in [0, 1]; null if none. */
  bestAcc: number | null;
  /** The manifest's error message of a failed run. */
  error?: string;
}

export interface LockInfo {
  pid: number;
  workerPid?: number;
  host: string;
  startedAt: string;
}

function lockFile(experimentDir: string, runId: string): string {
  return path.join(experimentDir, SWEEP_DIR, "locks", `${runId}.lock`);
}

function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock of a run if a live process holds it (another host's lock counts as live). */
export function readLiveLock(experimentDir: string, runId: string): LockInfo | null {
  const file = lockFile(experimentDir, runId);
  let info: LockInfo;
  try {
    info = JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
  } catch {
    return null; // absent, or half-written by a process that died while creating it
  }
  if (info.host !== os.hostname()) return info;
  return isAlive(info.pid) || isAlive(info.workerPid) ? info : null;
}

/**
 * Takes the lock of a run: exclusive create; a stale lock (its processes dead on this host)
 * is removed and taken over.
 * @returns true if this process now holds the lock.
 */
export function acquireRunLock(experimentDir: string, runId: string): boolean {
  const file = lockFile(experimentDir, runId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, "wx");
      try {
        fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() } satisfies LockInfo));
      } finally {
        fs.closeSync(fd);
      }
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (readLiveLock(experimentDir, runId)) return false;
      fs.rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  return false;
}

function updateRunLock(experimentDir: string, runId: string, workerPid: number): void {
  const file = lockFile(experimentDir, runId);
  const info = JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
  fs.writeFileSync(file, JSON.stringify({ ...info, workerPid }));
}

export function releaseRunLock(experimentDir: string, runId: string): void {
  fs.rmSync(lockFile(experimentDir, runId), { force: true });
}

function sameRunConfig(manifest: RunManifest, planned: TrainConfig): boolean {
  try {
    return configDifferences(resolveTrainConfig(manifest.config as Partial<TrainConfig>), planned).length === 0;
  } catch {
    return false;
  }
}

/**
 * Where each planned run lives: a completed run with the planned config wins (whatever its
 * folder name: runs made elsewhere keep their ids); else the planned folder b<budget>-s<seed>.
 */
function locateRuns(experimentDir: string, plan: PlannedRun[]): Map<string, { dir: string; runId: string; manifest: RunManifest | null }> {
  const manifests: RunManifest[] = [];
  for (const folder of listRunFolders(experimentDir)) {
    try {
      manifests.push(readManifest(path.join(experimentDir, folder)));
    } catch {
      // Unreadable manifests are reported by scanExperiment; here they are simply not a match.
    }
  }
  const located = new Map<string, { dir: string; runId: string; manifest: RunManifest | null }>();
  for (const run of plan) {
    const matches = manifests.filter((m) => m.config.epochs === run.budget && m.config.seed === run.seed && sameRunConfig(m, run.config));
    const done = matches.filter((m) => m.status === "completed").sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    const own = manifests.find((m) => m.runId === run.runId) ?? null;
    const chosen = done ?? own;
    const runId = chosen?.runId ?? run.runId;
    located.set(run.runId, { dir: path.join(experimentDir, runId), runId, manifest: chosen });
  }
  return located;
}

/**
 * The state of every run of the experiment grid, budgets then seeds ascending.
 * @throws FileFormatError if experiment.json is missing or invalid.
 */
export function sweepStatus(experimentDir: string): SweepRunStatus[] {
  const dir = path.resolve(experimentDir);
  const plan = planRuns(readExperimentConfig(dir));
  const located = locateRuns(dir, plan);
  return plan.map((run) => {
    const where = located.get(run.runId)!;
    const m = where.manifest;
    const acc = m ? (readLogColumns(where.dir)?.acc ?? []).filter(Number.isFinite) : [];
    let state: RunState;
    if (m?.status === "completed") state = "completed";
    else if (readLiveLock(dir, where.runId)) state = "running";
    else if (!m) state = "pending";
    else if (m.status === "failed") state = "failed";
    else state = "interrupted";
    return {
      ...(run.variant ? { variant: run.variant.name } : {}),
      budget: run.budget,
      seed: run.seed,
      runId: where.runId,
      dir: where.dir,
      state,
      epochsCompleted: m?.epochsCompleted ?? 0,
      lastAcc: acc.length ? acc[acc.length - 1] : null,
      bestAcc: acc.length ? Math.max(...acc) : null,
      ...(m?.status === "failed" && m.error ? { error: m.error } : {}),
    };
  });
}

/**
 * sweepStatus grouped by variant, in the order of experiment.json's variants (none for an
 * experiment without variants).
 */
export function sweepStatusByVariant(experimentDir: string): { variant: ExperimentVariant; runs: SweepRunStatus[] }[] {
  const status = sweepStatus(experimentDir);
  return (readExperimentConfig(experimentDir).variants ?? []).map((variant) => ({ variant, runs: status.filter((s) => s.variant === variant.name) }));
}

/** Number of GPUs `nvidia-smi -L` lists; 0 without the tool or a GPU. */
export function countGpus(): number {
  try {
    return execFileSync("nvidia-smi", ["-L"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 })
      .split("\n")
      .filter((line) => line.startsWith("GPU ")).length;
  } catch {
    return 0;
  }
}

/** What one worker process runs. */
export interface WorkerJob {
  experimentDir: string;
  outputsRoot: string;
  experiment: string;
  runId: string;
  config: TrainConfig;
  /** Worker slot, 0..workers-1 (the GPU index when GPUs are used). */
  slot: number;
}

/**
 * The default worker: a Node process that loads the training module (compiled dist/, or the
 * TypeScript sources when the parent runs under tsx: its execArgv is passed on) and calls
 * train(config, { outputsRoot, experiment, runId }), which creates or resumes the run.
 */
export function spawnTrainWorker(job: WorkerJob, env: NodeJS.ProcessEnv): ChildProcess {
  const library = path.resolve(__dirname, "..", "train", "train");
  const script = [
    `const lib = require(${JSON.stringify(library)});`,
    `const job = JSON.parse(process.env.FORGETTING_SWEEP_JOB);`,
    `lib.train(job.config, { outputsRoot: job.outputsRoot, experiment: job.experiment, runId: job.runId })`,
    `  .then(() => process.exit(0), (err) => { console.error(err && err.stack ? err.stack : String(err)); process.exit(1); });`,
  ].join("\n");
  return spawn(process.execPath, [...process.execArgv, "-e", script], {
    env: { ...env, FORGETTING_SWEEP_JOB: JSON.stringify({ config: job.config, outputsRoot: job.outputsRoot, experiment: job.experiment, runId: job.runId }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export interface SweepProgress {
  runsDone: number;
  runsTotal: number;
  epochsDone: number;
  epochsTotal: number;
  /** Runs being trained now, with their epochs done. */
  running: { runId: string; budget: number; seed: number; epochsCompleted: number }[];
  elapsedSeconds: number;
  /** Remaining epochs / epochs per second so far in this sweep; NaN until an epoch is done. */
  etaSeconds: number;
}

export interface SweepOptions {
  /** Worker processes at once. Default: GPUs if any (one per GPU), else os.availableParallelism(). */
  workers?: number;
  /** Called every `pollSeconds` and whenever a run starts or ends. */
  onProgress?: (progress: SweepProgress) => void;
  /** Seconds between progress polls. Default 2. */
  pollSeconds?: number;
  /** Starts one worker; default spawnTrainWorker (tests pass a fake). */
  spawnWorker?: (job: WorkerJob, env: NodeJS.ProcessEnv) => ChildProcess;
}

export interface SweepSummary {
  /** Runs trained to completion by this sweep. */
  completed: string[];
  /** Runs already completed before the sweep. */
  alreadyDone: string[];
  /** Runs whose worker exited with an error; `log` holds its output. */
  failed: { runId: string; exitCode: number | null; log: string }[];
  /** Runs another live process holds a lock on. */
  lockedElsewhere: string[];
}

/**
 * Runs every missing or unfinished run of the experiment at `experimentDir` (which holds
 * experiment.json) and waits for them.
 * @throws ValueError for a bad `workers`; FileFormatError for a missing/invalid experiment.json.
 */
export async function sweep(experimentDir: string, options: SweepOptions = {}): Promise<SweepSummary> {
  const dir = path.resolve(experimentDir);
  const experiment: ExperimentConfig = readExperimentConfig(dir);
  const gpus = options.workers === undefined ? countGpus() : 0;
  const workers = options.workers ?? (gpus > 0 ? gpus : os.availableParallelism());
  if (!Number.isInteger(workers) || workers <= 0) throw new ValueError(`sweep: expected options.workers to be an integer > 0, got ${describeValue(workers)}`);
  const spawnWorker = options.spawnWorker ?? spawnTrainWorker;
  const plan = planRuns(experiment);
  const located = locateRuns(dir, plan);
  const summary: SweepSummary = { completed: [], alreadyDone: [], failed: [], lockedElsewhere: [] };
  const queue: { run: PlannedRun; runId: string }[] = [];
  const epochsBefore = new Map<string, number>();
  for (const run of plan) {
    const where = located.get(run.runId)!;
    epochsBefore.set(where.runId, where.manifest?.epochsCompleted ?? 0);
    if (where.manifest?.status === "completed") summary.alreadyDone.push(where.runId);
    else queue.push({ run, runId: where.runId });
  }
  const epochsTotal = plan.reduce((sum, r) => sum + r.budget, 0);
  const started = Date.now();
  const running = new Map<string, { run: PlannedRun; child: ChildProcess; slot: number }>();
  const freeSlots = Array.from({ length: workers }, (_, i) => i);
  const logDir = path.join(dir, SWEEP_DIR, "logs");
  fs.mkdirSync(logDir, { recursive: true });

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
    for (const run of plan) {
      const runId = located.get(run.runId)!.runId;
      const now = summary.alreadyDone.includes(runId) || summary.completed.includes(runId) ? run.budget : epochsOf(runId);
      epochsDone += now;
      gained += Math.max(0, now - (epochsBefore.get(runId) ?? 0));
    }
    const elapsedSeconds = (Date.now() - started) / 1000;
    options.onProgress({
      runsDone: summary.alreadyDone.length + summary.completed.length,
      runsTotal: plan.length,
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
        if (!acquireRunLock(dir, runId)) {
          summary.lockedElsewhere.push(runId);
          continue;
        }
        const slot = freeSlots.shift()!;
        const env: NodeJS.ProcessEnv = { ...process.env };
        if (gpus > 0) env.CUDA_VISIBLE_DEVICES = String(slot);
        const logFile = path.join(logDir, `${runId}.log`);
        const log = fs.openSync(logFile, "a");
        const child = spawnWorker({ experimentDir: dir, outputsRoot: path.dirname(dir), experiment: path.basename(dir), runId, config: run.config, slot }, env);
        child.stdout?.on("data", (chunk: Buffer) => fs.writeSync(log, chunk));
        child.stderr?.on("data", (chunk: Buffer) => fs.writeSync(log, chunk));
        if (child.pid) updateRunLock(dir, runId, child.pid);
        running.set(runId, { run, child, slot });
        child.on("close", (code) => {
          fs.closeSync(log);
          releaseRunLock(dir, runId);
          running.delete(runId);
          freeSlots.push(slot);
          let finished = false;
          try {
            finished = readManifest(path.join(dir, runId)).status === "completed";
          } catch {
            finished = false;
          }
          if (code === 0 && finished) summary.completed.push(runId);
          else summary.failed.push({ runId, exitCode: code, log: logFile });
          report();
          startNext();
        });
        child.on("error", (err) => fs.writeSync(log, `failed to start worker: ${err.message}\n`));
      }
      if (running.size === 0 && queue.length === 0) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(report, (options.pollSeconds ?? 2) * 1000);
    report();
    startNext();
  });
  report();
  return summary;
}

/** "b2-s0 ... 3/5 runs, 12/20 epochs, ETA 1m20s" for a terminal line. */
export function formatSweepProgress(p: SweepProgress): string {
  const eta = Number.isFinite(p.etaSeconds) ? `ETA ${formatDuration(p.etaSeconds)}` : "ETA -";
  const running = p.running.map((r) => `${r.runId} ${r.epochsCompleted}/${r.budget}`).join(", ");
  return `runs ${p.runsDone}/${p.runsTotal}  epochs ${p.epochsDone}/${p.epochsTotal}  ${formatDuration(p.elapsedSeconds)} elapsed  ${eta}${running ? `  running: ${running}` : ""}`;
}

