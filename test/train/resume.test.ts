import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { train, resumeRun } from "../../src/train/train";
import { readManifest } from "../../src/runs/manifest";
import type { RunManifest } from "../../src/runs/layout";
import { Random } from "../../src/core/random";

const PROJECT = path.resolve(__dirname, "../..");
const CHILD = path.join(__dirname, "fixtures", "trainChild.ts");
/** A short digits run that still has several epochs to interrupt. */
const CONFIG = { epochs: 6, batchSize: 16, seed: 3, recordFloats: ["margin" as const] };
/** Files that must come out byte-identical: the records and the final weights and momentum. */
const COMPARED = ["correct.bits", "margin.f32", "checkpoint/weights.bin", "checkpoint/optimizer.bin"];

function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-resume-"));
}

function readCompared(dir: string): Record<string, Buffer> {
  return Object.fromEntries(COMPARED.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

/**
 * Runs the training child and kills it with SIGKILL once it reports global minibatch
 * `killAtStep` (epoch * batches + batch, 1-based; the "eval" event of an epoch counts as its
 * last batch, so that kill lands while the epoch's files are written). Infinity: never kill.
 * @returns the exit code, null if killed.
 */
function runChild(outputsRoot: string, runId: string, killAtStep: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, outputsRoot, runId, JSON.stringify(CONFIG)], {
      cwd: PROJECT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let pending = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const [word, epoch, batch, batches] = line.split(" ");
        if (word === "step" && (Number(epoch) - 1) * Number(batches) + Number(batch) >= killAtStep) child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code !== 0 && signal !== "SIGKILL") reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve(code);
    });
  });
}

let referenceRun: Promise<{ root: string; files: Record<string, Buffer> }> | undefined;
/** The uninterrupted run every test compares against (trained once per file). */
function reference() {
  referenceRun ??= (async () => {
    const root = tempRoot();
    await train(CONFIG, { outputsRoot: root, experiment: "ref", runId: "whole", backend: "wasm", quiet: true });
    return { root, files: readCompared(path.join(root, "ref", "whole")) };
  })();
  return referenceRun;
}
after(async () => {
  if (referenceRun) fs.rmSync((await referenceRun).root, { recursive: true, force: true });
});

test("train(config) twice with the same seed gives identical records and weights; another seed differs", async () => {
  const root = tempRoot();
  const fa = (await reference()).files;
  const b = await train(CONFIG, { outputsRoot: root, experiment: "det", runId: "b", backend: "wasm", quiet: true });
  await train({ ...CONFIG, seed: 4 }, { outputsRoot: root, experiment: "det", runId: "c", backend: "wasm", quiet: true });
  assert.equal(b.status, "completed");
  const [fb, fc] = ["b", "c"].map((id) => readCompared(path.join(root, "det", id)));
  for (const f of COMPARED) assert.ok(fa[f].equals(fb[f]), `${f} differs between two runs with seed 3`);
  assert.equal(fa["correct.bits"].length, 6 * Math.ceil(b.dataset.nExamples / 8));
  assert.ok(!fa["correct.bits"].equals(fc["correct.bits"]), "seeds 3 and 4 gave the same correctness record");
  assert.ok(!fa["checkpoint/weights.bin"].equals(fc["checkpoint/weights.bin"]), "seeds 3 and 4 gave the same weights");
  fs.rmSync(root, { recursive: true, force: true });
});

test("resumeRun(runDir) after stopAfterEpochs continues to the same bytes as an uninterrupted run", async () => {
  const root = tempRoot();
  const whole = (await reference()).files;
  const stopped = await train(CONFIG, { outputsRoot: root, experiment: "x", runId: "part", backend: "wasm", quiet: true, stopAfterEpochs: 2 });
  assert.equal(stopped.status, "running");
  assert.equal(stopped.epochsCompleted, 2);
  const resumed = await resumeRun(path.join(root, "x", "part"), { backend: "wasm", quiet: true });
  assert.equal(resumed.status, "completed");
  assert.equal(resumed.epochsCompleted, 6);
  const part = readCompared(path.join(root, "x", "part"));
  for (const f of COMPARED) assert.ok(whole[f].equals(part[f]), `${f} differs after resume`);
  const log = fs.readFileSync(path.join(root, "x", "part", "log.csv"), "utf8").trim().split("\n");
  assert.deepEqual(log.slice(1).map((l) => l.split(",")[0]), ["1", "2", "3", "4", "5", "6"]);
  fs.rmSync(root, { recursive: true, force: true });
});

test("resumeRun(runDir) of a run killed after its last checkpoint but before the manifest update completes it without training", async () => {
  const { root, files } = await reference();
  const dir = path.join(root, "ref", "late-kill");
  fs.cpSync(path.join(root, "ref", "whole"), dir, { recursive: true });
  const manifestFile = path.join(dir, "manifest.json");
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as RunManifest;
  fs.writeFileSync(manifestFile, JSON.stringify({ ...manifest, status: "running", epochsCompleted: 5, finishedAt: null }));
  const resumed = await resumeRun(dir, { backend: "wasm", quiet: true });
  assert.equal(resumed.status, "completed");
  assert.equal(resumed.epochsCompleted, 6);
  const after = readCompared(dir);
  for (const f of COMPARED) assert.ok(files[f].equals(after[f]), `${f} changed`);
});

test("train(config, {runId}) killed with SIGKILL at random points and resumed is byte-identical to an uninterrupted run", async () => {
  const root = tempRoot();
  const { files: whole } = await reference();
  // Random kill points over the 6 x 90 minibatches, one at an epoch end (during the writes).
  const random = new Random(2024, "kill-points");
  const batches = 90;
  const points = [1 + random.int(2 * batches), 2 * batches + 1 + random.int(2 * batches), 4 * batches, 4 * batches + 1 + random.int(batches)];
  const dir = path.join(root, "kill", "killed");
  const epochsAtKill: number[] = [];
  for (const point of [...points, Infinity]) {
    const code = await runChild(root, "killed", point);
    if (code === null) epochsAtKill.push(fs.existsSync(path.join(dir, "manifest.json")) ? readManifest(dir).epochsCompleted : -1);
  }
  console.log(`killed at minibatches ${points.join(", ")}: epochs completed at each kill ${epochsAtKill.join(", ")}`);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp")), [], "temporary files left behind");
  const manifest = readManifest(dir);
  assert.equal(manifest.status, "completed", `killed at steps ${points.join(", ")}`);
  assert.ok(epochsAtKill.length >= 3, `expected the kills to interrupt training, got epochs ${epochsAtKill.join(", ")}`);
  const resumed = readCompared(dir);
  for (const f of COMPARED) assert.ok(whole[f].equals(resumed[f]), `${f} differs after kills at steps ${points.join(", ")} (epochs completed ${epochsAtKill.join(", ")})`);
  fs.rmSync(root, { recursive: true, force: true });
});
