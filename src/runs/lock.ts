/**
 * The run lock: the one process that trains a run holds it (train() and resumeRun(), so a
 * sweep worker, `train --resume` and a Slurm task alike), and every other process that would
 * train the run is refused.
 *
 * On disk, in <experiment>/.sweep/locks/:
 * - `<runId>.lock/`: proper-lockfile's lock, a folder made by mkdir (atomic, also on NFS) whose
 *   mtime the holder refreshes every LOCK_REFRESH_MS;
 * - `<runId>.holder.json`: who holds it (pid, host, startedAt), written atomically after the
 *   folder is made and removed before it is, so it never outlives its lock folder;
 * - `<runId>.acquiring.lock/`: held for the few milliseconds of an acquisition, so that two
 *   processes taking over the same stale lock cannot both win.
 *
 * A lock is live while its holder can be running:
 * - on this host, while the holder's pid is alive: a killed holder's lock is taken over at once
 *   (a pid the system has reused since keeps it live; `status` names that process);
 * - from another host (its pid means nothing here), while its folder's mtime is younger than
 *   LOCK_STALE_MS;
 * - without a holder file yet (a holder between mkdir and its write), by the mtime too.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as lockfile from "proper-lockfile";
import { writeJsonAtomic, makeDirectory } from "../core/atomic";
import { ValueError } from "../core/errors";

/** The experiment's bookkeeping folder (locks, worker logs, worker jobs). */
export const SWEEP_DIR = ".sweep";

/** How often (ms) the holder refreshes its lock folder's mtime. */
export const LOCK_REFRESH_MS = 30_000;

/**
 * How old (ms) another host's lock folder's mtime must be before the lock is taken over.
 * The mtime is set by the holder's clock and read by ours, through NFS, which caches folder
 * attributes up to 60 s (acdirmax): a healthy lock can look 30 s (refresh) + 60 s old, and
 * a long synchronous training step delays the refresh timer. 180 s leaves a minute and a
 * half for that and for clock skew between hosts (NTP keeps cluster nodes far closer).
 */
export const LOCK_STALE_MS = 180_000;

/** Exit code of a sweep worker whose run's lock another process took first (counted as locked elsewhere, not failed). */
export const RUN_LOCKED_EXIT = 73;

/** Who holds a run lock: `<runId>.holder.json`. */
export interface RunLockHolder {
  pid: number;
  /** os.hostname() of the holder. */
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
}

/** A lock held live by some process. */
export interface LiveRunLock {
  /** null while the holder has not yet written its holder file. */
  holder: RunLockHolder | null;
  /** The lock folder's mtime: when the holder last refreshed it. */
  refreshedAt: Date;
}

/** A held run lock. */
export interface RunLock {
  /** The run folder the lock is for. */
  readonly runDir: string;
  readonly holder: RunLockHolder;
  /**
   * Why the lock was lost while held (its folder removed, or taken over after a refresh
   * failed for LOCK_STALE_MS), else null. A holder that lost its lock must stop writing.
   */
  readonly lost: Error | null;
  /** Releases the lock (best effort, never throws: a lock left behind is stale by the rules above once this process exits). */
  release(): Promise<void>;
}

/** "pid 123@node7 since 2026-12-01T10:00:00.000Z", or what is known of a holder still writing its file. */
export function describeHolder(lock: LiveRunLock): string {
  return lock.holder ? `pid ${lock.holder.pid}@${lock.holder.host} since ${lock.holder.startedAt}` : `a process still taking it (lock refreshed ${lock.refreshedAt.toISOString()})`;
}

/** Another live process holds the run's lock. */
export class RunLockedError extends ValueError {
  override name = "RunLockedError";
  constructor(
    readonly runDir: string,
    readonly lock: LiveRunLock,
  ) {
    super(`run ${runDir} is being trained by another process (${describeHolder(lock)}); wait for it, or stop it first`);
  }
}

/** The held run lock was lost: another process may be writing the run now. */
export class RunLockLostError extends ValueError {
  override name = "RunLockLostError";
  constructor(runDir: string, reason: Error) {
    super(`run ${runDir}: its lock was lost while training (${reason.message}); stopped at the next minibatch, resume it once no other process trains it`);
  }
}

function locksDir(experimentDir: string): string {
  return path.join(experimentDir, SWEEP_DIR, "locks");
}

/** proper-lockfile's lock folder of `base` is `${base}.lock`. */
const lockFolderOf = (base: string) => `${base}.lock`;
const holderFileOf = (base: string) => `${base}.holder.json`;
const baseOfLockFolder = (folder: string) => folder.slice(0, -".lock".length);

