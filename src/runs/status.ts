/**
 * The state of every planned run of an experiment, read from the run folders' manifests and
 * the run locks: what `status`, the sweeps and the follow-up results report.
 */
import * as path from "node:path";
import { type ExperimentVariant, type PlannedRun, planRuns } from "../config/experiment";
import { type ResolvedTrainConfig, configDifferences } from "../config/train";
import type { RunManifest } from "./layout";
import { describeHolder, readLiveLock } from "./lock";
import { readManifest } from "./manifest";
import { listRunFolders, readLogColumns } from "./scan";
import { readExperimentConfig } from "./experiment";

export const VALID_RUN_STATES = ["completed", "running", "interrupted", "failed", "unreadable", "pending"] as const;
/**
 * completed: all epochs done. running: locked by a live process. interrupted: started, not
 * finished, nobody running it (resumable). failed: the manifest says "failed" (resumable:
 * the sweep retries from the last checkpoint). unreadable: the run folder's manifest cannot be
 * read (the reason is in `error`). pending: not started.
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
  /** The manifest's error message of a failed run; why the manifest of an unreadable one cannot be read. */
  error?: string;
  /** Who holds the lock of a running run: "pid 123@node7 since <ISO time>". */
  lockedBy?: string;
}

function sameRunConfig(manifest: RunManifest, planned: ResolvedTrainConfig): boolean {
  return configDifferences(manifest.config, planned).length === 0;
}

/** Where a planned run lives, its manifest if readable, and why not if its folder's is not. */
interface LocatedRun {
  dir: string;
  runId: string;
  manifest: RunManifest | null;
  unreadable?: string;
}

/**
 * Where each planned run lives: a completed run with the planned config wins (whatever its
 * folder name: runs made elsewhere keep their ids); else the planned folder b<budget>-s<seed>.
 */
export function locateRuns(experimentDir: string, plan: PlannedRun[]): Map<string, LocatedRun> {
  const manifests: RunManifest[] = [];
  const unreadable = new Map<string, string>();
  for (const folder of listRunFolders(experimentDir)) {
    try {
      manifests.push(readManifest(path.join(experimentDir, folder)));
    } catch (err) {
      // Not a match for any planned run; the planned folder's own is reported as unreadable.
      unreadable.set(folder, err instanceof Error ? err.message : String(err));
    }
  }
  const located = new Map<string, LocatedRun>();
  for (const run of plan) {
    const matches = manifests.filter((m) => m.config.epochs === run.budget && m.config.seed === run.seed && sameRunConfig(m, run.config));
    const done = matches.filter((m) => m.status === "completed").sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    const own = manifests.find((m) => m.runId === run.runId) ?? null;
    const chosen = done ?? own;
    const runId = chosen?.runId ?? run.runId;
    const why = chosen ? undefined : unreadable.get(runId);
    located.set(run.runId, { dir: path.join(experimentDir, runId), runId, manifest: chosen, ...(why !== undefined ? { unreadable: why } : {}) });
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
    const lock = m?.status === "completed" ? null : readLiveLock(dir, where.runId);
    let state: RunState;
    if (m?.status === "completed") state = "completed";
    else if (lock) state = "running";
    else if (where.unreadable !== undefined) state = "unreadable";
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
      ...(where.unreadable !== undefined ? { error: where.unreadable } : {}),
      ...(lock ? { lockedBy: describeHolder(lock) } : {}),
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
