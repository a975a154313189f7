/**
 * Crash injection: a training child process is SIGKILLed right after each write of the
 * epoch-end sequence (record rows, float rows, log.csv, stats.csv, each checkpoint file, the
 * checkpoint folder renames and removals, the manifest) and of a mid-epoch checkpoint, by a
 * preload that wraps node:fs (fixtures/crashAfterWrite.ts; no hook in the code under test).
 * Each crashed run folder is then resumed and must end byte-identical to an uninterrupted run.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resumeRun, train } from "../../src/train/train";
import { readManifest } from "../../src/runs/manifest";
import type { TrainConfig } from "../../src/config/train";

const PROJECT = path.resolve(__dirname, "../..");
const CHILD = path.join(__dirname, "fixtures", "trainChild.ts");
const PRELOAD = path.join(__dirname, "fixtures", "crashAfterWrite.ts");
/** 3 epochs of 12 batches, two float records: each epoch end appends three record rows. */
// q8 float storage and the predicted-class record: the compact rows and the uint8 row must resume byte-identical too.
const CONFIG = { epochs: 3, batchSize: 128, seed: 5, recordFloats: ["loss", "margin"], floatStorage: "q8", recordPredicted: true } satisfies Partial<TrainConfig>;
/** A 2-epoch run with a mid-epoch checkpoint after every step (any interval below a step's time). */
const EVERY_STEP = { ...CONFIG, epochs: 2, checkpointEveryMinutes: 1e-6 } satisfies Partial<TrainConfig>;
const COMPARED = ["correct.bits", "loss.q8", "margin.q8", "predicted.u8", "stats.csv", "checkpoint/weights.bin", "checkpoint/optimizer.bin"];
/** log.csv columns that do not measure time. */
const LOG_VALUES = ["epoch", "acc", "lr", "train_loss", "train_acc", "val_loss"];

/**
 * A folder for one test's runs: in memory where Linux has /dev/shm, since the trials fsync
 * thousands of times (a SIGKILL keeps the page cache, so fsync does not change what they test).
 */
function tempRoot(): string {
  return fs.mkdtempSync(path.join(fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir(), "forgetting-crash-"));
}

function comparedFiles(dir: string): Record<string, Buffer | string> {
  const files: Record<string, Buffer | string> = Object.fromEntries(COMPARED.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
  const [header, ...rows] = fs.readFileSync(path.join(dir, "log.csv"), "utf8").trim().split("\n");
  const columns = header.split(",").map((name, i) => [name, i] as const).filter(([name]) => LOG_VALUES.includes(name));
  files["log.csv (values)"] = rows.map((row) => columns.map(([, i]) => row.split(",")[i]).join(",")).join("\n");
  return files;
}

/** Runs fixtures/trainChild.ts on run `runId` of `<root>/kill/` with the crash preload; resolves with the exit signal (null: it ran to its end). */
function runChild(root: string, runId: string, config: Partial<TrainConfig>, env: Record<string, string>): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--import", PRELOAD, CHILD, root, runId, JSON.stringify(config)], {
      cwd: PROJECT,
      env: { ...process.env, CRASH_ROOT: root, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => (code === 0 || signal === "SIGKILL" ? resolve(signal) : reject(new Error(`child exited ${code}: ${stderr}`))));
  });
}