/**
 * The fs proper-lockfile uses for run locks: its every removal of a lock folder (release, its
 * exit handler, a failed mtime probe) removes the holder file first, so a holder file never
 * describes a folder made later by someone else. It is fs by prototype, not a copy: copying
 * every property reads fs.F_OK and its kin, which Node 24 reports as deprecated on stderr.
 */
const runLockFs = Object.create(fs, {
  rmdir: {
    value(folder: string, callback: (err: NodeJS.ErrnoException | null) => void) {
      fs.rm(holderFileOf(baseOfLockFolder(folder)), { force: true }, (err) => (err ? callback(err) : fs.rmdir(folder, callback)));
    },
  },
  rmdirSync: {
    value(folder: string) {
      fs.rmSync(holderFileOf(baseOfLockFolder(folder)), { force: true });
      fs.rmdirSync(folder);
    },
  },
}) as typeof fs;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(base: string): RunLockHolder | null {
  try {
    const holder = JSON.parse(fs.readFileSync(holderFileOf(base), "utf8")) as RunLockHolder;
    return Number.isInteger(holder.pid) && typeof holder.host === "string" ? holder : null;
  } catch {
    return null; // absent: the holder has not written it yet (written atomically: never half)
  }
}

type LockState = { state: "free" } | { state: "stale" } | { state: "live"; lock: LiveRunLock };

function inspectLock(base: string): LockState {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(lockFolderOf(base));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { state: "free" };
    throw err;
  }
  // A plain file: the lock of an earlier version of this program, whose format had no safe owner.
  if (!stat.isDirectory()) return { state: "stale" };
  const holder = readHolder(base);
  const live = holder && holder.host === os.hostname() ? isAlive(holder.pid) : Date.now() - stat.mtimeMs <= LOCK_STALE_MS;
  return live ? { state: "live", lock: { holder, refreshedAt: stat.mtime } } : { state: "stale" };
}

/** The run's lock if a live process holds it (by the rules at the top of this file), else null. */
export function readLiveLock(experimentDir: string, runId: string): LiveRunLock | null {
  const found = inspectLock(path.join(locksDir(experimentDir), runId));
  return found.state === "live" ? found.lock : null;
}

/**
 * Takes the lock of run `<experimentDir>/<runId>`, taking over a stale one, and keeps it
 * fresh until released. If the lock is lost while held, one line goes to stderr and
 * `lost` is set (train() then stops at the next minibatch).
 * @throws RunLockedError if a live process holds it.
 */
export async function acquireRunLock(experimentDir: string, runId: string): Promise<RunLock> {
  const dir = locksDir(experimentDir);
  makeDirectory(dir);
  const base = path.join(dir, runId);
  const runDir = path.join(experimentDir, runId);
  // Held for milliseconds; one whose holder died in them is stale after 5 s, and waited for.
  const releaseAcquiring = await lockfile.lock(`${base}.acquiring`, {
    realpath: false,
    stale: 5_000,
    retries: { retries: 60, minTimeout: 10, maxTimeout: 200 },
    onCompromised: () => {
      // Only the acquisition below was guarded, and it is over by then.
    },
  });
  let lost: Error | null = null;
  const holder: RunLockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  let release: () => Promise<void>;
  try {
    const found = inspectLock(base);
    if (found.state === "live") throw new RunLockedError(runDir, found.lock);
    if (found.state === "stale") {
      fs.rmSync(holderFileOf(base), { force: true });
      fs.rmSync(lockFolderOf(base), { recursive: true, force: true });
    }
    release = await lockfile.lock(base, {
      realpath: false,
      stale: LOCK_STALE_MS,
      update: LOCK_REFRESH_MS,
      fs: runLockFs,
      // Keeping on could put two writers on one run folder: record it, say it once, let train() stop.
      onCompromised: (err) => {
        lost = err;
        console.error(`run ${runDir}: lock lost (${err.message}); stopping the run`);
      },
    });
    try {
      writeJsonAtomic(holderFileOf(base), holder);
    } catch (err) {
      await release();
      throw err;
    }
  } finally {
    await releaseAcquiring();
  }
  return {
    runDir,
    holder,
    get lost() {
      return lost;
    },
    async release() {
      if (lost) return;
      try {
        await release();
      } catch {
        // Already gone, or not removable: once this process exits the pid rule frees it.
      }
    },
  };
}
