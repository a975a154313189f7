/**
 * The wasm training kernels (src/backend/wasm_gradients.ts, with the oneDNN path turned off) against tfjs' pure-JavaScript cpu
 * backend, which has its own independent kernels.
 *
 * Tolerances (float32; sums run in a different order):
 * - conv2d input and filter gradients, matMul with transposes and its gradients, sum/mean,
 *   overlapping max-pool gradients: relative error max |wasm - cpu| / max |cpu| <= 1e-5;
 * - batch-norm training gradients (against an element-wise formula): <= 1e-4, since dx is a
 *   difference of nearly equal terms;
 * - slice, per-channel mul/add/sub: bit-identical.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend";
import { randomArray, relativeError } from "./compare";

const TOLERANCE = 1e-5;

// These tests are for the wasm SIMD path; test/backend/onednn.test.ts runs the same cases on oneDNN's.
process.env.FORGETTING_ONEDNN = "0";

/** Runs `compute` with `backend` active and returns its outputs as plain arrays. */
async function onBackend(backend: "wasm" | "cpu", compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outputs = tf.tidy(compute);
  const values = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(outputs);
  return values;
}

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: "same" | "valid";
}

const CONV_CASES: ConvCase[] = [
  { x: [1, 7, 7, 1], filter: [1, 1, 1, 1], strides: 1, pad: "same" },
  { x: [2, 8, 8, 3], filter: [1, 1, 3, 4], strides: 2, pad: "valid" },
  { x: [3, 9, 9, 4], filter: [3, 3, 4, 5], strides: 1, pad: "same" },
  { x: [2, 10, 10, 3], filter: [3, 3, 3, 6], strides: 2, pad: "same" },
  { x: [2, 11, 11, 2], filter: [3, 3, 2, 3], strides: 2, pad: "valid" },
  // The last input row and column are outside every window (floor division in the output size).
  { x: [2, 10, 10, 3], filter: [3, 3, 3, 4], strides: 2, pad: "valid" },
  { x: [1, 9, 9, 2], filter: [1, 1, 2, 3], strides: 2, pad: "same" },
  { x: [2, 9, 9, 6], filter: [3, 3, 6, 16], strides: 1, pad: "valid" },
  { x: [1, 12, 12, 1], filter: [5, 5, 1, 10], strides: 1, pad: "valid" },
  // One input channel, stride 1, valid: the SIMD filter-gradient loop (outW 10: a scalar tail).
  { x: [3, 9, 12, 1], filter: [2, 3, 1, 6], strides: 1, pad: "valid" },
  { x: [2, 28, 28, 1], filter: [5, 5, 1, 10], strides: 1, pad: "valid" },
  { x: [4, 13, 13, 2], filter: [5, 5, 2, 3], strides: 2, pad: "same" },
  { x: [2, 16, 16, 3], filter: [7, 7, 3, 8], strides: 2, pad: "same" },
  { x: [1, 14, 14, 4], filter: [7, 7, 4, 2], strides: 1, pad: "valid" },
  { x: [2, 9, 12, 3], filter: [3, 1, 3, 4], strides: [1, 2], pad: "same" },
  // Wide outputs with stride 2: the input gradient takes the GEMM + col2im route.
  { x: [2, 8, 8, 8], filter: [3, 3, 8, 64], strides: 2, pad: "same" },
  { x: [2, 8, 8, 16], filter: [1, 1, 16, 64], strides: 2, pad: "valid" },
  { x: [3, 9, 9, 8], filter: [3, 3, 8, 64], strides: 2, pad: "valid" },
  // The MNIST CNN's second conv: stride 1, valid padding, and still the GEMM route (cheaper col2im).
  { x: [2, 12, 12, 10], filter: [5, 5, 10, 20], strides: 1, pad: "valid" },
];

