import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resumeRun, train } from "../../src/train/train";
import { RESUMABLE_EXIT_CODE, RunStoppedError } from "../../src/train/stop";
import { readManifest } from "../../src/runs/manifest";
import { readCheckpoint } from "../../src/runs/checkpoint";
import type { TrainConfig } from "../../src/config/train";
import type { TrainProgress } from "../../src/core/progress";
import { writeJsonAtomic } from "../../src/core/atomic";
import type { WorkerJobFile } from "../../src/experiments/worker";

const PROJECT = path.resolve(__dirname, "../..");
/** 90 batches an epoch; every float record. */
const CONFIG = { epochs: 3, batchSize: 16, seed: 3, recordFloats: ["loss", "margin", "prob", "el2n"], recordPredicted: true } satisfies Partial<TrainConfig>;
const COMPARED = ["correct.bits", "loss.f32", "margin.f32", "prob.f32", "el2n.f32", "predicted.u8", "stats.csv", "checkpoint/weights.bin", "checkpoint/optimizer.bin"];
/** log.csv columns that do not measure time. */
const LOG_VALUES = ["epoch", "acc", "lr", "train_loss", "train_acc", "val_loss"];
const roots: string[] = [];

function tempRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-stop-"));
  roots.push(root);
  return root;
}
after(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

/** The files a stopped and resumed run must share with an uninterrupted one, log.csv without its timings. */
function comparedFiles(dir: string, names = COMPARED): Record<string, string> {
  const files = Object.fromEntries(names.filter((f) => fs.existsSync(path.join(dir, f))).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString("hex")]));
  const [header, ...rows] = fs.readFileSync(path.join(dir, "log.csv"), "utf8").trim().split("\n");
  const columns = header.split(",").flatMap((name, i) => (LOG_VALUES.includes(name) ? [i] : []));
  files["log.csv (values)"] = rows.map((row) => columns.map((i) => row.split(",")[i]).join(",")).join("\n");
  return files;
}

const references = new Map<string, Promise<Record<string, string>>>();
/** The uninterrupted run of `config` (trained once per config). */
function reference(config: Partial<TrainConfig>, names?: string[]): Promise<Record<string, string>> {
  const key = JSON.stringify(config);
  if (!references.has(key)) {
    references.set(
      key,
      (async () => {
        const root = tempRoot();
        await train(config, { outputsRoot: root, experiment: "ref", runId: "whole", backend: "wasm", quiet: true });
        return comparedFiles(path.join(root, "ref", "whole"), names);
      })(),
    );
  }
  return references.get(key)!;
}

test("train()/resumeRun() stopped by their AbortSignal mid-epoch, at an epoch's last batch, in its evaluation and at its end, and resumed each time, give the uninterrupted run's bytes", async () => {
  const root = tempRoot();
  const dir = path.join(root, "x", "stopped");
  // Minibatch events over all sessions (90 an epoch); "eval" stops when the 2nd epoch's evaluation starts.
  const stops: (number | "eval")[] = [7, 95, 180, "eval", 200, 270];
  let step = 0;
  let evals = 0;
  const outcomes: string[] = [];
  for (let session = 0; ; session++) {
    const controller = new AbortController();
    const onProgress = (p: TrainProgress) => {
      if (p.phase === "train" && stops.includes(++step)) controller.abort("test");
      if (p.phase === "eval" && ++evals === 2) controller.abort("test");
    };
    const options = { backend: "wasm" as const, quiet: true, stop: controller.signal, onProgress };
    try {
      const manifest = session === 0 ? await train(CONFIG, { ...options, outputsRoot: root, experiment: "x", runId: "stopped" }) : await resumeRun(dir, options);
      assert.equal(manifest.status, "completed");
      break;
    } catch (err) {
      if (!(err instanceof RunStoppedError)) throw err;
      assert.equal(err.runDir, dir);
      assert.equal(err.reason, "test");
      outcomes.push(`${err.epochsCompleted}+${err.batchesDone}/${err.batches}`);
      const manifest = readManifest(dir);
      assert.equal(manifest.status, "running", "a stopped run stays resumable");
      assert.equal(manifest.epochsCompleted, err.epochsCompleted);
      const checkpoint = readCheckpoint(dir)!;
      assert.equal(checkpoint.info.epoch, err.epochsCompleted);
      assert.equal(checkpoint.midEpoch?.batchesDone ?? 0, err.batchesDone);
      if (checkpoint.midEpoch) assert.equal(checkpoint.midEpoch.seen, Math.min(err.batchesDone * CONFIG.batchSize, manifest.dataset.nExamples));
    }
  }
  // 180 is the 2nd epoch's last batch (saved mid-epoch with every batch done); the eval stop
  // comes in the session resumed from it; 270 ends the 3rd epoch's batches.
  assert.deepEqual(outcomes, ["0+7/90", "1+5/90", "1+90/90", "1+90/90", "2+20/90", "2+90/90"]);
  assert.deepEqual(comparedFiles(dir), await reference(CONFIG));
});

