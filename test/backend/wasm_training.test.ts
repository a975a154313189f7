/**
 * A small conv net (conv, batch norm, relu, max pool, dense, softmax cross-entropy) takes real
 * SGD steps on wasm, on real images (the embedded UCI digits), and its loss falls.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend";
import { buildModel } from "../../src/models";

const DIGITS_CSV = path.resolve(__dirname, "../../data/digits/digits.csv.gz");

/** The first `n` digits: images [n, 8, 8, 1] scaled to [0, 1], labels [n]. */
function readDigitsBatch(n: number): { images: Float32Array; labels: Int32Array } {
  const rows = zlib.gunzipSync(fs.readFileSync(DIGITS_CSV)).toString("utf8").trim().split("\n").slice(0, n);
  const images = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  rows.forEach((row, i) => {
    const values = row.split(",").map(Number);
    assert.equal(values.length, 65, `digits row ${i}: 64 pixels and a label`);
    for (let p = 0; p < 64; p++) images[i * 64 + p] = values[p] / 16;
    labels[i] = values[64];
  });
  return { images, labels };
}

/** Runs `steps` plain SGD steps of the digits CNN; returns the loss before each step. */
async function sgdLosses(backend: "wasm" | "cpu", steps: number): Promise<number[]> {
  await initBackend({ backend });
  const { images, labels } = readDigitsBatch(64);
  const model = buildModel("digits-cnn", { inputShape: [8, 8, 1], nClasses: 10, seed: 11 });
  const optimizer = tf.train.sgd(0.1);
  const x = tf.tensor4d(images, [64, 8, 8, 1]);
  const oneHot = tf.oneHot(tf.tensor1d(labels, "int32"), 10);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(oneHot, model.apply(x, { training: true }) as tf.Tensor2D), true);
    losses.push((await loss!.data())[0]);
    loss!.dispose();
  }
  tf.dispose([x, oneHot]);
  optimizer.dispose();
  model.dispose();
  return losses;
}

test("digits-cnn SGD on wasm (conv, batch norm, relu, max pool, dense, softmax cross-entropy): loss falls over 40 steps", async () => {
  const losses = await sgdLosses("wasm", 40);
  assert.equal(tf.getBackend(), "wasm");
  assert.ok(losses.every(Number.isFinite), `non-finite loss in ${losses}`);
  // Ten classes at random initialization: about ln(10) = 2.30 nats.
  assert.ok(losses[0] > 1.8 && losses[0] < 3.2, `initial loss ${losses[0]}`);
  const last = losses[losses.length - 1];
  assert.ok(last < 0.5 * losses[0], `loss fell only from ${losses[0]} to ${last}`);
});

test("digits-cnn SGD: the first 5 losses on wasm equal those on cpu to 1e-4 relative", async () => {
  const wasm = await sgdLosses("wasm", 5);
  const cpu = await sgdLosses("cpu", 5);
  for (let i = 0; i < 5; i++) {
    assert.ok(Math.abs(wasm[i] - cpu[i]) <= 1e-4 * Math.abs(cpu[i]), `step ${i}: wasm ${wasm[i]} vs cpu ${cpu[i]}`);
  }
});

test("digits-cnn SGD on wasm leaks nothing: tfjs tensors and the wasm backend's buffers stay flat over 20 steps", async () => {
  await initBackend({ backend: "wasm" });
  const { images, labels } = readDigitsBatch(32);
  const model = buildModel("digits-cnn", { inputShape: [8, 8, 1], nClasses: 10, seed: 12 });
  const optimizer = tf.train.sgd(0.05);
  const x = tf.tensor4d(images, [32, 8, 8, 1]);
  const oneHot = tf.oneHot(tf.tensor1d(labels, "int32"), 10);
  // The backend's own table of buffers: also counts data held outside tfjs tensors.
  const wasmBuffers = (): number => (tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds();
  const step = async (): Promise<void> => {
    tf.tidy(() => {
      model.apply(x, { training: false }); // an inference forward, as eval tracking does
    });
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(oneHot, model.apply(x, { training: true }) as tf.Tensor2D), true);
    await loss!.data();
    loss!.dispose();
  };
  for (let i = 0; i < 3; i++) await step();
  const before = { tensors: tf.memory().numTensors, buffers: wasmBuffers() };
  for (let i = 0; i < 20; i++) await step();
  assert.deepEqual({ tensors: tf.memory().numTensors, buffers: wasmBuffers() }, before);
  tf.dispose([x, oneHot]);
  optimizer.dispose();
  model.dispose();
});