test("initBackend({backend: 'wasm'}) selects wasm for the gradient comparisons", async () => {
  const info = await initBackend({ backend: "wasm" });
  assert.equal(info.backend, "wasm");
  assert.equal(tf.getBackend(), "wasm");
});

for (const c of CONV_CASES) {
  const title = `conv2d gradients x=[${c.x}] f=[${c.filter}] strides=${c.strides} pad=${c.pad}: wasm matches cpu`;
  test(title, async () => {
    await initBackend({ backend: "wasm" });
    const xValues = randomArray(c.x.reduce((a, b) => a * b), 1, `x${title}`);
    const fValues = randomArray(c.filter.reduce((a, b) => a * b), 2, `f${title}`);
    const compute = (): tf.Tensor[] => {
      const x = tf.tensor4d(xValues, c.x);
      const filter = tf.tensor4d(fValues, c.filter);
      const y = tf.conv2d(x, filter, c.strides, c.pad);
      // A fixed, non-uniform upstream gradient dy.
      const dy = tf.tensor(randomArray(y.size, 3, `dy${title}`), y.shape);
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dy)));
      const [dx, dFilter] = grads([x, filter]);
      return [dx, dFilter];
    };
    const [wasmDx, wasmDf] = await onBackend("wasm", compute);
    const [cpuDx, cpuDf] = await onBackend("cpu", compute);
    const errDx = relativeError(wasmDx, cpuDx);
    const errDf = relativeError(wasmDf, cpuDf);
    assert.ok(errDx <= TOLERANCE, `input gradient relative error ${errDx} > ${TOLERANCE}`);
    assert.ok(errDf <= TOLERANCE, `filter gradient relative error ${errDf} > ${TOLERANCE}`);
  });
}

for (const [transposeA, transposeB] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const) {
  test(`matMul(a, b, transposeA=${transposeA}, transposeB=${transposeB}) and its gradients: wasm matches cpu`, async () => {
    await initBackend({ backend: "wasm" });
    const [m, k, n] = [7, 33, 5];
    const aShape: [number, number] = transposeA ? [k, m] : [m, k];
    const bShape: [number, number] = transposeB ? [n, k] : [k, n];
    const aValues = randomArray(m * k, 4, `a${transposeA}${transposeB}`);
    const bValues = randomArray(k * n, 5, `b${transposeA}${transposeB}`);
    const dyValues = randomArray(m * n, 6, `dy${transposeA}${transposeB}`);
    const compute = (): tf.Tensor[] => {
      const a = tf.tensor2d(aValues, aShape);
      const b = tf.tensor2d(bValues, bShape);
      const dy = tf.tensor2d(dyValues, [m, n]);
      const product = tf.matMul(a, b, transposeA, transposeB);
      const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D, transposeA, transposeB), dy)))([a, b]);
      return [product, da, db];
    };
    const wasm = await onBackend("wasm", compute);
    const cpu = await onBackend("cpu", compute);
    for (let i = 0; i < 3; i++) {
      const err = relativeError(wasm[i], cpu[i]);
      assert.ok(err <= TOLERANCE, `output ${i} relative error ${err} > ${TOLERANCE}`);
    }
  });
}

