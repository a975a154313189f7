import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend";
import { buildModel, countTrainableParams } from "../../src/models";
import { VALID_MODELS } from "../../src/config/train";

/**
 * Trainable parameter counts, worked by hand from each architecture (PyTorch counts the same
 * tensors: conv/linear weights and biases, BatchNorm gamma and beta; not running statistics).
 */
const EXPECTED_PARAMS = [
  // conv1 5*5*1*10+10, conv2 5*5*10*20+20, fc1 320*50+50, fc2 50*10+10
  { name: "mnist-cnn", inputShape: [28, 28, 1], nClasses: 10, params: 260 + 5020 + 16050 + 510 },
  // fc1 64*64+64, fc2 64*10+10
  { name: "digits-mlp", inputShape: [8, 8, 1], nClasses: 10, params: 4160 + 650 },
  // conv1 3*3*1*16, bn1 2*16, conv2 3*3*16*32, bn2 2*32, fc 2*2*32*10+10
  { name: "digits-cnn", inputShape: [8, 8, 1], nClasses: 10, params: 144 + 32 + 4608 + 64 + 1290 },
  // The published figures: ResNet-20 (option A) 0.27M, ResNet-18 CIFAR 11.17M, torchvision resnet50.
  { name: "resnet20-cifar", inputShape: [32, 32, 3], nClasses: 10, params: 269_722 },
  { name: "resnet18-cifar", inputShape: [32, 32, 3], nClasses: 10, params: 11_173_962 },
  { name: "resnet50", inputShape: [224, 224, 3], nClasses: 1000, params: 25_557_032 },
] as const;

test("initBackend({backend: 'wasm'}) before the model tests", async () => {
  await initBackend({ backend: "wasm" });
});

for (const c of EXPECTED_PARAMS) {
  test(`buildModel("${c.name}", {inputShape: [${c.inputShape}], nClasses: ${c.nClasses}}) has ${c.params} trainable parameters`, async () => {
    await initBackend({ backend: "wasm" });
    const model = buildModel(c.name, { inputShape: [...c.inputShape], nClasses: c.nClasses, seed: 0 });
    assert.equal(countTrainableParams(model), c.params);
    assert.deepEqual(model.outputs[0].shape, [null, c.nClasses]);
    model.dispose();
  });
}

test("buildModel covers every VALID_MODELS entry in the parameter-count table", () => {
  assert.deepEqual([...VALID_MODELS].sort(), EXPECTED_PARAMS.map((c) => c.name).sort());
});

test('buildModel("mnist-cnn") has the paper\'s feature-map sizes 24, 12, 8, 4 and a 320-wide flatten', async () => {
  await initBackend({ backend: "wasm" });
  const model = buildModel("mnist-cnn", { inputShape: [28, 28, 1], nClasses: 10, seed: 0 });
  assert.deepEqual(model.getLayer("conv1").outputShape, [null, 24, 24, 10]);
  assert.deepEqual(model.getLayer("pool1").outputShape, [null, 12, 12, 10]);
  assert.deepEqual(model.getLayer("conv2").outputShape, [null, 8, 8, 20]);
  assert.deepEqual(model.getLayer("pool2").outputShape, [null, 4, 4, 20]);
  assert.deepEqual(model.getLayer("flatten").outputShape, [null, 320]);
  model.dispose();
});

test('buildModel("resnet50") follows torchvision: 112x112 stem, 56x56 after max pool, stride in the 3x3 conv, 7x7x2048 at the end', async () => {
  await initBackend({ backend: "wasm" });
  const model = buildModel("resnet50", { inputShape: [224, 224, 3], nClasses: 1000, seed: 0 });
  assert.deepEqual(model.getLayer("conv1").outputShape, [null, 112, 112, 64]);
  assert.deepEqual(model.getLayer("maxpool").outputShape, [null, 56, 56, 64]);
  assert.deepEqual(model.getLayer("layer2.0.conv1").outputShape, [null, 56, 56, 128]);
  assert.deepEqual(model.getLayer("layer2.0.conv2").outputShape, [null, 28, 28, 128]);
  assert.deepEqual(model.getLayer("layer2.0.downsample.0").outputShape, [null, 28, 28, 512]);
  assert.deepEqual(model.getLayer("layer4.2.relu3").outputShape, [null, 7, 7, 2048]);
  // Block counts [3, 4, 6, 3]: the last block of each stage exists, the next does not.
  for (const [stage, blocks] of [[1, 3], [2, 4], [3, 6], [4, 3]]) {
    assert.ok(model.getLayer(`layer${stage}.${blocks - 1}.conv3`));
    assert.throws(() => model.getLayer(`layer${stage}.${blocks}.conv3`));
  }
  // The stem conv has no bias; the fc has one.
  assert.equal(model.getLayer("conv1").getWeights().length, 1);
  assert.equal(model.getLayer("fc").getWeights().length, 2);
  model.dispose();
});

