/**
 * The Slurm executor's edge, without a cluster: option checks (one line, exit 2, nothing
 * written), the sbatch script it would write, and `status` where Slurm is absent.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkSlurmResources, parseSlurmTime } from "../../src/experiments/slurm";
import { ValueError } from "../../src/core/errors";
import { makeTempDir } from "../analysis/fakeRuns";
import { writeExperimentConfig } from "../../src/runs/experiment";
import { skipIfMissing } from "../requirements";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "forgetting.js");
const distMissing = () => (fs.existsSync(path.join(ROOT, "dist", "cli.js")) ? undefined : "dist/ is not built: run `npm run build`");

test("parseSlurmTime reads Slurm's time forms and refuses the rest", () => {
  assert.equal(parseSlurmTime("t", "2-00:00:00"), 2 * 86400);
  assert.equal(parseSlurmTime("t", "1-12"), 86400 + 12 * 3600);
  assert.equal(parseSlurmTime("t", "1-02:30"), 86400 + 2 * 3600 + 30 * 60);
  assert.equal(parseSlurmTime("t", "12:00:00"), 12 * 3600);
  assert.equal(parseSlurmTime("t", "90"), 90 * 60);
  assert.equal(parseSlurmTime("t", "10:30"), 10 * 60 + 30);
  for (const bad of ["", "2d", "1-24:00:00", "00:61:00", "0", "1:2:3:4", "-1"]) {
    assert.throws(() => parseSlurmTime("sweep --time", bad), (err: unknown) => err instanceof ValueError && err.message.startsWith("sweep --time: expected a time limit like D-HH:MM:SS"), bad);
  }
});

test("checkSlurmResources checks each option once and refuses what the executor sets itself", () => {
  const r = checkSlurmResources("sweep", { partition: "gpu", gpusPerTask: 1, cpusPerTask: 8, mem: "64G", time: "2-00:00:00", account: "lab-a", sbatchArg: " --qos=long  --constraint=a5000 " });
  assert.deepEqual(r, { partition: "gpu", account: "lab-a", gpusPerTask: 1, cpusPerTask: 8, mem: "64G", time: { text: "2-00:00:00", seconds: 172800 }, sbatchArgs: ["--qos=long", "--constraint=a5000"] });
  const refused: [Parameters<typeof checkSlurmResources>[1], RegExp][] = [
    [{ partition: "gpu a" }, /^sweep --partition: expected a Slurm name/],
    [{ mem: "lots" }, /^sweep --mem: expected a size like 32G/],
    [{ gpusPerTask: 0 }, /^sweep --gpus-per-task: expected an integer >= 1, got 0/],
    [{ time: "3" }, /^sweep --time: expected a time limit of at least 4 minutes \(the task is signalled 2 minutes before it to checkpoint\), got "3"$/],
    [{ sbatchArg: "--array=0-3" }, /^sweep --sbatch-arg: --array is set by the executor itself/],
    [{ sbatchArg: "--comment='x y'" }, /^sweep --sbatch-arg: expected sbatch options separated by spaces/],
  ];
  for (const [options, message] of refused) assert.throws(() => checkSlurmResources("sweep", options), (err: unknown) => err instanceof ValueError && message.test(err.message));
});

test("sweep --executor slurm: bad options are one line, exit 2, before experiment.json is written; status without squeue says so", (t) => {
  if (skipIfMissing(t, distMissing())) return;
  const outputs = makeTempDir("slurm-options-");
  // No Slurm client on PATH: only node itself.
  const env = { ...process.env, PATH: path.dirname(process.execPath) === "/usr/bin" ? makeTempDir("no-slurm-bin-") : path.dirname(process.execPath) };
  const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: "utf8" });
  try {
    const grid = ["sweep", "e", "--outputs", outputs, "--budgets", "1", "--seeds", "2", "--preset", "digits"];
    for (const [extra, message] of [
      [["--executor", "slurm", "--time", "3 days"], /^forgetting sweep: sweep --time: expected a time limit like D-HH:MM:SS, HH:MM:SS or minutes \(e\.g\. 2-00:00:00\), got "3 days"$/],
      [["--time", "1:00:00"], /^forgetting sweep: sweep: --time is a Slurm option: expected it with --executor slurm, got --executor "local"$/],
      [["--executor", "slurm", "--workers", "2"], /^forgetting sweep: sweep --workers: expected no --workers with --executor slurm/],
      [["--executor", "pbs"], /^forgetting sweep: sweep --executor: expected one of local, slurm, got "pbs"$/],
    ] as const) {
      const r = cli([...grid, ...extra]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr.trim(), message);
      assert.equal(r.stderr.trim().split("\n").length, 1);
      assert.equal(fs.existsSync(path.join(outputs, "e")), false, "nothing written");
    }
    const noSlurm = cli([...grid, "--executor", "slurm"]);
    assert.equal(noSlurm.status, 2);
    assert.match(noSlurm.stderr, /^forgetting sweep: sweep: expected Slurm's client commands \(the Slurm executor asks squeue what is queued\), got: squeue is not on PATH/);
    assert.equal(fs.existsSync(path.join(outputs, "e")), false, "nothing written without Slurm");

    // A recorded submission, Slurm gone: status lists the task and says in one line why its state is unknown.
    writeExperimentConfig(outputs, { name: "e", base: { model: "digits-mlp", dataset: "digits" }, budgets: [1], seeds: 2 });
    const submission = path.join(outputs, "e", ".sweep", "slurm", "s1");
    fs.mkdirSync(submission, { recursive: true });
    fs.writeFileSync(path.join(submission, "submission.json"), JSON.stringify({ name: "s1", kind: "train", jobName: "j", jobId: "41", submittedAt: "", tasks: [{ index: 1, runId: "b1-s1" }] }));
    const status = cli(["status", "e", "--outputs", outputs]);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /b1-s0 .* pending .* - *\n/);
    assert.match(status.stdout, /b1-s1 .* pending .* 41_1 submitted, not in queue\n/);
    assert.match(status.stdout, /\nSlurm states unknown: squeue is not on PATH \(no Slurm client here\)\n$/);
  } finally {
    fs.rmSync(outputs, { recursive: true, force: true });
  }
});
