/**
 * The project's own layers against independent references on the cpu backend:
 * BatchNorm (fused gradient, PyTorch running statistics) and the option-A ResNet shortcut.
 * Tolerance: relative error max |ours - reference| / max |reference| <= 1e-5 (float32).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend";
import { BatchNorm } from "../../src/models/batch_norm";
import { Conv2D } from "../../src/models/conv";
import { OptionAShortcut } from "../../src/models/layers";
import { randomArray, relativeError } from "../backend/compare";

const TOLERANCE = 1e-5;

/** Seeded inputs in [-2, 3). */
const randomInputs = (size: number, key: string) => randomArray(size, 21, key, -2, 3);


for (const shape of [
  [8, 6, 6, 5],
  [32, 4, 4, 40],
  [20, 7],
]) {
  test(`BatchNorm.apply(x=[${shape}], {training: true}): output, gradients and running statistics match PyTorch's formulas`, async () => {
    await initBackend({ backend: "wasm" });
    const channels = shape[shape.length - 1];
    const n = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const axes = shape.slice(0, -1).map((_, i) => i);
    const xValues = randomInputs(n * channels, `x${shape}`);
    const dyValues = randomInputs(n * channels, `dy${shape}`);
    const gammaValues = randomInputs(channels, `g${shape}`);
    const betaValues = randomInputs(channels, `b${shape}`);

    const layer = new BatchNorm({ epsilon: 1e-5, momentum: 0.1 });
    layer.build(shape.map((d, i) => (i === 0 ? null : d)));
    layer.setWeights([tf.tensor1d(gammaValues), tf.tensor1d(betaValues), tf.zeros([channels]), tf.ones([channels])]);
    const x = tf.tensor(xValues, shape);
    const dy = tf.tensor(dyValues, shape);
    const gamma = layer.trainableWeights[0].read() as tf.Variable;
    const beta = layer.trainableWeights[1].read() as tf.Variable;
    const { value: y, grads } = tf.variableGrads(() => tf.sum<tf.Scalar>(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, dy)), [gamma, beta]);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, dy)))(x);
    const ours = {
      out: await (layer.apply(x, { training: true }) as tf.Tensor).data(),
      dx: await dx.data(),
      dGamma: await grads[gamma.name].data(),
      dBeta: await grads[beta.name].data(),
    };
    void y;
    // Three training calls above (variableGrads, grad, apply): the running stats moved three times.
    const [, , movingMean, movingVariance] = layer.getWeights().map((w) => w.dataSync());
    const inference = await (layer.apply(x, { training: false }) as tf.Tensor).data();

    // Reference on cpu from element-wise ops and hand-written running-average formulas.
    await tf.setBackend("cpu");
    const rx = tf.tensor(xValues, shape);
    const rdy = tf.tensor(dyValues, shape);
    const rg = tf.tensor1d(gammaValues);
    const rb = tf.tensor1d(betaValues);
    const normalize = (input: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      const mean = tf.mean(input, axes);
      const centered = tf.sub(input, mean);
      const variance = tf.mean(tf.square(centered), axes);
      return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, 1e-5))), g), b);
    };
    const [rdx, rdg, rdb] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(normalize(a, g, b), rdy)))([rx, rg, rb]);
    const batchMean = await tf.mean(rx, axes).data();
    const batchVar = await tf.mean(tf.square(tf.sub(rx, tf.mean(rx, axes))), axes).data();
    const expectedMean = new Float32Array(channels);
    const expectedVar = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      let m = 0;
      let v = 1;
      for (let step = 0; step < 3; step++) {
        m = 0.9 * m + 0.1 * batchMean[c];
        v = 0.9 * v + 0.1 * batchVar[c] * (n / (n - 1)); // PyTorch: unbiased variance
      }
      expectedMean[c] = m;
      expectedVar[c] = v;
    }
    const expectedInference = await tf
      .add(tf.mul(tf.div(tf.sub(rx, tf.tensor1d(expectedMean)), tf.sqrt(tf.add(tf.tensor1d(expectedVar), 1e-5))), rg), rb)
      .data();
    const checks: Array<[string, ArrayLike<number>, ArrayLike<number>]> = [
      ["output", ours.out, await normalize(rx, rg, rb).data()],
      ["dx", ours.dx, await rdx.data()],
      ["dGamma", ours.dGamma, await rdg.data()],
      ["dBeta", ours.dBeta, await rdb.data()],
      ["running mean", movingMean, expectedMean],
      ["running variance", movingVariance, expectedVar],
      ["inference output", inference, expectedInference],
    ];
    for (const [name, actual, expected] of checks) {
      const err = relativeError(actual, expected);
      assert.ok(err <= TOLERANCE, `${name}: relative error ${err} > ${TOLERANCE}`);
    }
    await tf.setBackend("wasm");
  });
}

