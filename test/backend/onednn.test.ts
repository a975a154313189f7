/**
 * The oneDNN kernels of the wasm backend (src/backend/onednn.ts, native/onednn_kernels.c)
 * against tfjs' pure-JavaScript cpu backend, which has its own independent kernels.
 * Skipped with the reason where the addon is not built (it fails in strict mode).
 *
 * Tolerances (float32; oneDNN sums in another order): convolutions, their gradients and
 * matMul: relative error max |onednn - cpu| / max |cpu| <= 1e-5; batch norm (against the
 * layer's element-wise composition on cpu): <= 1e-4, since dx is a difference of nearly equal terms.
 */
import { type TestContext, test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend";
import { onednnPlans, onednnStatus } from "../../src/backend/onednn";
import { BatchNorm } from "../../src/models/batch_norm";
import { AddRelu, OptionAShortcut } from "../../src/models/layers";
import { readManifest } from "../../src/runs/manifest";
import { Sgd } from "../../src/train/sgd";
import { meanCrossEntropy } from "../../src/train/loop";
import { train } from "../../src/train/train";
import { skipIfMissing } from "../requirements";
import { randomArray, relativeError } from "./compare";

const TOLERANCE = 1e-5;
const BATCH_NORM_TOLERANCE = 1e-4;

function missingAddon(): string | null {
  const status = onednnStatus();
  return status.available ? null : `oneDNN kernels unavailable: ${status.reason}`;
}

/** Runs `compute` with `backend` active and returns its outputs as plain arrays. */
async function onBackend(backend: "wasm" | "cpu", compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outputs = tf.tidy(compute);
  const values = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(outputs);
  return values;
}

async function compareWithCpu(t: TestContext, compute: () => tf.Tensor[], names: string[], tolerance = TOLERANCE): Promise<void> {
  if (skipIfMissing(t, missingAddon())) return;
  await initBackend({ backend: "wasm", threads: 2 });
  const native = await onBackend("wasm", compute);
  const cpu = await onBackend("cpu", compute);
  names.forEach((name, i) => {
    const err = relativeError(native[i], cpu[i]);
    assert.ok(err <= tolerance, `${name}: relative error ${err} > ${tolerance}`);
  });
}

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]];
}

const CONV_CASES: ConvCase[] = [
  { x: [1, 7, 7, 1], filter: [1, 1, 1, 1], strides: 1, pad: "same" },
  // A strided 1x1 conv with 3 input channels (oneDNN 2.6's own strided 1x1 filter gradient is wrong there).
  { x: [2, 8, 8, 3], filter: [1, 1, 3, 4], strides: 2, pad: "valid" },
  { x: [3, 9, 9, 4], filter: [3, 3, 4, 5], strides: 1, pad: "same" },
  { x: [2, 10, 10, 3], filter: [3, 3, 3, 6], strides: 2, pad: "same" },
  { x: [2, 11, 11, 2], filter: [3, 3, 2, 3], strides: 2, pad: "valid" },
  // The last input row and column are outside every window (floor division in the output size).
  { x: [2, 10, 10, 3], filter: [3, 3, 3, 4], strides: 2, pad: "valid" },
  { x: [1, 9, 9, 2], filter: [1, 1, 2, 3], strides: 2, pad: "same" },
  { x: [2, 28, 28, 1], filter: [5, 5, 1, 10], strides: 1, pad: "valid" },
  { x: [2, 12, 12, 10], filter: [5, 5, 10, 20], strides: 1, pad: "valid" },
  { x: [4, 13, 13, 2], filter: [5, 5, 2, 3], strides: 2, pad: "same" },
  { x: [2, 9, 12, 3], filter: [3, 1, 3, 4], strides: [1, 2], pad: "same" },
  { x: [2, 8, 8, 16], filter: [1, 1, 16, 64], strides: 2, pad: "valid" },
  { x: [2, 8, 8, 32], filter: [3, 3, 32, 64], strides: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { x: [3, 7, 5, 5], filter: [3, 3, 5, 7], strides: 1, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
];

for (const c of CONV_CASES) {
  const title = `conv2d(x=[${c.x}], f=[${c.filter}], strides=${c.strides}, pad=${JSON.stringify(c.pad)}) and its gradients: oneDNN matches cpu`;
  test(title, async (t) => {
    const xValues = randomArray(c.x.reduce((a, b) => a * b), 1, `x${title}`);
    const fValues = randomArray(c.filter.reduce((a, b) => a * b), 2, `f${title}`);
    await compareWithCpu(
      t,
      () => {
        const x = tf.tensor4d(xValues, c.x);
        const filter = tf.tensor4d(fValues, c.filter);
        const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad);
        const y = conv(x, filter);
        const dy = tf.tensor(randomArray(y.size, 3, `dy${title}`), y.shape);
        const [dx, dFilter] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, b), dy)))([x, filter]);
        return [y, dx, dFilter];
      },
      ["output", "input gradient", "filter gradient"],
    );
  });
}