test("a stop request between an epoch's last step and its files ends the epoch first: RunStoppedError after epoch 1, no mid-epoch checkpoint", async () => {
  const root = tempRoot();
  const controller = new AbortController();
  // evalEvery 2: epoch 1 has no evaluation, so nothing stands between its last batch and its files.
  const config = { ...CONFIG, epochs: 2, evalEvery: 2 };
  const stopped = await train(config, {
    outputsRoot: root,
    experiment: "x",
    runId: "end",
    backend: "wasm",
    quiet: true,
    stop: controller.signal,
    onEpoch: () => controller.abort("SIGTERM"),
  }).catch((err: unknown) => err);
  assert.ok(stopped instanceof RunStoppedError, String(stopped));
  assert.match(stopped.message, /stopped by SIGTERM after epoch 1; checkpoint written, the run is resumable$/);
  const dir = path.join(root, "x", "end");
  assert.equal(readCheckpoint(dir)!.midEpoch, null);
  await resumeRun(dir, { backend: "wasm", quiet: true });
  assert.deepEqual(comparedFiles(dir), await reference(config));
});

test("resumeRun(runDir) refuses a mid-epoch checkpoint whose counts disagree with its record, in one line, and changes nothing", async () => {
  const root = tempRoot();
  const controller = new AbortController();
  const config = { ...CONFIG, epochs: 1 };
  const options = { outputsRoot: root, experiment: "x", runId: "bad", backend: "wasm" as const, quiet: true, stop: controller.signal };
  await assert.rejects(train(config, { ...options, onProgress: (p) => p.batch === 5 && controller.abort("test") }), RunStoppedError);
  const dir = path.join(root, "x", "bad");
  const json = path.join(dir, "checkpoint", "checkpoint.json");
  const info = JSON.parse(fs.readFileSync(json, "utf8")) as { midEpoch: { seen: number } };
  assert.equal(info.midEpoch.seen, 80);
  info.midEpoch.seen = 81;
  fs.writeFileSync(json, JSON.stringify(info));
  const before = comparedFiles(dir, ["manifest.json", "log.csv", "checkpoint/checkpoint.json"]);
  await assert.rejects(resumeRun(dir, { backend: "wasm", quiet: true }), (err: Error) => {
    assert.equal(err.message, `${json}: field "midEpoch.seen": expected 80 (the examples its presented row marks), got 81`);
    return true;
  });
  assert.deepEqual(comparedFiles(dir, ["manifest.json", "log.csv", "checkpoint/checkpoint.json"]), before);
});

test("checkpointEveryMinutes writes mid-epoch checkpoints without a stop, and they do not change the run", async () => {
  const root = tempRoot();
  const dir = path.join(root, "x", "timed");
  // Below one step's time: a checkpoint after every step but an epoch's last.
  const config = { ...CONFIG, epochs: 2, batchSize: 64, checkpointEveryMinutes: 1e-6 };
  const seen: number[] = [];
  await train(config, {
    outputsRoot: root,
    experiment: "x",
    runId: "timed",
    backend: "wasm",
    quiet: true,
    onProgress(p) {
      // The checkpoint on disk when step p.batch starts is the one after the step before.
      if (p.phase === "train" && p.epoch === 2 && p.batch <= 4) seen.push(readCheckpoint(dir)!.midEpoch?.batchesDone ?? 0);
    },
  });
  assert.deepEqual(seen, [0, 1, 2, 3]);
  const { checkpointEveryMinutes: _minutes, ...plain } = config;
  assert.deepEqual(comparedFiles(dir), await reference(plain));
});

