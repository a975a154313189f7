import { test } from "node:test";
import * as assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LOCK_STALE_MS, type RunLockHolder, RunLockedError, SWEEP_DIR, acquireRunLock, readLiveLock } from "../../src/runs/lock";

const CHILD = path.join(__dirname, "fixtures", "lockChild.ts");

function tempExperiment(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-lock-"));
}

const locksOf = (experimentDir: string) => path.join(experimentDir, SWEEP_DIR, "locks");

/** The pid of a process that has exited (the pid is free, or reused much later). */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

/** A lock as another process leaves it: the lock folder (mtime `ageMs` ago) and its holder file. */
function plantLock(experimentDir: string, runId: string, holder: RunLockHolder, ageMs: number): void {
  const folder = path.join(locksOf(experimentDir), `${runId}.lock`);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(locksOf(experimentDir), `${runId}.holder.json`), JSON.stringify(holder));
  const mtime = new Date(Date.now() - ageMs);
  fs.utimesSync(folder, mtime, mtime);
}

function startChild(args: string[], stdin: "ignore" | "pipe" = "ignore"): { child: ChildProcess; output: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { stdio: [stdin, "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const output = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { child, output };
}

/** Starts a child holding the lock of `runId` and resolves once it holds it. */
async function holdingChild(experimentDir: string, runId: string) {
  const started = startChild(["hold", experimentDir, runId]);
  await new Promise<void>((resolve, reject) => {
    started.child.stdout!.on("data", (d: Buffer) => d.toString().includes("held") && resolve());
    void started.output.then(({ stderr }) => reject(new Error(`the holding child exited: ${stderr}`)));
  });
  return started;
}

test("acquireRunLock: exclusive (also within one process), a holder file for status, release removes every file", async () => {
  const dir = tempExperiment();
  try {
    assert.equal(readLiveLock(dir, "b2-s0"), null);
    const lock = await acquireRunLock(dir, "b2-s0");
    assert.deepEqual([lock.holder.pid, lock.holder.host, lock.lost], [process.pid, os.hostname(), null]);
    const live = readLiveLock(dir, "b2-s0");
    assert.deepEqual(live?.holder, lock.holder);
    await assert.rejects(acquireRunLock(dir, "b2-s0"), (err: unknown) => {
      assert.ok(err instanceof RunLockedError && err.name === "RunLockedError");
      assert.equal(err.message, `run ${path.join(dir, "b2-s0")} is being trained by another process (pid ${process.pid}@${os.hostname()} since ${lock.holder.startedAt}); wait for it, or stop it first`);
      return true;
    });
    // Another run's lock is independent.
    const other = await acquireRunLock(dir, "b3-s0");
    await other.release();
    await lock.release();
    await lock.release(); // twice is harmless
    assert.equal(readLiveLock(dir, "b2-s0"), null);
    assert.deepEqual(fs.readdirSync(locksOf(dir)), []);
    await (await acquireRunLock(dir, "b2-s0")).release();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("acquireRunLock: a lock whose holder on this host is dead is taken over at once (a holder killed with SIGKILL; a SIGTERM'd one removes its lock)", async () => {
  const dir = tempExperiment();
  try {
    const killed = await holdingChild(dir, "r");
    const holder = readLiveLock(dir, "r")?.holder;
    assert.equal(holder?.pid, killed.child.pid);
    killed.child.kill("SIGKILL");
    await killed.output;
    assert.ok(fs.existsSync(path.join(locksOf(dir), "r.lock")), "SIGKILL leaves the lock folder");
    assert.equal(readLiveLock(dir, "r"), null, "a dead holder's lock is not live");
    const started = Date.now();
    const lock = await acquireRunLock(dir, "r");
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.equal(readLiveLock(dir, "r")?.holder?.pid, process.pid);
    await lock.release();

    const terminated = await holdingChild(dir, "t");
    terminated.child.kill("SIGTERM");
    await terminated.output;
    assert.deepEqual(fs.readdirSync(locksOf(dir)), [], "SIGTERM: the exit handler removed the lock");

    // A holder file naming a dead pid on this host, whatever the mtime.
    plantLock(dir, "d", { pid: deadPid(), host: os.hostname(), startedAt: "2026-01-01T00:00:00.000Z" }, 0);
    assert.equal(readLiveLock(dir, "d"), null);
    await (await acquireRunLock(dir, "d")).release();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(`acquireRunLock: another host's lock is live until its mtime is ${LOCK_STALE_MS / 1000} s old, then taken over`, async () => {
  const dir = tempExperiment();
  try {
    const elsewhere: RunLockHolder = { pid: process.pid, host: "gpu-node-17", startedAt: "2026-11-30T22:00:00.000Z" };
    plantLock(dir, "fresh", elsewhere, 1000);
    assert.deepEqual(readLiveLock(dir, "fresh")?.holder, elsewhere);
    await assert.rejects(acquireRunLock(dir, "fresh"), {
      name: "RunLockedError",
      message: `run ${path.join(dir, "fresh")} is being trained by another process (pid ${process.pid}@gpu-node-17 since 2026-11-30T22:00:00.000Z); wait for it, or stop it first`,
    });
    plantLock(dir, "almost", elsewhere, LOCK_STALE_MS - 10_000);
    await assert.rejects(acquireRunLock(dir, "almost"), { name: "RunLockedError" });
    plantLock(dir, "old", elsewhere, LOCK_STALE_MS + 10_000);
    assert.equal(readLiveLock(dir, "old"), null);
    const lock = await acquireRunLock(dir, "old");
    assert.equal(readLiveLock(dir, "old")?.holder?.host, os.hostname());
    await lock.release();
    // A lock folder without a holder file yet (its holder between mkdir and the write) is judged by its mtime.
    fs.mkdirSync(path.join(locksOf(dir), "starting.lock"));
    assert.deepEqual(readLiveLock(dir, "starting")?.holder, null);
    await assert.rejects(acquireRunLock(dir, "starting"), /is being trained by another process \(a process still taking it \(lock refreshed /);
    // The plain lock file of an earlier version is taken over.
    fs.writeFileSync(path.join(locksOf(dir), "v1.lock"), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: "x" }));
    await (await acquireRunLock(dir, "v1")).release();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("acquireRunLock in two processes at the same moments, 60 times (free, dead-holder and old other-host locks): exactly one wins each", async () => {
  const dir = tempExperiment();
  try {
    const rounds = 60;
    // Rounds 1, 4, 7, ... race to take over a dead holder's lock; 2, 5, 8, ... an old lock of another host.
    for (let r = 1; r < rounds; r += 3) plantLock(dir, `r${r}`, { pid: deadPid(), host: os.hostname(), startedAt: "x" }, 0);
    for (let r = 2; r < rounds; r += 3) plantLock(dir, `r${r}`, { pid: 1, host: "gpu-node-17", startedAt: "x" }, LOCK_STALE_MS + 60_000);
    const args = ["race", dir, String(Date.now() + 4000), String(rounds), "40"];
    const racers = [startChild(args, "pipe"), startChild(args, "pipe")];
    // Both keep their locks until both are done: only then may they exit (and release them).
    let done = 0;
    for (const { child } of racers) {
      let printed = "";
      child.stdout!.on("data", (d: Buffer) => {
        const before = printed;
        printed += d.toString();
        if (!/^done$/m.test(before) && /^done$/m.test(printed) && ++done === racers.length) racers.forEach((r) => r.child.stdin!.end());
      });
    }
    const results = await Promise.all(racers.map((r) => r.output));
    const outcomes = results.map(({ code, stdout, stderr }) => {
      assert.equal(code, 0, stderr);
      return new Map(stdout.trim().split("\n").filter((line) => line !== "done").map((line) => line.split(" ") as [string, string]));
    });
    let bothWon = 0;
    let noneWon = 0;
    for (let r = 0; r < rounds; r++) {
      const won = outcomes.filter((o) => o.get(`r${r}`) === "won").length;
      if (won === 2) bothWon++;
      if (won === 0) noneWon++;
    }
    const firstWins = [...outcomes[0].values()].filter((v) => v === "won").length;
    console.log(`lock races ${rounds}: won by both ${bothWon}, by neither ${noneWon}; first process won ${firstWins}, second ${rounds - firstWins}`);
    assert.deepEqual([bothWon, noneWon], [0, 0]);
    assert.deepEqual(fs.readdirSync(locksOf(dir)), [], "both processes released their locks at exit");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