for (const activation of ["linear", "relu"] as const) {
  const title = `fused.conv2d(x=[2,9,9,4], f=[3,3,4,8], bias, activation=${activation}) and its gradients: oneDNN matches cpu`;
  test(title, async (t) => {
    const xValues = randomArray(2 * 9 * 9 * 4, 11, `x${title}`);
    const fValues = randomArray(3 * 3 * 4 * 8, 12, `f${title}`);
    const bValues = randomArray(8, 13, `b${title}`);
    await compareWithCpu(
      t,
      () => {
        const x = tf.tensor4d(xValues, [2, 9, 9, 4]);
        const filter = tf.tensor4d(fValues, [3, 3, 4, 8]);
        const bias = tf.tensor1d(bValues);
        const conv = (a: tf.Tensor, f: tf.Tensor, b: tf.Tensor) =>
          tf.fused.conv2d({ x: a as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 2, pad: "same", bias: b, activation });
        const y = conv(x, filter, bias);
        const dy = tf.tensor(randomArray(y.size, 14, `dy${title}`), y.shape);
        const [dx, dFilter, dBias] = tf.grads((a: tf.Tensor, f: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a, f, b), dy)))([x, filter, bias]);
        return [y, dx, dFilter, dBias];
      },
      ["output", "input gradient", "filter gradient", "bias gradient"],
    );
  });
}

for (const [transposeA, transposeB, activation] of [
  [false, false, "linear"],
  [true, false, "relu"],
  [false, true, "relu"],
  [true, true, "linear"],
] as const) {
  test(`fused.matMul(a, b, transposeA=${transposeA}, transposeB=${transposeB}, bias, ${activation}) and its gradients: oneDNN matches cpu`, async (t) => {
    const [m, k, n] = [7, 33, 5];
    const key = `${transposeA}${transposeB}${activation}`;
    const aValues = randomArray(m * k, 4, `a${key}`);
    const bValues = randomArray(k * n, 5, `b${key}`);
    const biasValues = randomArray(n, 6, `bias${key}`);
    const dyValues = randomArray(m * n, 7, `dy${key}`);
    await compareWithCpu(
      t,
      () => {
        const a = tf.tensor2d(aValues, transposeA ? [k, m] : [m, k]);
        const b = tf.tensor2d(bValues, transposeB ? [n, k] : [k, n]);
        const bias = tf.tensor1d(biasValues);
        const dy = tf.tensor2d(dyValues, [m, n]);
        const product = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.fused.matMul({ a: p, b: q, transposeA, transposeB, bias: r, activation });
        const [da, db, dBias] = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(product(p, q, r), dy)))([a, b, bias]);
        return [product(a, b, bias), da, db, dBias];
      },
      ["product", "a gradient", "b gradient", "bias gradient"],
    );
  });
}

for (const [shape, activation] of [
  [[6, 5, 5, 3], undefined],
  [[1, 4, 4, 8], undefined],
  [[16, 10], undefined],
  [[7, 3, 5, 17], undefined],
  [[6, 5, 5, 3], "relu"],
  [[7, 3, 5, 17], "relu"],
  [[16, 10], "relu"],
] as Array<[number[], "relu" | undefined]>) {
  test(`BatchNorm(x=[${shape}], activation=${activation}) training output, running statistics and gradients: the oneDNN kernels match the composition on cpu`, async (t) => {
    const channels = shape[shape.length - 1];
    const xValues = randomArray(shape.reduce((a, b) => a * b), 8, `bn${shape}`).map((v) => 3 * v + 0.5);
    const dyValues = randomArray(xValues.length, 9, `bndy${shape}`);
    const gammaValues = randomArray(channels, 10, `gamma${shape}`).map((v) => v + 1.5);
    const betaValues = randomArray(channels, 11, `beta${shape}`);
    await compareWithCpu(
      t,
      () => {
        const layer = new BatchNorm({ name: "bn", activation });
        const x = tf.tensor(xValues, shape);
        layer.build(shape);
        layer.setWeights([tf.tensor1d(gammaValues), tf.tensor1d(betaValues), tf.zeros([channels]), tf.ones([channels])]);
        const dy = tf.tensor(dyValues, shape);
        const [trainableGamma, trainableBeta] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => tf.sum<tf.Scalar>(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, dy)), [trainableGamma, trainableBeta]);
        const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, dy)))(x);
        const y = layer.apply(x, { training: true }) as tf.Tensor;
        const [movingMean, movingVariance] = layer.getWeights().slice(2);
        return [y, dx, grads[trainableGamma.name], grads[trainableBeta.name], value, movingMean, movingVariance];
      },
      ["output", "input gradient", "gamma gradient", "beta gradient", "loss", "running mean", "running variance"],
      BATCH_NORM_TOLERANCE,
    );
  });
}

