import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { FileFormatError } from "../../src/core/errors";
import { buildModel } from "../../src/models";
import { loadCheckpointWeights, readCheckpoint, saveCheckpoint } from "../../src/runs/checkpoint";

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-ckpt-"));
const values = (model: tf.LayersModel) => model.weights.map((w) => Array.from(w.read().dataSync()));

function save(dir: string, model: tf.LayersModel, epoch: number, momentum: Float32Array[] = []) {
  saveCheckpoint(dir, { model, momentum, epoch, recordLength: epoch, configSha256: "c".repeat(64), datasetChecksum: "d".repeat(64) });
}

test("saveCheckpoint(runDir, state) / readCheckpoint(runDir) round-trip every weight, batch-norm statistics included", async () => {
  await tf.setBackend("cpu");
  const dir = tempDir();
  assert.equal(readCheckpoint(dir), null, "no checkpoint yet");
  const model = buildModel("digits-cnn", { inputShape: [8, 8, 1], nClasses: 10, seed: 1 });
  // Give the batch-norm moving statistics values an initialization would not have.
  const moving = model.nonTrainableWeights;
  assert.ok(moving.length >= 4, `expected batch-norm moving mean/variance among the weights, got ${moving.length}`);
  moving.forEach((w, i) => w.write(tf.fill(w.shape as number[], 0.5 + i)));
  const momentum = model.trainableWeights.map((w, i) => new Float32Array(w.read().size).fill(i / 10));
  save(dir, model, 3, momentum);
  const state = readCheckpoint(dir)!;
  assert.equal(state.info.epoch, 3);
  assert.equal(state.info.recordLength, 3);
  assert.equal(state.weights.length, model.weights.length);
  assert.deepEqual(state.weights.map((w) => Array.from(w)), values(model));
  assert.deepEqual(state.momentum.map((m) => Array.from(m)), momentum.map((m) => Array.from(m)));

  const other = buildModel("digits-cnn", { inputShape: [8, 8, 1], nClasses: 10, seed: 2 });
  assert.notDeepEqual(values(other), values(model));
  loadCheckpointWeights(other, state);
  assert.deepEqual(values(other), values(model));
  [model, other].forEach((m) => m.dispose());
  fs.rmSync(dir, { recursive: true, force: true });
});

test("readCheckpoint(runDir) falls back to checkpoint.prev/ after a crash between the two renames", async () => {
  await tf.setBackend("cpu");
  const dir = tempDir();
  const model = buildModel("digits-mlp", { inputShape: [8, 8, 1], nClasses: 10, seed: 1 });
  save(dir, model, 1);
  save(dir, model, 2);
  assert.deepEqual(fs.readdirSync(dir), ["checkpoint"], "the previous checkpoint and the temporary folder are gone");
  // Crash after "checkpoint -> checkpoint.prev", before "tmp -> checkpoint".
  fs.renameSync(path.join(dir, "checkpoint"), path.join(dir, "checkpoint.prev"));
  const state = readCheckpoint(dir)!;
  assert.equal(state.info.epoch, 2);
  assert.equal(state.dir, path.join(dir, "checkpoint.prev"));
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("loadCheckpointWeights(model, state) refuses a checkpoint of another architecture", async () => {
  await tf.setBackend("cpu");
  const dir = tempDir();
  const mlp = buildModel("digits-mlp", { inputShape: [8, 8, 1], nClasses: 10, seed: 1 });
  save(dir, mlp, 1);
  const wider = buildModel("digits-mlp", { inputShape: [8, 8, 1], nClasses: 5, seed: 1 });
  assert.throws(
    () => loadCheckpointWeights(wider, readCheckpoint(dir)!),
    (e: Error) => e instanceof FileFormatError && /checkpoint\.json: weight 2 \("fc2\/kernel"\): expected shape \[64,5\], found "fc2\/kernel" \[64,10\]/.test(e.message),
  );
  const cnn = buildModel("digits-cnn", { inputShape: [8, 8, 1], nClasses: 10, seed: 1 });
  assert.throws(() => loadCheckpointWeights(cnn, readCheckpoint(dir)!), (e: Error) => e instanceof FileFormatError && /expected \d+ weights for this model, found 4/.test(e.message));
  [mlp, wider, cnn].forEach((m) => m.dispose());
  fs.rmSync(dir, { recursive: true, force: true });
});

test("readCheckpoint(runDir) names the file and field of a damaged checkpoint", async () => {
  await tf.setBackend("cpu");
  const dir = tempDir();
  const model = buildModel("digits-mlp", { inputShape: [8, 8, 1], nClasses: 10, seed: 1 });
  save(dir, model, 1);
  const json = path.join(dir, "checkpoint", "checkpoint.json");
  const original = fs.readFileSync(json, "utf8");
  const check = (edit: (c: Record<string, unknown>) => void, re: RegExp) => {
    const c = JSON.parse(original) as Record<string, unknown>;
    edit(c);
    fs.writeFileSync(json, JSON.stringify(c));
    assert.throws(() => readCheckpoint(dir), (e: Error) => e instanceof FileFormatError && re.test(e.message));
  };
  check((c) => (c.epoch = 0), /checkpoint\.json: field "epoch": expected an integer >= 1, got 0/);
  check((c) => (c.recordLength = 5), /field "recordLength": expected 1 \(= epoch\), got 5/);
  check((c) => delete c.weights, /field "weights": expected an array/);
  fs.writeFileSync(json, original);
  fs.rmSync(path.join(dir, "checkpoint", "optimizer.bin"));
  assert.throws(() => readCheckpoint(dir), (e: Error) => e instanceof FileFormatError && /optimizer\.bin: checkpoint file is missing/.test(e.message));
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});
