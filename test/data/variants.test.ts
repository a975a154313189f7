import { test } from "node:test";
import assert from "node:assert/strict";
import { addLabelNoise, pixelPermutation, subsetWithout } from "../../src/data/variants";

test("addLabelNoise(labels, nClasses, fraction, seed) flips round(fraction * n) labels, always to another class", () => {
  const labels = Int32Array.from({ length: 101 }, (_, i) => i % 3);
  for (const fraction of [0, 0.1, 0.5, 1]) {
    const { labels: noisy, noisyIds } = addLabelNoise(labels, 3, fraction, 42);
    assert.equal(noisyIds.length, Math.round(fraction * 101));
    const changed = Array.from(noisy.keys()).filter((i) => noisy[i] !== labels[i]);
    assert.deepEqual(Array.from(noisyIds), changed);
    assert.ok(Array.from(noisy).every((l) => l >= 0 && l < 3));
  }
  assert.deepEqual(addLabelNoise(labels, 3, 0.3, 42).labels, addLabelNoise(labels, 3, 0.3, 42).labels);
  assert.notDeepEqual(addLabelNoise(labels, 3, 0.3, 42).noisyIds, addLabelNoise(labels, 3, 0.3, 43).noisyIds);
  assert.throws(() => addLabelNoise(labels, 1, 0.1, 0), /addLabelNoise: expected at least 2 classes to flip between, got 1/);
});

test("addLabelNoise with 2 classes flips exactly the chosen labels (the only other class)", () => {
  const labels = Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]);
  const { labels: noisy, noisyIds } = addLabelNoise(labels, 2, 0.5, 7);
  for (const id of noisyIds) assert.equal(noisy[id], 1 - labels[id]);
});

test("pixelPermutation(n, seed) is a permutation fixed by the seed; subsetWithout keeps the other ids in order", () => {
  const p = pixelPermutation(784, 3);
  assert.deepEqual(Array.from(p).sort((a, b) => a - b), Array.from({ length: 784 }, (_, i) => i));
  assert.deepEqual(pixelPermutation(784, 3), p);
  assert.notDeepEqual(pixelPermutation(784, 4), p);
  assert.deepEqual(Array.from(subsetWithout(6, [4, 1, 4])), [0, 2, 3, 5]);
  assert.throws(() => subsetWithout(6, [6]), /subsetWithout removeIds: expected exampleIds in \[0, 6\), got 6/);
  assert.throws(() => subsetWithout(6, [1.5]), /got 1\.5/);
});