interface PoolCase {
  x: [number, number, number, number];
  size: number;
  strides: number;
  pad: "same" | "valid";
}

const POOL_CASES: PoolCase[] = [
  // The MNIST CNN's pools, big enough for the addon's threads.
  { x: [64, 24, 24, 10], size: 2, strides: 2, pad: "valid" },
  { x: [64, 8, 8, 20], size: 2, strides: 2, pad: "valid" },
  // The last row and column are outside every window.
  { x: [2, 7, 9, 3], size: 2, strides: 2, pad: "valid" },
  // Overlapping windows (one input pixel is the maximum of several) and padding.
  { x: [3, 9, 9, 4], size: 3, strides: 2, pad: "same" },
  { x: [2, 6, 5, 2], size: 3, strides: 1, pad: "same" },
];

for (const c of POOL_CASES) {
  for (const ties of [false, true]) {
    const title = `maxPool(x=[${c.x}], ${c.size}, ${c.strides}, ${c.pad})${ties ? " with tied maxima" : ""} and its gradient: oneDNN path matches cpu`;
    test(title, async (t) => {
      // Tied inputs take 3 values, so most windows have several maxima: a gradient sent to another one than on cpu is off by about 1.
      const xValues = randomArray(c.x.reduce((a, b) => a * b), 50, `pool${title}`).map((v) => (ties ? Math.round(v) : v));
      await compareWithCpu(
        t,
        () => {
          const x = tf.tensor4d(xValues, c.x);
          const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, c.size, c.strides, c.pad);
          const y = pool(x);
          const dy = tf.tensor(randomArray(y.size, 51, `pooldy${title}`), y.shape);
          return [y, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), dy)))(x)];
        },
        ["output", "input gradient"],
      );
    });
  }
}

for (const shape of [[7, 5], [2048, 32]] as Array<[number, number]>) {
  test(`relu, its gradient and a same-shape add of [${shape}] (and a broadcast add): oneDNN path matches cpu exactly`, async (t) => {
    const size = shape[0] * shape[1];
    const aValues = randomArray(size, 60, `a${shape}`);
    const bValues = randomArray(size, 61, `b${shape}`);
    const dyValues = randomArray(size, 62, `dy${shape}`);
    await compareWithCpu(
      t,
      () => {
        const a = tf.tensor2d(aValues, shape);
        const b = tf.tensor(bValues, a.shape);
        const dy = tf.tensor(dyValues, a.shape);
        const row = tf.tensor1d(bValues.slice(0, a.shape[1]));
        const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), dy)))(a);
        return [tf.relu(a), dx, tf.add(a, b), tf.add(a, row)];
      },
      ["relu", "relu gradient", "add", "broadcast add"],
      0,
    );
  });
}

for (const shape of [[3, 5, 4, 2], [64, 16, 16, 32]]) {
  test(`AddRelu layer of [${shape}] and its gradients: the fused kernels match relu(add) on cpu exactly`, async (t) => {
    const size = shape.reduce((a, b) => a * b);
    const aValues = randomArray(size, 70, `ar-a${shape}`);
    const bValues = randomArray(size, 71, `ar-b${shape}`);
    const dyValues = randomArray(size, 72, `ar-dy${shape}`);
    await compareWithCpu(
      t,
      () => {
        const layer = new AddRelu({ name: "sum" });
        const [a, b, dy] = [aValues, bValues, dyValues].map((v) => tf.tensor(v, shape));
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(layer.apply([p, q]) as tf.Tensor, dy)))([a, b]);
        return [layer.apply([a, b]) as tf.Tensor, da, db];
      },
      ["output", "a gradient", "b gradient"],
      0,
    );
  });
}