/** Waits until `text()` matches `pattern`. */
async function waitFor(text: () => string, pattern: RegExp, what: string): Promise<void> {
  for (let waited = 0; !pattern.test(text()); waited += 20) {
    if (waited > 60_000) throw new Error(`timed out waiting for ${what}: ${text()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs `node <args>`, sends it `signals` (one after another) once its stderr shows an epoch
 * summary line and `delayMs` passed, and resolves with its exit code and stderr.
 */
function runAndSignal(args: string[], signals: NodeJS.Signals[], delayMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: PROJECT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.resume();
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stderr }));
    if (signals.length === 0) return;
    waitFor(() => stderr, /^epoch \d+\/\d+ /m, "the first epoch line")
      .then(() => new Promise((r) => setTimeout(r, delayMs)))
      .then(() => signals.forEach((s) => child.kill(s)))
      .catch(reject);
  });
}

const CLI = path.join(PROJECT, "bin", "forgetting.js");
const CLI_SKIP = fs.existsSync(path.join(PROJECT, "dist", "cli.js")) ? false : "dist/ is not built: run `npm run build` (npm test builds it before the tests)";

test("forgetting train stopped by real SIGTERM, SIGINT and a double SIGTERM mid-epoch exits 75 with one line; train --resume ends byte-identical", { skip: CLI_SKIP }, async () => {
  const root = tempRoot();
  // Each session is signalled 0.2 s after its first epoch line. On the oneDNN path a digits
  // epoch can take less than that, so a stop may land an epoch or two later: 12 epochs leave
  // room for 3 stops on a fast machine.
  const config = { epochs: 12, batchSize: 8, seed: 2, recordFloats: ["loss", "prob"] } satisfies Partial<TrainConfig>;
  const dir = path.join(root, "cli", "sig");
  const flags = ["--epochs", "12", "--batch-size", "8", "--seed", "2", "--record-floats", "loss,prob", "--backend", "wasm"];
  const sessions: NodeJS.Signals[][] = [["SIGTERM"], ["SIGINT"], ["SIGTERM", "SIGTERM"]];
  const lines: string[] = [];
  for (const [i, signals] of [...sessions, []].entries()) {
    const args = i === 0 ? [CLI, "train", ...flags, "--outputs", root, "--experiment", "cli", "--run-id", "sig"] : [CLI, "train", "--resume", dir, "--backend", "wasm"];
    // A session's first epoch line, then 0.2 s: usually mid-epoch.
    const { code, stderr } = await runAndSignal(args, signals, 200);
    if (code === 0) break;
    assert.equal(code, RESUMABLE_EXIT_CODE, stderr);
    const stopLines = stderr.split("\n").filter((l) => l.includes("stopped by"));
    assert.equal(stopLines.length, 1, stderr);
    assert.match(stopLines[0], new RegExp(`^forgetting train: run ${dir} stopped by ${signals[0]} (at epoch \\d+ batch \\d+/180|after epoch \\d+); checkpoint written, the run is resumable; resume with: forgetting train --resume ${dir}$`));
    assert.ok(!stderr.includes("    at "), `a stack trace: ${stderr}`);
    lines.push(stopLines[0]);
  }
  console.log(lines.join("\n"));
  assert.equal(lines.length, sessions.length);
  assert.ok(lines.some((l) => / at epoch \d+ batch \d+\/180;/.test(l)), "no stop fell mid-epoch");
  assert.equal(readManifest(dir).status, "completed");
  assert.deepEqual(comparedFiles(dir, COMPARED.filter((f) => f !== "margin.f32")), await reference(config, COMPARED.filter((f) => f !== "margin.f32")));
});

test("a sweep worker stopped by SIGTERM writes its checkpoint and exits 75 with one line; the run resumes byte-identical", async () => {
  const root = tempRoot();
  // Signalled 0.2 s after its first epoch line: the epochs after it must outlast that (see above).
  const config = { epochs: 6, batchSize: 8, seed: 4 } satisfies Partial<TrainConfig>;
  const jobFile = path.join(root, "job.json");
  writeJsonAtomic(jobFile, { config: config as TrainConfig, outputsRoot: root, experiment: "sweep", runId: "w" } satisfies WorkerJobFile);
  const { code, stderr } = await runAndSignal(["--import", "tsx", path.join(PROJECT, "src", "experiments", "worker.ts"), jobFile], ["SIGTERM"], 200);
  assert.equal(code, RESUMABLE_EXIT_CODE, stderr);
  assert.match(stderr, /^worker: run .* stopped by SIGTERM (at epoch \d+ batch \d+\/180|after epoch \d+); checkpoint written, the run is resumable$/m);
  const dir = path.join(root, "sweep", "w");
  await resumeRun(dir, { backend: "wasm", quiet: true });
  assert.deepEqual(comparedFiles(dir, COMPARED.slice(0, 1).concat(COMPARED.slice(4))), await reference(config, COMPARED.slice(0, 1).concat(COMPARED.slice(4))));
});

test("a sweep stopped by SIGTERM stops its workers at a checkpoint and exits 75 naming the command; the same command again ends byte-identical", { skip: CLI_SKIP }, async () => {
  const root = tempRoot();
  const args = [CLI, "sweep", "stopped", "--budgets", "2", "--seeds", "1", "--base-json", '{"batchSize":8}', "--workers", "1", "--outputs", root];
  const child = spawn(process.execPath, args, { cwd: PROJECT, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const logs = path.join(root, "stopped", ".sweep", "logs");
  const workerLog = () => (fs.existsSync(logs) ? fs.readdirSync(logs).map((f) => fs.readFileSync(path.join(logs, f), "utf8")).join("") : "");
  await waitFor(workerLog, /^epoch 1\/2 /m, "the worker's first epoch line");
  await new Promise((r) => setTimeout(r, 200));
  child.kill("SIGTERM");
  assert.equal(await exited, RESUMABLE_EXIT_CODE, stderr);
  assert.match(stderr, /^forgetting sweep: sweep: stopped; 1 run\(s\) stopped at a checkpoint \(.+\); resume with: forgetting sweep stopped --budgets 2 --seeds 1 --base-json '\{"batchSize":8\}' --workers 1 --outputs \S+$/m);
  assert.match(workerLog(), /^worker: run .* stopped by SIGTERM at epoch 2 batch \d+\/180; checkpoint written, the run is resumable$/m);
  const [runId] = fs.readdirSync(path.join(root, "stopped")).filter((f) => fs.existsSync(path.join(root, "stopped", f, "manifest.json")));
  assert.equal(readManifest(path.join(root, "stopped", runId)).status, "running");

  const again = spawn(process.execPath, args, { cwd: PROJECT, stdio: "ignore" });
  assert.equal(await new Promise((resolve) => again.on("exit", resolve)), 0);
  const names = COMPARED.slice(0, 1).concat(COMPARED.slice(4));
  assert.deepEqual(comparedFiles(path.join(root, "stopped", runId), names), await reference({ epochs: 2, batchSize: 8, seed: 0 }, names));
});

test("stopOnSignals: after a stop fired, dispose keeps ignoring the signals, so a late second SIGTERM cannot kill the process before it reports", async () => {
  const script = [
    `const { stopOnSignals } = require(${JSON.stringify(path.join(PROJECT, "src", "train", "stop.ts"))});`,
    "const stop = stopOnSignals();",
    "stop.signal.addEventListener('abort', () => {",
    "  stop.dispose();",
    "  process.kill(process.pid, 'SIGTERM');",
    "  setTimeout(() => { console.log('alive after a second SIGTERM'); process.exit(0); }, 300);",
    "});",
    "process.kill(process.pid, 'SIGTERM');",
    "setTimeout(() => {}, 5000);",
  ].join("\n");
  const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { cwd: PROJECT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("exit", (c, s) => resolve([c, s])));
  assert.deepEqual([code, signal, out.trim()], [0, null, "alive after a second SIGTERM"]);
});
