import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type ExperimentConfig, planRuns } from "../../src/config/experiment";
import { type WorkerJob, sweep } from "../../src/experiments/sweep";
import { resolveTrainConfig } from "../../src/config/train";
import { makeTempDir, writeFakeRun } from "../analysis/fakeRuns";
import { readExperimentConfig, writeExperimentConfig } from "../../src/runs/experiment";
import { RUN_LOCKED_EXIT, acquireRunLock, readLiveLock } from "../../src/runs/lock";
import { sweepStatus } from "../../src/runs/status";
import { type SweepProgress, formatSweepProgress } from "../../src/core/progress";
import { withFakeNvidiaSmi } from "../backend/fakeNvidiaSmi";

const FAKE_RUNS = path.resolve(__dirname, "../analysis/fakeRuns.ts");
const LOCK = path.resolve(__dirname, "../../src/runs/lock.ts");

/**
 * A stand-in for training: a real child process that, like train() in the real worker, holds
 * the run's lock (exit RUN_LOCKED_EXIT if another process holds it) while it writes the run
 * epoch by epoch with the record and manifest helpers (resuming from the epochs already on
 * disk), or exits 3 when the config asks for lr 0.123.
 */
function fakeWorker(job: WorkerJob, env: NodeJS.ProcessEnv) {
  const script = `
    const { writeFakeRun } = require(${JSON.stringify(FAKE_RUNS)});
    const { RUN_LOCKED_EXIT, RunLockedError, acquireRunLock } = require(${JSON.stringify(LOCK)});
    const fs = require("node:fs"); const path = require("node:path");
    const job = JSON.parse(process.env.FAKE_JOB);
    if (job.config.lr === 0.123) { console.error("simulated crash"); process.exit(3); }
    const experimentDir = path.join(job.outputsRoot, job.experiment);
    acquireRunLock(experimentDir, job.runId).then(async (lock) => {
      const dir = path.join(experimentDir, job.runId);
      let start = 0;
      try { start = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).epochsCompleted; } catch {}
      fs.appendFileSync(path.join(experimentDir, "starts.txt"), job.runId + " from " + start + "\\n");
      const n = 5, E = job.config.epochs;
      const sequences = Array.from({ length: n }, (_, i) => Array.from({ length: E }, (_, e) => (i + e + job.config.seed) % 3 === 0 ? 0 : 1));
      for (let e = Math.max(start, 1); e <= E; e++) {
        writeFakeRun(experimentDir, { runId: job.runId, seed: job.config.seed, sequences, config: job.config,
          status: e === E ? "completed" : "running", epochsCompleted: e, rowsWritten: e, acc: Array(e).fill(0.5 + job.config.seed / 10) });
      }
      await lock.release();
    }, (err) => {
      console.error(err.message);
      process.exit(err instanceof RunLockedError ? RUN_LOCKED_EXIT : 1);
    });
  `;
  return spawn(process.execPath, [...process.execArgv, "-e", script], { env: { ...env, FAKE_JOB: JSON.stringify(job) }, stdio: ["ignore", "pipe", "pipe"] });
}

function setup(definition: Partial<ExperimentConfig> = {}) {
  const root = makeTempDir("sweep-test-");
  const dir = writeExperimentConfig(root, { name: "grid", base: { dataset: "digits", lr: 0.05 }, budgets: [3, 2], seeds: 2, ...definition });
  return { root, dir };
}

