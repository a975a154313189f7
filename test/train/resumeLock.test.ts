/**
 * `forgetting train --resume` takes the run's lock: two resumes of one run started together
 * from the CLI (real processes), one trains it to the end, the other exits 2 with one line
 * naming the run folder and the holder, and the run comes out byte-identical to an
 * uninterrupted one.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readManifest } from "../../src/runs/manifest";
import { RunLockedError, acquireRunLock, readLiveLock } from "../../src/runs/lock";
import { resumeRun, train } from "../../src/train/train";
import { skipIfMissing } from "../requirements";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "forgetting.js");
const CONFIG_FLAGS = ["--epochs", "8", "--batch-size", "8", "--seed", "5", "--backend", "wasm"];
const COMPARED = ["correct.bits", "checkpoint/weights.bin", "checkpoint/optimizer.bin"];

const distMissing = (): string | undefined =>
  fs.existsSync(path.join(ROOT, "dist", "cli.js")) ? undefined : "dist/ is not built: run `npm run build` (npm test builds it before the tests)";

function cli(args: string[]): Promise<{ code: number | null; pid: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, pid: child.pid!, stdout, stderr }));
  });
}

test("two forgetting train --resume of one run at once: one trains, the other exits 2 with one line naming the run and the holder", async (t) => {
  if (skipIfMissing(t, distMissing())) return;
  const outputs = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-resume-lock-"));
  try {
    const train = (runId: string, extra: string[]) => execFileSync(process.execPath, [BIN, "train", ...CONFIG_FLAGS, "--outputs", outputs, "--experiment", "e", "--run-id", runId, "--quiet", ...extra], { cwd: ROOT, stdio: "ignore" });
    train("whole", []);
    train("r", ["--stop-after-epochs", "1"]);
    const dir = path.join(outputs, "e", "r");
    const results = await Promise.all([cli(["train", "--resume", dir]), cli(["train", "--resume", dir])]);
    const winners = results.filter((r) => r.code === 0);
    const losers = results.filter((r) => r.code !== 0);
    assert.equal(winners.length, 1, results.map((r) => r.stderr).join("\n"));
    const [loser] = losers;
    assert.equal(loser.code, 2);
    const lines = loser.stderr.trim().split("\n");
    assert.equal(lines.length, 1, loser.stderr);
    assert.match(lines[0], new RegExp(`^forgetting train: run ${dir} is being trained by another process \\(pid ${winners[0].pid}@${os.hostname()} since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); wait for it, or stop it first$`));
    assert.equal(loser.stdout, "");
    assert.equal(winners[0].stderr.split("\n").filter((l) => l.startsWith("epoch ")).length, 7, "the winner trained epochs 2..8");
    const manifest = readManifest(dir);
    assert.deepEqual([manifest.status, manifest.epochsCompleted], ["completed", 8]);
    for (const f of COMPARED) assert.ok(fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(outputs, "e", "whole", f))), `${f} differs from the uninterrupted run`);
    assert.deepEqual(fs.readdirSync(path.join(outputs, "e", ".sweep", "locks")), [], "the lock was released");
  } finally {
    fs.rmSync(outputs, { recursive: true, force: true });
  }
});

test("train() and resumeRun() hold the run's lock while they train and release it when they stop, finish or fail", async () => {
  const outputsRoot = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-train-lock-"));
  try {
    const experimentDir = path.join(outputsRoot, "e");
    const options = { outputsRoot, experiment: "e", runId: "r", backend: "wasm" as const, quiet: true };
    const seen: (number | undefined)[] = [];
    await assert.rejects(
      train({ epochs: 2 }, { ...options, onProgress: (p) => {
        seen.push(readLiveLock(experimentDir, "r")?.holder?.pid);
        if (p.batch === 3) throw new Error("a failing progress callback");
      } }),
      /a failing progress callback/,
    );
    assert.deepEqual(seen, [process.pid, process.pid, process.pid], "held while training");
    assert.equal(readLiveLock(experimentDir, "r"), null, "released after the failure");
    // Another holder: resumeRun and train refuse the run, naming it and the holder.
    const other = await acquireRunLock(experimentDir, "r");
    await assert.rejects(resumeRun(path.join(experimentDir, "r"), options), (err: unknown) => err instanceof RunLockedError && err.message.includes(`run ${path.join(experimentDir, "r")} is being trained by another process (pid ${process.pid}@`));
    await assert.rejects(train({ epochs: 2 }, options), RunLockedError);
    await other.release();
    const stopped = await train({ epochs: 2 }, { ...options, stopAfterEpochs: 1 });
    assert.equal(stopped.epochsCompleted, 1);
    assert.equal(readLiveLock(experimentDir, "r"), null, "released after a stop");
    assert.equal((await resumeRun(path.join(experimentDir, "r"), options)).status, "completed");
    assert.deepEqual(fs.readdirSync(path.join(experimentDir, ".sweep", "locks")), [], "released after the end");
  } finally {
    fs.rmSync(outputsRoot, { recursive: true, force: true });
  }
});