for (const [shape, strides, before, after] of [
  [[2, 8, 8, 3], 2, 2, 3],
  [[3, 7, 9, 4], 2, 0, 4],
  [[128, 32, 32, 16], 2, 8, 8],
] as Array<[number[], number, number, number]>) {
  test(`OptionAShortcut(strides ${strides}, channels +${before}/+${after}) of [${shape}] and its gradient: the kernels match the composition on cpu exactly`, async (t) => {
    const xValues = randomArray(shape.reduce((a, b) => a * b), 73, `sc${shape}`);
    await compareWithCpu(
      t,
      () => {
        const layer = new OptionAShortcut({ strides, before, after });
        const x = tf.tensor(xValues, shape);
        const y = layer.apply(x) as tf.Tensor;
        const dy = tf.tensor(randomArray(y.size, 74, `scdy${shape}`), y.shape);
        return [y, tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, dy)))(x)];
      },
      ["output", "input gradient"],
      0,
    );
  });
}

for (const [rows, classes, scale] of [
  [64, 10, 3],
  [32, 1000, 10],
  [5, 2, 100],
]) {
  test(`meanCrossEntropy of [${rows}, ${classes}] logits (scale ${scale}) and its gradient: the fused kernels match tfjs' logSoftmax composition on cpu`, async (t) => {
    const logitValues = randomArray(rows * classes, 80, `ce${rows}x${classes}`).map((v) => v * scale);
    const labels = Int32Array.from(randomArray(rows, 81, `cel${rows}x${classes}`), (v) => Math.min(classes - 1, Math.floor(((v + 1) / 2) * classes)));
    await compareWithCpu(
      t,
      () => {
        const logits = tf.tensor2d(logitValues, [rows, classes]);
        const { value, grad } = tf.valueAndGrad((input: tf.Tensor) => meanCrossEntropy(input as tf.Tensor2D, labels, classes))(logits);
        return [value, grad];
      },
      ["loss", "logits gradient"],
    );
  });
}

test("meanCrossEntropy on the oneDNN path refuses a label that is not a class index (no read outside the logits)", async (t) => {
  if (skipIfMissing(t, missingAddon())) return;
  await initBackend({ backend: "wasm", threads: 2 });
  await tf.setBackend("wasm");
  const logits = tf.tensor2d([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]);
  assert.throws(() => tf.tidy(() => meanCrossEntropy(logits, Int32Array.of(0, 3), 3)), /cross-entropy of \[2, 3\] logits: label 3 of row 1 is not a class index in \[0, 3\)/);
  logits.dispose();
});

test("initBackend({backend: 'wasm', threads}) reports the oneDNN kernel path and thread count, and its primitives are jit kernels", async (t) => {
  if (skipIfMissing(t, missingAddon())) return;
  const info = await initBackend({ backend: "wasm", threads: 2 });
  assert.equal(info.kernels, `onednn-${onednnStatus().version}`);
  assert.equal(info.threads, 2);
  assert.equal((await initBackend({ backend: "wasm", threads: 1 })).threads, 1);
  // No reference (slow, naive) implementation was chosen for the geometries run above.
  const plans = onednnPlans();
  assert.ok(plans.length > 0);
  for (const plan of plans) assert.doesNotMatch(plan, / ref[:,]| ref$/, plan);
});