/** Runs `jobs` with at most `limit` at once. */
async function pool<T>(limit: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

/** What the resume found: the checkpoint it started from and leftovers of the crash. */
function crashState(dir: string): string {
  const checkpoint = ["checkpoint", "checkpoint.prev"].find((d) => fs.existsSync(path.join(dir, d, "checkpoint.json")));
  const leftovers = fs.readdirSync(dir).filter((f) => f.endsWith(".tmp") || f === "checkpoint.prev");
  if (!checkpoint) return "no checkpoint";
  const info = JSON.parse(fs.readFileSync(path.join(dir, checkpoint, "checkpoint.json"), "utf8")) as { epoch: number; midEpoch?: { batchesDone: number } };
  const where = info.midEpoch ? `epoch ${info.epoch + 1} batch ${info.midEpoch.batchesDone}` : `end of epoch ${info.epoch}`;
  return `${checkpoint}/ at ${where}${leftovers.length ? ` + ${leftovers.join(", ")}` : ""}`;
}

/**
 * Crashes a copy of `base` (a run folder after epoch 1) after each call of its next session's
 * trace in [from, to] (1-based), resumes each in this process and compares it with
 * `reference`. Writes of the temporary files inside the checkpoint's temporary folder are
 * left out: a crash there leaves the same state as one after the file before (a partial
 * temporary folder). Two crash children run at once; the resumes take turns.
 */
async function crashAndResume(root: string, base: string, config: Partial<TrainConfig>, window: { from: number; to: number }, trace: string[], reference: Record<string, Buffer | string>) {
  const trials = Array.from({ length: window.to - window.from + 1 }, (_, i) => window.from + i).filter((n) => !/^write \.checkpoint\.\*\.tmp\/\./.test(trace[n - 1]));
  let resumes: Promise<unknown> = Promise.resolve();
  const states = await pool(
    2,
    trials.map((n) => async () => {
      const dir = path.join(root, "kill", `crash-${n}`);
      fs.cpSync(base, dir, { recursive: true });
      assert.equal(await runChild(root, `crash-${n}`, config, { CRASH_AFTER: String(n) }), "SIGKILL", `the child ran past call ${n}`);
      const state = crashState(dir);
      const resumed = (resumes = resumes.then(() => resumeRun(dir, { backend: "wasm", quiet: true })));
      assert.equal((await resumed as Awaited<ReturnType<typeof resumeRun>>).status, "completed", `crash after call ${n} (${trace[n - 1]})`);
      assert.equal(readManifest(dir).epochsCompleted, config.epochs);
      const files = comparedFiles(dir);
      for (const [f, bytes] of Object.entries(reference)) {
        assert.ok(typeof bytes === "string" ? bytes === files[f] : bytes.equals(files[f] as Buffer), `${f} differs after a crash after ${trace[n - 1]} (${state})`);
      }
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp") || f === "checkpoint.prev"), [], `leftovers after a crash after ${trace[n - 1]}`);
      fs.rmSync(dir, { recursive: true, force: true });
      return `after ${trace[n - 1]}: resumed from ${state}`;
    }),
  );
  return states;
}

/** Trains `config` to epoch 1 in-process (the crash trials' starting point) and traces the child's next session. */
async function baseAndTrace(root: string, config: Partial<TrainConfig>) {
  await train(config, { outputsRoot: root, experiment: "kill", runId: "base", backend: "wasm", quiet: true, stopAfterEpochs: 1 });
  const base = path.join(root, "kill", "base");
  fs.cpSync(base, path.join(root, "kill", "trace"), { recursive: true });
  const traceFile = `${root}.trace.txt`;
  assert.equal(await runChild(root, "trace", config, { CRASH_TRACE: traceFile }), null);
  const trace = fs.readFileSync(traceFile, "utf8").trim().split("\n").map((line) => line.replace("kill/trace/", ""));
  fs.rmSync(traceFile);
  return { base, trace, traced: comparedFiles(path.join(root, "kill", "trace")) };
}

test("a run SIGKILLed after each write of an epoch end (records, log, stats, checkpoint files and renames, manifest) resumes byte-identical", async () => {
  const started = Date.now();
  const root = tempRoot();
  await train(CONFIG, { outputsRoot: root, experiment: "ref", runId: "whole", backend: "wasm", quiet: true });
  const reference = comparedFiles(path.join(root, "ref", "whole"));
  const { base, trace, traced } = await baseAndTrace(root, CONFIG);
  assert.deepEqual(traced, reference, "the traced child differs from the in-process run");
  // Epoch 2's end: from its first record row to the manifest write after it.
  const from = trace.indexOf("write correct.bits") + 1;
  const to = trace.indexOf("rename manifest.json", from) + 1;
  assert.ok(from > 0 && to > from, `no epoch end in the trace:\n${trace.join("\n")}`);
  const calls = trace.slice(from - 1, to);
  for (const call of ["write loss.q8", "write margin.q8", "write predicted.u8", "rename log.csv", "rename stats.csv", "rename .checkpoint.*.tmp/weights.bin", "rename .checkpoint.*.tmp/optimizer.bin", "rename .checkpoint.*.tmp/checkpoint.json", "rename checkpoint.prev", "rename checkpoint", "rm checkpoint.prev"]) {
    assert.ok(calls.includes(call), `the epoch-end trace lacks "${call}": ${calls.join("; ")}`);
  }
  const states = await crashAndResume(root, base, CONFIG, { from, to }, trace, reference);
  console.log(`${states.length} crash points of an epoch end, each resumed byte-identical (${((Date.now() - started) / 1000).toFixed(1)} s):\n  ${states.join("\n  ")}`);
  fs.rmSync(root, { recursive: true, force: true });
});

test("a run SIGKILLed after each write of a mid-epoch checkpoint resumes mid-epoch, byte-identical", async () => {
  const started = Date.now();
  const root = tempRoot();
  await train({ ...CONFIG, epochs: EVERY_STEP.epochs }, { outputsRoot: root, experiment: "ref", runId: "whole", backend: "wasm", quiet: true });
  const reference = comparedFiles(path.join(root, "ref", "whole"));
  const { base, trace, traced } = await baseAndTrace(root, EVERY_STEP);
  assert.deepEqual(traced, reference, "checkpoints after every step changed the run");
  // The third mid-epoch checkpoint of epoch 2 (after its third batch): from its temporary folder to the manifest.
  let from = 0;
  for (let k = 0; k < 3; k++) from = trace.indexOf("rm .checkpoint.*.tmp", from) + 1;
  const to = trace.indexOf("rename manifest.json", from) + 1;
  const calls = trace.slice(from - 1, to);
  for (const call of ["rename .checkpoint.*.tmp/epoch.correct.bits", "rename .checkpoint.*.tmp/epoch.presented.bits", "rename .checkpoint.*.tmp/epoch.loss.f32", "rename .checkpoint.*.tmp/epoch.margin.f32", "rename .checkpoint.*.tmp/epoch.predicted.u8", "rename checkpoint"]) {
    assert.ok(calls.includes(call), `the mid-epoch trace lacks "${call}": ${calls.join("; ")}`);
  }
  const states = await crashAndResume(root, base, EVERY_STEP, { from, to }, trace, reference);
  assert.ok(states.some((s) => s.includes("epoch 2 batch 3")), `no trial resumed from the new mid-epoch checkpoint:\n${states.join("\n")}`);
  console.log(`${states.length} crash points of a mid-epoch checkpoint, each resumed byte-identical (${((Date.now() - started) / 1000).toFixed(1)} s):\n  ${states.join("\n  ")}`);
  fs.rmSync(root, { recursive: true, force: true });
});