for (const shape of [
  [6, 5, 5, 3],
  [1, 4, 4, 8],
  [16, 10],
] as Array<number[]>) {
  test(`batchNorm(x=[${shape}], moments of x) training gradients on wasm match an element-wise formula on cpu`, async () => {
    await initBackend({ backend: "wasm" });
    const channels = shape[shape.length - 1];
    const axes = shape.slice(0, -1).map((_, i) => i);
    const epsilon = 1e-3;
    const xValues = randomArray(shape.reduce((a, b) => a * b), 7, `bn${shape}`);
    const gammaValues = randomArray(channels, 8, `gamma${shape}`).map((v) => v + 1.5);
    const betaValues = randomArray(channels, 9, `beta${shape}`);
    const dyValues = randomArray(xValues.length, 10, `bndy${shape}`);
    const gradsOf = (normalize: (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor) => (): tf.Tensor[] => {
      const x = tf.tensor(xValues, shape);
      const gamma = tf.tensor1d(gammaValues);
      const beta = tf.tensor1d(betaValues);
      const dy = tf.tensor(dyValues, shape);
      return tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(normalize(a, g, b), dy)))([x, gamma, beta]);
    };
    // The op layers' BatchNormalization uses in training: FusedBatchNorm fed by moments.
    const fused = gradsOf((x, gamma, beta) => {
      const { mean, variance } = tf.moments(x, axes);
      return tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
    });
    // The same function from element-wise ops only (no FusedBatchNorm, so no gradient of ours).
    const elementWise = gradsOf((x, gamma, beta) => {
      const mean = tf.mean(x, axes);
      const centered = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centered), axes);
      return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
    });
    const wasm = await onBackend("wasm", fused);
    const cpu = await onBackend("cpu", elementWise);
    for (const [i, name] of ["x", "gamma", "beta"].entries()) {
      const err = relativeError(wasm[i], cpu[i]);
      assert.ok(err <= 1e-4, `d${name} relative error ${err} > 1e-4`);
    }
  });
}

for (const c of [
  { shape: [4, 5, 6, 3], begin: [1, 0, 0, 0], size: [2, 5, 6, 3] },
  { shape: [4, 5, 6, 3], begin: [0, 1, 2, 1], size: [4, 3, 2, 2] },
  { shape: [4, 5, 6, 8], begin: [0, 0, 0, 2], size: [-1, -1, -1, 4] },
  { shape: [7], begin: [3], size: [4] },
  { shape: [3, 4], begin: [1, 0], size: [0, 4] },
]) {
  test(`slice(x=[${c.shape}], begin=[${c.begin}], size=[${c.size}]) and its gradient: wasm matches cpu exactly`, async () => {
    await initBackend({ backend: "wasm" });
    const values = randomArray(c.shape.reduce((a, b) => a * b), 12, `slice${c.shape}${c.begin}`);
    const compute = (): tf.Tensor[] => {
      const x = tf.tensor(values, c.shape);
      const sliced = tf.slice(x, c.begin, c.size);
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.slice(a, c.begin, c.size), tf.onesLike(sliced).mul(3))))(x);
      return [sliced, dx];
    };
    const wasm = await onBackend("wasm", compute);
    const cpu = await onBackend("cpu", compute);
    assert.deepEqual(wasm, cpu);
  });
}

for (const c of [
  { shape: [64, 5, 5, 3], axis: [0, 1, 2], keepDims: false },
  { shape: [64, 5, 5, 3], axis: [0, 1, 2], keepDims: true },
  { shape: [130, 7], axis: [0], keepDims: false },
  { shape: [9, 8, 4], axis: [0, 1], keepDims: false },
  { shape: [16, 6, 2], axis: [1], keepDims: false },
  { shape: [4, 40], axis: [0, 1], keepDims: false },
]) {
  test(`sum(x=[${c.shape}], axis=[${c.axis}], keepDims=${c.keepDims}) and mean: wasm matches cpu`, async () => {
    await initBackend({ backend: "wasm" });
    const values = randomArray(c.shape.reduce((a, b) => a * b), 13, `sum${c.shape}${c.axis}`);
    const compute = (): tf.Tensor[] => {
      const x = tf.tensor(values, c.shape);
      return [tf.sum(x, c.axis, c.keepDims), tf.mean(x, c.axis, c.keepDims)];
    };
    const wasm = await onBackend("wasm", compute);
    const cpu = await onBackend("cpu", compute);
    for (let i = 0; i < 2; i++) {
      const err = relativeError(wasm[i], cpu[i]);
      assert.ok(err <= TOLERANCE, `${i === 0 ? "sum" : "mean"} relative error ${err} > ${TOLERANCE}`);
    }
    await tf.setBackend("wasm");
    const shapes = tf.tidy(() => {
      const x = tf.tensor(values, c.shape);
      return [tf.sum(x, c.axis, c.keepDims).shape, tf.mean(x, c.axis, c.keepDims).shape];
    });
    await tf.setBackend("cpu");
    const cpuShapes = tf.tidy(() => {
      const x = tf.tensor(values, c.shape);
      return [tf.sum(x, c.axis, c.keepDims).shape, tf.mean(x, c.axis, c.keepDims).shape];
    });
    assert.deepEqual(shapes, cpuShapes);
  });
}

