/**
 * The run lock: <experiment>/.sweep/locks/<runId>.lock (pid, worker pid, host, time) keeps two
 * processes from training the same run at once. A lock whose processes are dead on this host
 * is stale and taken over; another host's lock counts as live.
 */
import * as fs from "node:fs";
import { makeDirectory } from "../core/atomic";
import * as os from "node:os";
import * as path from "node:path";

/** The experiment's bookkeeping folder (locks, worker logs, worker jobs). */
export const SWEEP_DIR = ".sweep";

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
  makeDirectory(path.dirname(file));
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

export function updateRunLock(experimentDir: string, runId: string, workerPid: number): void {
  const file = lockFile(experimentDir, runId);
  const info = JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
  fs.writeFileSync(file, JSON.stringify({ ...info, workerPid }));
}

export function releaseRunLock(experimentDir: string, runId: string): void {
  fs.rmSync(lockFile(experimentDir, runId), { force: true });
}
