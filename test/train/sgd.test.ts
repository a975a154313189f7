import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Sgd } from "../../src/train/sgd";
import { ValueError } from "../../src/core/errors";

/** Runs two steps with the constant gradient [0.5, -1] from p = [1, -2]; returns p after each step. */
async function twoSteps(options: ConstructorParameters<typeof Sgd>[1], lr = 0.1): Promise<number[][]> {
  await tf.setBackend("cpu");
  const p = tf.variable(tf.tensor1d([1, -2]));
  const sgd = new Sgd([p], options);
  const g = tf.tensor1d([0.5, -1]);
  const out: number[][] = [];
  for (let s = 0; s < 2; s++) {
    sgd.step([g], lr);
    out.push(Array.from(p.dataSync()));
  }
  sgd.dispose();
  p.dispose();
  g.dispose();
  return out;
}

function assertClose(actual: number[], expected: number[], tol = 1e-6): void {
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol, `index ${i}: ${a} vs ${expected[i]}`));
}

test("Sgd.step(grads, lr) plain SGD: p -= lr * g", async () => {
  const [p1, p2] = await twoSteps({});
  assertClose(p1, [0.95, -1.9]);
  assertClose(p2, [0.9, -1.8]);
});

test("Sgd.step(grads, lr) momentum 0.9 + weight decay 0.01 matches hand computation (PyTorch semantics)", async () => {
  // p=1, g=0.5: d = 0.5 + 0.01*1 = 0.51; buf = 0.51; p = 1 - 0.1*0.51 = 0.949
  // d = 0.5 + 0.01*0.949 = 0.50949; buf = 0.9*0.51 + 0.50949 = 0.96849; p = 0.949 - 0.096849 = 0.852151
  // p=-2, g=-1: d = -1 - 0.02 = -1.02; buf = -1.02; p = -2 + 0.102 = -1.898
  // d = -1 + 0.01*(-1.898) = -1.01898; buf = -0.918 - 1.01898 = -1.93698; p = -1.898 + 0.193698 = -1.704302
  const [p1, p2] = await twoSteps({ momentum: 0.9, weightDecay: 0.01 });
  assertClose(p1, [0.949, -1.898]);
  assertClose(p2, [0.852151, -1.704302]);
});

test("Sgd.step(grads, lr) Nesterov: d' = d + m * buf", async () => {
  // p=1: d = 0.51, buf = 0.51, d' = 0.51 + 0.459 = 0.969, p = 0.9031
  // d = 0.5 + 0.009031 = 0.509031; buf = 0.459 + 0.509031 = 0.968031; d' = 0.509031 + 0.8712279 = 1.3802589
  // p = 0.9031 - 0.13802589 = 0.76507411
  const [p1, p2] = await twoSteps({ momentum: 0.9, nesterov: true, weightDecay: 0.01 });
  assertClose([p1[0]], [0.9031]);
  assertClose([p2[0]], [0.76507411]);
});

test("Sgd(variables, {decayMask}) skips weight decay where the mask is false", async () => {
  const [p1] = await twoSteps({ momentum: 0.9, weightDecay: 0.01, decayMask: [false] });
  assertClose(p1, [0.95, -1.9]);
});

test("Sgd.getState()/setState() round-trips the momentum buffers bit for bit", async () => {
  await tf.setBackend("cpu");
  const make = () => tf.variable(tf.tensor1d([1, -2, 3]));
  const a = make();
  const sgdA = new Sgd([a], { momentum: 0.9, nesterov: true });
  const g = tf.tensor1d([0.3, 0.1, -0.7]);
  sgdA.step([g], 0.05);
  const state = sgdA.getState();
  const b = make();
  b.assign(a);
  const sgdB = new Sgd([b], { momentum: 0.9, nesterov: true });
  sgdB.setState(state);
  sgdA.step([g], 0.05);
  sgdB.step([g], 0.05);
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  assert.throws(() => sgdB.setState([new Float32Array(2)]), /Sgd.setState: buffer 0 expected 3 values/);
  [a, b, g].forEach((t) => t.dispose());
  sgdA.dispose();
  sgdB.dispose();
});

test("Sgd(variables, {nesterov: true, momentum: 0}) throws", async () => {
  await tf.setBackend("cpu");
  const p = tf.variable(tf.zeros([1]));
  assert.throws(() => new Sgd([p], { nesterov: true }), (e: Error) => e instanceof ValueError && /expected momentum > 0 with nesterov/.test(e.message));
  p.dispose();
});