for (const c of [
  { x: [4, 24, 24, 10], size: 2, strides: 2, pad: "valid" as const },
  // 2x2 windows that leave the last row and column out (odd sizes): they get zero gradient.
  { x: [2, 9, 7, 3], size: 2, strides: 2, pad: "valid" as const },
  // The SIMD loop (channels >= 4) with odd sizes, and 6 channels: two overlapping vectors.
  { x: [2, 9, 7, 6], size: 2, strides: 2, pad: "valid" as const },
  { x: [3, 4, 6, 4], size: 2, strides: 2, pad: "valid" as const },
  { x: [2, 9, 9, 3], size: 3, strides: 2, pad: "same" as const },
  { x: [3, 7, 8, 5], size: 3, strides: 1, pad: "valid" as const },
]) {
  test(`maxPool(x=[${c.x}], ${c.size}, ${c.strides}, ${c.pad}) gradient: wasm matches cpu, ties included`, async () => {
    await initBackend({ backend: "wasm" });
    // Values rounded to 0.5 steps, so many windows hold tied maxima.
    const values = randomArray(c.x.reduce((a, b) => a * b), 14, `pool${c.x}`).map((v) => Math.round(v * 2) / 2);
    const compute = (): tf.Tensor[] => {
      const x = tf.tensor4d(values, c.x as [number, number, number, number]);
      const y = tf.maxPool(x, c.size, c.strides, c.pad);
      const dy = tf.tensor(randomArray(y.size, 15, `pooldy${c.x}`), y.shape);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.strides, c.pad), dy)))(x)];
    };
    const wasm = await onBackend("wasm", compute);
    const cpu = await onBackend("cpu", compute);
    // Same positions chosen; overlapping windows add several dy values in another order.
    const err = relativeError(wasm[0], cpu[0]);
    assert.ok(err <= TOLERANCE, `relative error ${err} > ${TOLERANCE}`);
    assert.deepEqual(wasm[0].map((v) => (v === 0 ? 0 : 1)), cpu[0].map((v) => (v === 0 ? 0 : 1)));
  });
}

for (const c of [
  { full: [32, 8, 8, 16], vector: [16] },
  { full: [32, 8, 8, 16], vector: [1, 1, 1, 16] },
  { full: [4096, 3], vector: [3] },
  { full: [8, 4, 4, 5], vector: [5] }, // below the size threshold: stock kernels
  { full: [64, 8, 8, 4], vector: [8, 4] }, // not a channel vector: stock kernels
]) {
  test(`mul/add/sub(x=[${c.full}], v=[${c.vector}]) in both orders: wasm equals cpu bit for bit`, async () => {
    await initBackend({ backend: "wasm" });
    const xValues = randomArray(c.full.reduce((a, b) => a * b), 16, `bx${c.full}`);
    const vValues = randomArray(c.vector.reduce((a, b) => a * b), 17, `bv${c.vector}`);
    const compute = (): tf.Tensor[] => {
      const x = tf.tensor(xValues, c.full);
      const v = tf.tensor(vValues, c.vector);
      return [tf.mul(x, v), tf.mul(v, x), tf.add(x, v), tf.add(v, x), tf.sub(x, v), tf.sub(v, x)];
    };
    const wasm = await onBackend("wasm", compute);
    const cpu = await onBackend("cpu", compute);
    assert.deepEqual(wasm, cpu);
  });
}
