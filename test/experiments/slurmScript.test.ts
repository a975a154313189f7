/**
 * The sbatch script's signal handling, run by bash outside Slurm with stand-ins for Slurm's
 * client commands on PATH (squeue, sbatch, scontrol: the real ones are in ./slurm.test.ts).
 * The time-limit signal (USR1, sent by --signal=B:USR1@...) makes the script stop training
 * and requeue its own task; TERM (scancel, an admin's requeue) stops training without a
 * requeue. The run, stopped twice and resumed, ends byte-identical to an uninterrupted one.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { planRuns } from "../../src/config/experiment";
import { readExperimentConfig } from "../../src/runs/experiment";
import { readManifest } from "../../src/runs/manifest";
import { train } from "../../src/train/train";
import { makeTempDir } from "../analysis/fakeRuns";
import { skipIfMissing } from "../requirements";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "forgetting.js");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("submit.sh: USR1 before the time limit stops training and requeues the task; TERM stops it without a requeue; the run resumes byte-identical", { timeout: 240_000 }, async (t) => {
  if (skipIfMissing(t, fs.existsSync(path.join(ROOT, "dist", "cli.js")) ? undefined : "dist/ is not built: run `npm run build`")) return;
  const outputs = makeTempDir("slurm-script-");
  try {
    const fakeBin = path.join(outputs, "bin");
    const calls = path.join(outputs, "scontrol.calls");
    fs.mkdirSync(fakeBin);
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(fakeBin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    stub("squeue", "exit 0");
    stub("sbatch", "echo 7");
    stub("scontrol", `echo "$*" >> '${calls}'`);
    const env = { ...process.env, PATH: `${fakeBin}:${process.env.PATH ?? ""}` };
    const base = { model: "digits-mlp", dataset: "digits", batchSize: 1, lr: 0.01, momentum: 0.5, recordFloats: ["prob"] };
    const out = execFileSync(process.execPath, [BIN, "sweep", "grid", "--outputs", outputs, "--budgets", "4", "--seeds", "1", "--base-json", JSON.stringify(base), "--executor", "slurm"], { env, encoding: "utf8" });
    assert.match(out, /submitted job array 7 \(1 task\(s\)\)/);
    const experimentDir = path.join(outputs, "grid");
    const slurmDir = path.join(experimentDir, ".sweep", "slurm");
    const script = path.join(slurmDir, fs.readdirSync(slurmDir).find((d) => d.endsWith("-train"))!, "submit.sh");
    const runDir = path.join(experimentDir, "b4-s0");
    const epochs = () => {
      try {
        return readManifest(runDir).epochsCompleted;
      } catch {
        return 0;
      }
    };
    /** Runs the script as array task 7_0; sends `signal` once `epochsBefore` epochs are written. */
    const runTask = async (signal?: NodeJS.Signals, epochsBefore = 0) => {
      // SLURM_RESTART_COUNT=1 skips the doctor report at the task's first start.
      const child = spawn("bash", [script], { env: { ...env, SLURM_ARRAY_JOB_ID: "7", SLURM_ARRAY_TASK_ID: "0", SLURM_RESTART_COUNT: "1" }, stdio: ["ignore", "pipe", "pipe"] });
      let log = "";
      child.stdout.on("data", (d: Buffer) => (log += d.toString()));
      child.stderr.on("data", (d: Buffer) => (log += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      if (signal) {
        while (epochs() < epochsBefore) await sleep(50);
        child.kill(signal);
      }
      return { code: await exited, log };
    };
    const requeues = () => (fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : []);

    // TERM (scancel, an admin's requeue): training stops, the script does not requeue.
    const cancelled = await runTask("SIGTERM", 1);
    assert.ok(cancelled.code === 75 || cancelled.code === 143, `exit ${cancelled.code}: ${cancelled.log}`);
    assert.deepEqual(requeues(), []);
    assert.ok(epochs() < 4);
    // USR1 (the time-limit signal): training stops and the script requeues its own task.
    const timeLimited = await runTask("SIGUSR1", 2);
    assert.ok(timeLimited.code === 75 || timeLimited.code === 143, `exit ${timeLimited.code}: ${timeLimited.log}`);
    assert.match(timeLimited.log, /== task 7_0 stopped before the time limit \(exit (75|143)\); requeueing/);
    assert.deepEqual(requeues(), ["requeue 7_0"]);
    assert.ok(epochs() < 4);
    // The requeued task resumes and completes.
    const resumed = await runTask();
    assert.equal(resumed.code, 0, resumed.log);
    assert.equal(readManifest(runDir).status, "completed");
    t.diagnostic(`stopped by TERM (exit ${cancelled.code}) and by USR1 (exit ${timeLimited.code}, requeued), then completed`);

    const local = path.join(outputs, "local");
    const [run] = planRuns(readExperimentConfig(experimentDir));
    await train(run.config, { outputsRoot: local, experiment: "grid", runId: run.runId, quiet: true });
    for (const file of ["correct.bits", "prob.f32", "stats.csv", "checkpoint/weights.bin", "checkpoint/optimizer.bin"]) {
      assert.ok(fs.readFileSync(path.join(runDir, file)).equals(fs.readFileSync(path.join(local, "grid", run.runId, file))), `${file} differs from the uninterrupted run`);
    }
  } finally {
    fs.rmSync(outputs, { recursive: true, force: true });
  }
});
