/**
 * The Slurm executor on a real single-node cluster (./slurmCluster): a digits grid of
 * 2 budgets x 2 seeds submitted as one job array from the CLI, one task requeued with
 * `scontrol requeue` while it is mid-epoch, and every run's files byte-identical to the same
 * configs trained locally with train(); then `study --executor slurm`, whose dependent jobs
 * carry the study through its follow-ups to the analysis.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { planRuns } from "../../src/config/experiment";
import { readExperimentConfig } from "../../src/runs/experiment";
import { readManifest } from "../../src/runs/manifest";
import { train } from "../../src/train/train";
import { makeTempDir } from "../analysis/fakeRuns";
import { skipIfMissing } from "../requirements";
import { REQUEUE_WAIT_SECONDS, slurmClusterMissing, startSlurmCluster } from "./slurmCluster";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "forgetting.js");

/** The files a run's result is: records, per-example statistics, final weights and optimizer state. */
const COMPARED_FILES = ["correct.bits", "prob.f32", "stats.csv", "examples.csv", "checkpoint/weights.bin", "checkpoint/optimizer.bin"];
/** log.csv's columns that do not measure time. */
const LOG_VALUE_COLUMNS = ["epoch", "acc", "lr", "train_loss", "train_acc", "val_loss"];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function logValues(runDir: string): string[] {
  const [header, ...rows] = fs.readFileSync(path.join(runDir, "log.csv"), "utf8").trim().split("\n");
  const keep = header.split(",").map((c, i) => (LOG_VALUE_COLUMNS.includes(c) ? i : -1)).filter((i) => i >= 0);
  return rows.map((row) => keep.map((i) => row.split(",")[i]).join(","));
}

function epochsOf(runDir: string): number | null {
  try {
    return readManifest(runDir).epochsCompleted;
  } catch {
    return null;
  }
}