test("initBackend({backend: 'wasm'}) without threads takes FORGETTING_THREADS, else SLURM_CPUS_PER_TASK; a bad value is one line", async (t) => {
  if (skipIfMissing(t, missingAddon())) return;
  const saved = { sweep: process.env.FORGETTING_THREADS, slurm: process.env.SLURM_CPUS_PER_TASK };
  try {
    delete process.env.FORGETTING_THREADS;
    process.env.SLURM_CPUS_PER_TASK = "1";
    assert.equal((await initBackend({ backend: "wasm" })).threads, 1);
    process.env.FORGETTING_THREADS = "2";
    assert.equal((await initBackend({ backend: "wasm" })).threads, 2);
    process.env.FORGETTING_THREADS = "two";
    await assert.rejects(initBackend({ backend: "wasm" }), /environment variable FORGETTING_THREADS expected an integer > 0, got "two"/);
  } finally {
    for (const [name, value] of [["FORGETTING_THREADS", saved.sweep], ["SLURM_CPUS_PER_TASK", saved.slurm]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test("oneDNN kernels on 2 threads give bit-identical results on every run", async (t) => {
  if (skipIfMissing(t, missingAddon())) return;
  await initBackend({ backend: "wasm", threads: 2 });
  const xValues = randomArray(16 * 16 * 16 * 32, 20, "det-x");
  const fValues = randomArray(3 * 3 * 32 * 32, 21, "det-f");
  const compute = (): tf.Tensor[] => {
    const x = tf.tensor4d(xValues, [16, 16, 16, 32]);
    const filter = tf.tensor4d(fValues, [3, 3, 32, 32]);
    const [dx, dFilter] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same"))))([x, filter]);
    return [dx, dFilter];
  };
  const first = await onBackend("wasm", compute);
  for (let run = 0; run < 3; run++) {
    const again = await onBackend("wasm", compute);
    again.forEach((values, i) => assert.deepEqual(Buffer.from(values.buffer), Buffer.from(first[i].buffer)));
  }
});

for (const options of [
  { momentum: 0 },
  { momentum: 0.9 },
  { momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
  { momentum: 0.5, weightDecay: 1e-3, decayMask: [true, false] },
]) {
  test(`Sgd(${JSON.stringify(options)}).step on the oneDNN path: bit-identical to the composition of tfjs ops on cpu over 3 steps`, async (t) => {
    if (skipIfMissing(t, missingAddon())) return;
    await initBackend({ backend: "wasm", threads: 2 });
    // One variable big enough for the addon's threads (>= 65,536 values), one small.
    const shapes = [[300, 257], [7, 3]];
    const run = async (backend: "wasm" | "cpu"): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const variables = shapes.map((shape, i) => tf.variable(tf.tensor(randomArray(shape[0] * shape[1], 30 + i, `p${i}`), shape)));
      const sgd = new Sgd(variables, options);
      for (let step = 0; step < 3; step++) {
        const grads = shapes.map((shape, i) => tf.tensor(randomArray(shape[0] * shape[1], 40 + 10 * step + i, `g${step}${i}`), shape));
        sgd.step(grads, 0.1 / (step + 1));
        tf.dispose(grads);
      }
      const values = [...variables.map((v) => v.dataSync() as Float32Array), ...sgd.getState()].map((a) => Float32Array.from(a));
      sgd.dispose();
      tf.dispose(variables);
      return values;
    };
    const native = await run("wasm");
    const composed = await run("cpu");
    assert.equal(native.length, composed.length);
    native.forEach((values, i) => assert.ok(Buffer.from(values.buffer).equals(Buffer.from(composed[i].buffer)), `array ${i} (weights, then momentum buffers) differs`));
  });
}

/** Every file of a run folder but the manifest, the log and checkpoint.json (they hold times and ids), with its bytes. */
function recordFiles(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || /manifest\.json$|checkpoint\.json$|log\.|\.lock/.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), fs.readFileSync(file));
  }
  return files;
}

test("train(digits-cnn, seed, threads 2) twice on the oneDNN path: byte-identical record files; the manifest names kernels and threads", async (t) => {
  if (skipIfMissing(t, missingAddon())) return;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "onednn-determinism-"));
  try {
    const config = { model: "digits-cnn", dataset: "digits", epochs: 2, batchSize: 64, seed: 3, threads: 2, recordFloats: ["loss", "margin"] } as const;
    for (const runId of ["a", "b"]) await train({ ...config, recordFloats: [...config.recordFloats] }, { outputsRoot: root, experiment: "det", runId, backend: "wasm", quiet: true });
    const [a, b] = ["a", "b"].map((id) => path.join(root, "det", id));
    const environment = readManifest(a).environment;
    assert.equal(environment.kernels, `onednn-${onednnStatus().version}`);
    assert.equal(environment.threads, 2);
    const filesA = recordFiles(a);
    const filesB = recordFiles(b);
    assert.ok(filesA.size >= 3, `expected record files, got ${[...filesA.keys()]}`);
    assert.deepEqual([...filesB.keys()].sort(), [...filesA.keys()].sort());
    for (const [file, bytes] of filesA) assert.ok(bytes.equals(filesB.get(file)!), `${file} differs between two runs with the same seed, kernels and threads`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