test("buildModel with the same seed gives identical weights; another seed gives different weights", async () => {
  await initBackend({ backend: "wasm" });
  for (const name of ["mnist-cnn", "digits-cnn", "resnet20-cifar"] as const) {
    const inputShape = name === "resnet20-cifar" ? [32, 32, 3] : name === "mnist-cnn" ? [28, 28, 1] : [8, 8, 1];
    const a = buildModel(name, { inputShape, nClasses: 10, seed: 7 });
    const b = buildModel(name, { inputShape, nClasses: 10, seed: 7 });
    const c = buildModel(name, { inputShape, nClasses: 10, seed: 8 });
    const wa = a.getWeights().map((w) => w.dataSync());
    const wb = b.getWeights().map((w) => w.dataSync());
    const wc = c.getWeights().map((w) => w.dataSync());
    assert.equal(wa.length, wb.length);
    for (let i = 0; i < wa.length; i++) assert.deepEqual(wa[i], wb[i], `${name} weight ${i} differs between equal seeds`);
    const kernelDiffers = wa.some((w, i) => w.length > 1 && w.some((v, j) => v !== wc[i][j]));
    assert.ok(kernelDiffers, `${name}: seeds 7 and 8 gave the same weights`);
    [a, b, c].forEach((m) => m.dispose());
  }
});

test("buildModel initializes like PyTorch: default U(-1/sqrt(fanIn), 1/sqrt(fanIn)); ResNet convs N(0, 2/fanOut)", async () => {
  await initBackend({ backend: "wasm" });
  const mnist = buildModel("mnist-cnn", { inputShape: [28, 28, 1], nClasses: 10, seed: 3 });
  const fc1 = mnist.getLayer("fc1").getWeights()[0].dataSync<"float32">(); // [320, 50], fanIn 320
  const bound = 1 / Math.sqrt(320);
  assert.ok(fc1.every((v) => Math.abs(v) <= bound));
  // Uniform on [-b, b] has variance b^2/3; 16,000 draws give the std to about 1%.
  const std = Math.sqrt(fc1.reduce((s, v) => s + v * v, 0) / fc1.length);
  assert.ok(Math.abs(std - bound / Math.sqrt(3)) / (bound / Math.sqrt(3)) < 0.03, `fc1 std ${std}`);
  mnist.dispose();

  const resnet = buildModel("resnet20-cifar", { inputShape: [32, 32, 3], nClasses: 10, seed: 3 });
  const kernel = resnet.getLayer("layer3.2.conv2").getWeights()[0].dataSync<"float32">(); // [3, 3, 64, 64]
  const expected = Math.sqrt(2 / (3 * 3 * 64));
  const kstd = Math.sqrt(kernel.reduce((s, v) => s + v * v, 0) / kernel.length);
  assert.ok(Math.abs(kstd - expected) / expected < 0.03, `conv std ${kstd}, expected ${expected}`);
  const bnGamma = resnet.getLayer("bn1").getWeights()[0].dataSync();
  assert.ok(bnGamma.every((v) => v === 1));
  resnet.dispose();
});

test("buildModel returns logits: rows do not sum to 1 and take negative values", async () => {
  await initBackend({ backend: "wasm" });
  const model = buildModel("digits-mlp", { inputShape: [8, 8, 1], nClasses: 10, seed: 1 });
  const x = tf.randomUniform([16, 8, 8, 1], 0, 16, "float32", 5);
  const logits = model.predict(x) as tf.Tensor2D;
  assert.deepEqual(logits.shape, [16, 10]);
  const values = logits.arraySync();
  assert.ok(values.some((row) => Math.abs(row.reduce((a, b) => a + b, 0) - 1) > 1e-3));
  assert.ok(values.flat().some((v) => v < 0));
  tf.dispose([x, logits]);
  model.dispose();
});

// The model name and seed are config fields, checked by resolveTrainConfig: see test/config/train.test.ts.
test("buildModel rejects a bad input shape and nClasses (what the data decides) with clear messages", () => {
  assert.throws(() => buildModel("mnist-cnn", { inputShape: [28, 28], nClasses: 10, seed: 0 }), /buildModel\(mnist-cnn\): inputShape expected \[H, W, C\] of positive integers, got \[28, 28\]/);
  assert.throws(() => buildModel("mnist-cnn", { inputShape: [8, 8, 1], nClasses: 10, seed: 0 }), /inputShape expected H and W >= 16, got \[8, 8, 1\]/);
  assert.throws(() => buildModel("digits-mlp", { inputShape: [8, 8, 1], nClasses: 0, seed: 0 }), /buildModel\(digits-mlp\): nClasses: expected an integer > 0, got 0/);
});
