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
  // Format 1, written before mid-epoch checkpoints existed, still reads.
  fs.writeFileSync(json, JSON.stringify({ ...(JSON.parse(original) as object), format: 1 }));
  assert.equal(readCheckpoint(dir)!.midEpoch, null);
  fs.writeFileSync(json, original);
  fs.rmSync(path.join(dir, "checkpoint", "optimizer.bin"));
  assert.throws(() => readCheckpoint(dir), (e: Error) => e instanceof FileFormatError && /optimizer\.bin: checkpoint file is missing/.test(e.message));
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("saveCheckpoint(runDir, {midEpoch}) / readCheckpoint(runDir) round-trip the epoch's partial record and sums; damaged fields are named", async () => {
  await tf.setBackend("cpu");
  const dir = tempDir();
  const model = buildModel("digits-mlp", { inputShape: [8, 8, 1], nClasses: 10, seed: 1 });
  const record = { correct: Uint8Array.from([0b101, 0]), presented: Uint8Array.from([0b111, 0b1]), floats: { margin: Float32Array.from({ length: 9 }, (_, i) => (i < 3 || i === 8 ? i / 3 : NaN)) } };
  const midEpoch = { batchesDone: 2, lossSum: 1.25, correctSum: 2, seen: 4, trainSeconds: 0.5, record };
  saveCheckpoint(dir, { model, momentum: [], epoch: 0, recordLength: 0, configSha256: "c".repeat(64), datasetChecksum: "d".repeat(64), midEpoch });
  const state = readCheckpoint(dir)!;
  assert.equal(state.info.format, 2);
  assert.equal(state.info.epoch, 0);
  assert.deepEqual(state.midEpoch, midEpoch);
  assert.deepEqual(fs.readdirSync(path.join(dir, "checkpoint")).sort(), ["checkpoint.json", "epoch.correct.bits", "epoch.margin.f32", "epoch.presented.bits", "optimizer.bin", "weights.bin"]);
  const json = path.join(dir, "checkpoint", "checkpoint.json");
  const original = fs.readFileSync(json, "utf8");
  const check = (edit: (c: { format: number; midEpoch: Record<string, unknown> }) => void, re: RegExp) => {
    const c = JSON.parse(original) as { format: number; midEpoch: Record<string, unknown> };
    edit(c);
    fs.writeFileSync(json, JSON.stringify(c));
    assert.throws(() => readCheckpoint(dir), (e: Error) => e instanceof FileFormatError && re.test(e.message), re.source);
  };
  check((c) => (c.midEpoch.batchesDone = 0), /checkpoint\.json: field "midEpoch.batchesDone": expected an integer >= 1, got 0$/);
  check((c) => (c.midEpoch.correctSum = 5), /field "midEpoch.correctSum": expected an integer in \[0, seen=4\], got 5$/);
  check((c) => (c.midEpoch.lossSum = "x"), /field "midEpoch.lossSum": expected a number >= 0, got "x"$/);
  check((c) => (c.midEpoch.floats = ["margin", "bogus"]), /field "midEpoch.floats": expected a list of "loss", "margin", "prob", "el2n", got \["margin","bogus"\]$/);
  check((c) => (c.format = 1), /field "format": expected 2 \(the format of mid-epoch checkpoints\), got 1$/);
  check((c) => (c.format = 3), /field "format": expected 1 or 2, got 3$/);
  fs.writeFileSync(json, original);
  fs.writeFileSync(path.join(dir, "checkpoint", "epoch.margin.f32"), Buffer.alloc(36));
  assert.throws(() => readCheckpoint(dir), (e: Error) => e instanceof FileFormatError && /epoch\.margin\.f32: expected sha256 [0-9a-f]{64}, found [0-9a-f]{64}: the file is corrupt$/.test(e.message));
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});