test("the Slurm executor on a local single-node cluster", { timeout: 300_000 }, async (t) => {
  if (skipIfMissing(t, fs.existsSync(path.join(ROOT, "dist", "cli.js")) ? slurmClusterMissing() : "dist/ is not built: run `npm run build`")) return;
  const cluster = await startSlurmCluster(2);
  const outputs = makeTempDir("slurm-sweep-");
  const note = (line: string) => {
    t.diagnostic(line);
    console.log(`slurm test: ${line}`);
  };
  const cli = (args: string[]) => execFileSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: cluster.env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const slurm = (command: string, args: string[]) => execFileSync(command, args, { env: cluster.env, encoding: "utf8" });
  /** Waits until none of `jobIds` is pending or running (squeue keeps finished ones for MinJobAge). */
  const waitForJobs = async (jobIds: string[], seconds: number) => {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const left = slurm("squeue", ["--noheader", "--array", "--format=%i %T", `--jobs=${jobIds.join(",")}`]).trim();
      if (!left || left.split("\n").every((line) => /COMPLETED|FAILED|CANCELLED|TIMEOUT/.test(line))) return;
      assert.ok(Date.now() < deadline, `jobs ${jobIds.join(", ")} did not finish within ${seconds} s: ${left}`);
      await sleep(500);
    }
  };
  try {
    await t.test("sweep --executor slurm: a 2 x 2 digits grid, one task requeued mid-epoch, files byte-identical to local runs", async () => {
      const started = Date.now();
      // Batch size 1: about 2 s an epoch, long enough to requeue a task in the middle of one.
      const base = { model: "digits-mlp", dataset: "digits", batchSize: 1, lr: 0.01, momentum: 0.5, recordFloats: ["prob"] };
      const submitted = cli(["sweep", "grid", "--outputs", outputs, "--budgets", "2,3", "--seeds", "2", "--base-json", JSON.stringify(base), "--executor", "slurm", "--cpus-per-task", "1", "--time", "0:10:00"]);
      const jobId = /submitted job array (\d+) \(4 task\(s\)\)/.exec(submitted)?.[1];
      assert.ok(jobId, submitted);
      const taskOf = new Map([...submitted.matchAll(/^ {2}(\d+_\d+) {2}(\S+)$/gm)].map((m) => [m[2], m[1]]));
      assert.deepEqual([...taskOf.keys()].sort(), ["b2-s0", "b2-s1", "b3-s0", "b3-s1"]);
      note(`submitted job array ${jobId}: ${[...taskOf].map(([run, task]) => `${task}=${run}`).join(", ")}`);
      const experimentDir = path.join(outputs, "grid");
      const [submissionDir] = fs.readdirSync(path.join(experimentDir, ".sweep", "slurm")).filter((d) => d.endsWith("-train")).map((d) => path.join(experimentDir, ".sweep", "slurm", d));
      assert.match(fs.readFileSync(path.join(submissionDir, "submit.sh"), "utf8"), /#SBATCH --requeue\n#SBATCH --signal=B:USR1@120\n/);

      // Again at once: everything is pending or running, nothing is submitted twice.
      assert.match(cli(["sweep", "grid", "--outputs", outputs, "--executor", "slurm"]), /nothing to submit[\s\S]*in Slurm already: 4;/);

      // Requeue b3-s0 once its first epoch is written and the second is under way.
      const requeued = taskOf.get("b3-s0")!;
      const requeuedDir = path.join(experimentDir, "b3-s0");
      const firstEpochBy = Date.now() + 120_000;
      while (epochsOf(requeuedDir) !== 1) {
        assert.ok(Date.now() < firstEpochBy, "b3-s0 never reached its first epoch");
        await sleep(50);
      }
      slurm("scontrol", ["requeue", requeued]);
      const epochsAtRequeue = epochsOf(requeuedDir);
      note(`scontrol requeue ${requeued} with ${epochsAtRequeue}/3 epochs of b3-s0 written (mid-epoch 2)`);
      const queued = slurm("squeue", ["--noheader", "--array", "--format=%i %T %r", `--jobs=${requeued}`]).trim();
      note(`right after the requeue: ${queued}`);
      assert.match(queued, new RegExp(`^${requeued} (PENDING|REQUEUED|COMPLETING)`));
      const status = cli(["status", "grid", "--outputs", outputs]);
      assert.match(status, new RegExp(`b3-s0 .* ${requeued} (PENDING|REQUEUED|COMPLETING)`));
      assert.equal(epochsOf(requeuedDir), 1, "the requeue stopped b3-s0 before its second epoch was written");

      // Everything completes (the requeued task after the credential wait).
      await waitForJobs([jobId], 120);
      const finalStatus = cli(["status", "grid", "--outputs", outputs]);
      assert.match(finalStatus, /4 runs: 4 completed/, finalStatus);
      const requeuedLog = fs.readFileSync(path.join(submissionDir, "logs", `${requeued}.log`), "utf8");
      assert.match(requeuedLog, /\(restart 0\)[\s\S]*\(restart 1\)[\s\S]*slurm-task: run b3-s0: completed, 3\/3 epochs/);
      // Slurm's SIGTERM stopped training after its step with a mid-epoch checkpoint, and the restart went on from it.
      const stopLine = requeuedLog.match(/^forgetting slurm-task: run \S+ stopped by SIGTERM at epoch 2 batch (\d+)\/(\d+); checkpoint written, the run is resumable; resume with: .*$/m);
      assert.ok(stopLine, requeuedLog);
      note(`the requeued task stopped at epoch 2 batch ${stopLine[1]}/${stopLine[2]} with a mid-epoch checkpoint`);
      note(`${requeued} ran twice (restart 0, restart 1) and completed; cluster done after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.match(cli(["sweep", "grid", "--outputs", outputs, "--executor", "slurm"]), /nothing to submit[\s\S]*completed: 4;/);

      // The same configs trained here, uninterrupted.
      const local = makeTempDir("slurm-local-");
      try {
        let bytes = 0;
        for (const run of planRuns(readExperimentConfig(experimentDir))) {
          await train(run.config, { outputsRoot: local, experiment: "grid", runId: run.runId, quiet: true });
          for (const file of COMPARED_FILES) {
            const a = fs.readFileSync(path.join(experimentDir, run.runId, file));
            const b = fs.readFileSync(path.join(local, "grid", run.runId, file));
            assert.ok(a.equals(b), `${run.runId}/${file} differs from the local run`);
            bytes += a.length;
          }
          assert.deepEqual(logValues(path.join(experimentDir, run.runId)), logValues(path.join(local, "grid", run.runId)), `${run.runId}/log.csv`);
        }
        note(`4 runs x ${COMPARED_FILES.length} files (${COMPARED_FILES.join(", ")}), ${bytes} bytes, byte-identical to local train(); log.csv values equal`);
      } finally {
        fs.rmSync(local, { recursive: true, force: true });
      }
      note(`requeue wait ${REQUEUE_WAIT_SECONDS} s (AuthInfo=cred_expire); sweep test ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    await t.test("study --executor slurm: training arrays, then dependent jobs carry the study to its analysis", async () => {
      const started = Date.now();
      const args = ["study", "--name", "st", "--outputs", outputs, "--budgets", "1,2", "--seeds", "2", "--follow-up-seeds", "1", "--notebooks=false", "--executor", "slurm", "--cpus-per-task", "1", "--base-json", '{"lr": 0.02}', "--removal-scores", "forgetting"];
      const out = cli(args);
      const trainJob = /submitted job array (\d+) \(4 task\(s\)\)/.exec(out)?.[1];
      const studyJob = /study: job (\d+) continues the study once job\(s\) (\d+) completed/.exec(out);
      assert.ok(trainJob && studyJob && studyJob[2] === trainJob, out);
      assert.match(slurm("squeue", ["--noheader", "--format=%i %T %r", `--jobs=${studyJob[1]}`]), /PENDING Dependency/);
      note(`study: training array ${trainJob}, dependent study job ${studyJob[1]} (afterok:${trainJob})`);
      // The study job submits the follow-ups' arrays and a second study job, which analyses.
      const summary = path.join(outputs, "st", "analysis", "summary.json");
      const deadline = Date.now() + 150_000;
      while (!fs.existsSync(summary)) {
        assert.ok(Date.now() < deadline, `no ${summary} after 150 s: ${slurm("squeue", ["--array"])}`);
        await sleep(1000);
      }
      const studyLogs = fs.readdirSync(path.join(outputs, "st", ".sweep", "slurm")).filter((d) => d.endsWith("-study"));
      assert.equal(studyLogs.length, 2, "one study job after the main grid, one after the follow-ups");
      // Lists and JSON reach the dependent job as files, and the recipe arrives intact.
      const studyScript = fs.readFileSync(path.join(outputs, "st", ".sweep", "slurm", studyLogs[0], "submit.sh"), "utf8");
      assert.match(studyScript, /--base-json=@\S*study-options\/base-json\.json/);
      assert.match(studyScript, /--budgets=@\S*study-options\/budgets\.json/);
      for (const experiment of ["st", "st-noise"]) {
        const config = JSON.parse(fs.readFileSync(path.join(outputs, experiment, "experiment.json"), "utf8")) as { base: { lr: number } };
        assert.equal(config.base.lr, 0.02, experiment);
      }
      for (const [experiment, runs] of [["st", 4], ["st-removal", 5], ["st-noise", 2]] as const) {
        assert.match(cli(["status", experiment, "--outputs", outputs]), new RegExp(`${runs} runs: ${runs} completed`), experiment);
      }
      note(`study: main grid, removal (5 runs) and noise (2 runs) on Slurm, analysis by the second study job: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  } finally {
    spawnSync("scancel", ["--me"], { env: cluster.env });
    await cluster.stop();
    fs.rmSync(outputs, { recursive: true, force: true });
  }
});