test("writeExperimentConfig/readExperimentConfig/planRuns: the grid of budgets x seeds", () => {
  const { root, dir } = setup();
  try {
    const experiment = readExperimentConfig(dir);
    assert.deepEqual(experiment.budgets, [2, 3]);
    const plan = planRuns(experiment);
    assert.deepEqual(plan.map((r) => r.runId), ["b2-s0", "b2-s1", "b3-s0", "b3-s1"]);
    assert.deepEqual(plan[3].config, resolveTrainConfig({ dataset: "digits", lr: 0.05, epochs: 3, seed: 1 }));
    assert.deepEqual(planRuns({ ...experiment, seeds: [7, 4] }).map((r) => r.runId), ["b2-s4", "b2-s7", "b3-s4", "b3-s7"]);
    assert.throws(() => writeExperimentConfig(root, { ...experiment, base: { lr: 0.1 } }), /exists with another base config, seeds or variants/);
    assert.throws(() => writeExperimentConfig(root, { ...experiment, variants: [{ name: "noisy", config: { labelNoise: 0.1 } }] }), /exists with another base config, seeds or variants/);
    // The same base written in another key order is the same grid; a budget may be added.
    writeExperimentConfig(root, { ...experiment, base: { lr: 0.05, dataset: "digits" }, budgets: [2, 3, 4] });
    assert.deepEqual(readExperimentConfig(dir).budgets, [2, 3, 4]);
    assert.throws(() => writeExperimentConfig(root, { ...experiment, name: "x", budgets: [] }), {
      name: "ValueError",
      message: 'writeExperimentConfig: field "budgets": expected a non-empty list of distinct integers > 0, got []',
    });
    assert.throws(() => writeExperimentConfig(root, { ...experiment, name: "x", base: { epochs: 3 } }), /field "base": expected no "epochs"/);
    assert.throws(() => writeExperimentConfig(root, { ...experiment, name: "x", seeds: 0 }), /field "seeds": expected a count > 0/);
    assert.throws(() => writeExperimentConfig(root, { ...experiment, name: "x", base: { lrr: 1 } as never }), /field "base" with budget 2: .*unknown config key "lrr"/);
    fs.writeFileSync(path.join(dir, "experiment.json"), "{");
    assert.throws(() => readExperimentConfig(dir), { name: "FileFormatError", message: /experiment\.json: expected JSON/ });
    assert.throws(() => readExperimentConfig(root), /experiment definition is missing/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("sweep(dir, {workers: 2}) runs every missing run in worker processes and reports progress", async () => {
  const { root, dir } = setup();
  try {
    assert.deepEqual(sweepStatus(dir).map((s) => s.state), ["pending", "pending", "pending", "pending"]);
    const progress: SweepProgress[] = [];
    const summary = await sweep(dir, { workers: 2, spawnWorker: fakeWorker, pollSeconds: 0.05, onProgress: (p) => progress.push(p) });
    assert.deepEqual(summary.completed.sort(), ["b2-s0", "b2-s1", "b3-s0", "b3-s1"]);
    assert.deepEqual(summary.failed, []);
    const last = progress[progress.length - 1];
    assert.deepEqual([last.runsDone, last.runsTotal, last.epochsDone, last.epochsTotal], [4, 4, 10, 10]);
    assert.ok(progress.every((p) => p.running.length <= 2), "never more than 2 workers");
    assert.match(formatSweepProgress(last), /^runs 4\/4 {2}epochs 10\/10 /);
    const status = sweepStatus(dir);
    assert.deepEqual(status.map((s) => [s.runId, s.state, s.epochsCompleted, s.bestAcc]), [
      ["b2-s0", "completed", 2, 0.5],
      ["b2-s1", "completed", 2, 0.6],
      ["b3-s0", "completed", 3, 0.5],
      ["b3-s1", "completed", 3, 0.6],
    ]);
    assert.deepEqual(fs.readdirSync(path.join(dir, ".sweep", "locks")), [], "locks released");
    // A second sweep has nothing to do.
    const again = await sweep(dir, { workers: 2, spawnWorker: fakeWorker });
    assert.deepEqual([again.completed, again.alreadyDone.length], [[], 4]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("sweep(dir, {workers: 2}) on CPUs gives each worker its share of the cores in FORGETTING_THREADS", async () => {
  const { root, dir } = setup();
  const saved = process.env.FORGETTING_THREADS;
  delete process.env.FORGETTING_THREADS;
  try {
    const shares = new Set<string | undefined>();
    await sweep(dir, { workers: 2, spawnWorker: (job, env) => (shares.add(env.FORGETTING_THREADS), fakeWorker(job, env)) });
    assert.deepEqual([...shares], [String(Math.max(1, Math.floor(os.availableParallelism() / 2)))]);
  } finally {
    if (saved !== undefined) process.env.FORGETTING_THREADS = saved;
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("sweep(dir) without workers starts one worker per GPU nvidia-smi lists, each pinned with CUDA_VISIBLE_DEVICES", async () => {
  const { root, dir } = setup();
  try {
    const pinned: string[] = [];
    const summary = await withFakeNvidiaSmi(["NVIDIA RTX A5000, 535.104.05", "NVIDIA RTX A5000, 535.104.05"], () =>
      sweep(dir, { spawnWorker: (job, env) => (pinned.push(`${job.slot}:${env.CUDA_VISIBLE_DEVICES}`), fakeWorker(job, env)) }),
    );
    assert.equal(summary.completed.length, 4);
    assert.deepEqual([...new Set(pinned)].sort(), ["0:0", "1:1"]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("sweep(dir) resumes interrupted runs, counts dropped-in runs as done, skips live locks, takes over stale ones", async () => {
  const { root, dir } = setup();
  try {
    const planned = planRuns(readExperimentConfig(dir));
    const cfg = (budget: number, seed: number) => planned.find((r) => r.budget === budget && r.seed === seed)!.config as unknown as Record<string, unknown>;
    // b3-s1 was interrupted after 1 epoch; b2-s0 was made on another machine under another id.
    writeFakeRun(dir, { runId: "b3-s1", seed: 1, sequences: [[1, 1, 1]], config: cfg(3, 1), status: "running", epochsCompleted: 1, rowsWritten: 1 });
    writeFakeRun(dir, { runId: "cluster-Xy7", seed: 0, sequences: [[1, 1]], config: cfg(2, 0) });
    // A live process (this one) holds b2-s1; b3-s0's lock belongs to a dead process.
    const held = await acquireRunLock(dir, "b2-s1");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    fs.mkdirSync(path.join(dir, ".sweep", "locks", "b3-s0.lock"));
    fs.writeFileSync(path.join(dir, ".sweep", "locks", "b3-s0.holder.json"), JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), startedAt: "x" }));
    assert.equal(readLiveLock(dir, "b3-s0"), null);
    assert.deepEqual(sweepStatus(dir).map((s) => [s.runId, s.state, s.lockedBy]), [
      ["cluster-Xy7", "completed", undefined],
      ["b2-s1", "running", `pid ${process.pid}@${os.hostname()} since ${held.holder.startedAt}`],
      ["b3-s0", "pending", undefined],
      ["b3-s1", "interrupted", undefined],
    ]);
    const summary = await sweep(dir, { workers: 2, spawnWorker: fakeWorker });
    assert.deepEqual(summary.alreadyDone, ["cluster-Xy7"]);
    assert.deepEqual(summary.lockedElsewhere, ["b2-s1"]);
    assert.deepEqual(summary.completed.sort(), ["b3-s0", "b3-s1"]);
    const starts = fs.readFileSync(path.join(dir, "starts.txt"), "utf8").trim().split("\n").sort();
    assert.deepEqual(starts, ["b3-s0 from 0", "b3-s1 from 1"]);
    await held.release();
    assert.equal(sweepStatus(dir)[1].state, "pending");
    assert.deepEqual(fs.readdirSync(path.join(dir, ".sweep", "locks")), [], "the dead process's lock was taken over and released");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("sweep(dir) counts a worker that finds the lock taken after the sweep's check (exit RUN_LOCKED_EXIT) as locked elsewhere, not failed", async () => {
  const { root, dir } = setup({ budgets: [2], seeds: 2 });
  try {
    const held: Awaited<ReturnType<typeof acquireRunLock>>[] = [];
    const exits: (number | null)[] = [];
    const summary = await sweep(dir, {
      workers: 1,
      // Another process takes b2-s0 between the sweep's look at the lock and its worker's start.
      spawnWorker: (job, env) => {
        // (in milliseconds; the worker takes far longer to start)
        if (job.runId === "b2-s0") void acquireRunLock(dir, job.runId).then((lock) => held.push(lock));
        const child = fakeWorker(job, env);
        child.on("exit", (code) => exits.push(code));
        return child;
      },
    });
    assert.deepEqual(exits, [RUN_LOCKED_EXIT, 0]);
    assert.deepEqual([summary.lockedElsewhere, summary.completed, summary.failed], [["b2-s0"], ["b2-s1"], []]);
    assert.match(fs.readFileSync(path.join(dir, ".sweep", "logs", "b2-s0.log"), "utf8"), /^run .*b2-s0 is being trained by another process \(pid \d+@/);
    for (const lock of held) await lock.release();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("sweep(dir) reports a failing worker with its exit code and log, and checks workers", async () => {
  const { root, dir } = setup({ base: { lr: 0.123 }, budgets: [2], seeds: 1 });
  try {
    const summary = await sweep(dir, { workers: 1, spawnWorker: fakeWorker });
    assert.equal(summary.failed.length, 1);
    assert.equal(summary.failed[0].exitCode, 3);
    assert.match(fs.readFileSync(summary.failed[0].log, "utf8"), /simulated crash/);
    await assert.rejects(sweep(dir, { workers: 0 }), { name: "ValueError", message: "sweep: expected options.workers to be an integer > 0, got 0" });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