test("OptionAShortcut({strides: 2, before: 1, after: 1}) keeps x[:, ::2, ::2, :] between zero channels", async () => {
  await initBackend({ backend: "wasm" });
  // x[b, h, w, c] = 100 b + 10 h + w + c / 10 on [1, 3, 3, 2]
  const values: number[] = [];
  for (let h = 0; h < 3; h++) for (let w = 0; w < 3; w++) for (let c = 0; c < 2; c++) values.push(10 * h + w + c / 10);
  const layer = new OptionAShortcut({ strides: 2, before: 1, after: 1 });
  const y = layer.apply(tf.tensor4d(values, [1, 3, 3, 2])) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 2, 2, 4]);
  const expected = [
    [[[0, 0, 0.1, 0], [0, 2, 2.1, 0]], [[0, 20, 20.1, 0], [0, 22, 22.1, 0]]],
  ];
  const actual = (await y.array()) as number[][][][];
  for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) for (let c = 0; c < 4; c++) assert.ok(Math.abs(actual[0][h][w][c] - expected[0][h][w][c]) < 1e-5);
});

for (const shape of [
  [4, 8, 8, 3],
  [2, 7, 5, 4],
]) {
  test(`OptionAShortcut gradient on x=[${shape}] puts dy[b, h/2, w/2, c + 2] at even h, w and zeros elsewhere`, async () => {
    await initBackend({ backend: "wasm" });
    const [batch, height, width, channels] = shape;
    const xValues = randomInputs(shape.reduce((a, b) => a * b), `sx${shape}`);
    const outShape = [batch, Math.ceil(height / 2), Math.ceil(width / 2), channels + 5];
    const dyValues = randomInputs(outShape.reduce((a, b) => a * b), `sdy${shape}`);
    const layer = new OptionAShortcut({ strides: 2, before: 2, after: 3 });
    const ours = await tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tf.tensor(dyValues, outShape))))(tf.tensor(xValues, shape)).data();
    // Slow reference by index arithmetic.
    const expected = new Float32Array(xValues.length);
    for (let b = 0; b < batch; b++)
      for (let h = 0; h < height; h += 2)
        for (let w = 0; w < width; w += 2)
          for (let c = 0; c < channels; c++) {
            const dyIndex = ((b * outShape[1] + h / 2) * outShape[2] + w / 2) * outShape[3] + c + 2;
            expected[((b * height + h) * width + w) * channels + c] = dyValues[dyIndex];
          }
    assert.deepEqual(Array.from(ours), Array.from(expected));
  });
}

test("Conv2D({kernelSize: 3, strides: 2, padding: 1}) pads like PyTorch (top/left too): ones 4x4 -> [[4, 6], [6, 9]]", async () => {
  await initBackend({ backend: "wasm" });
  const layer = new Conv2D({ filters: 1, kernelSize: 3, strides: 2, padding: 1, useBias: true });
  layer.build([null, 4, 4, 1]);
  layer.setWeights([tf.ones([3, 3, 1, 1]), tf.tensor1d([0.5])]);
  const y = layer.apply(tf.ones([1, 4, 4, 1])) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 2, 2, 1]);
  assert.deepEqual(Array.from(await y.data()), [4.5, 6.5, 6.5, 9.5]);
  assert.deepEqual(layer.computeOutputShape([null, 224, 224, 3]), [null, 112, 112, 1]);
});
