import { test } from "node:test";
import assert from "node:assert/strict";
import { openDataset, readImageSplits } from "../../src/data/index";
import { classCounts } from "../../src/analysis/sets";
import { Random } from "../../src/core/random";
import type { Batch } from "../../src/data/types";
import { SHARED_DATA, missingShared, tempDir } from "./shared";
import { skipIfMissing } from "../requirements";

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

test("openDataset({dataset: 'digits'}) gives shuffled normalized train batches and fixed-order test batches", async () => {
  const { train, test: testSource, variant } = await openDataset({ dataset: "digits", seed: 3 });
  assert.equal(train.datasetId, "digits/train");
  assert.equal(train.nExamples, 1438);
  assert.equal(testSource.nExamples, 359);
  assert.deepEqual(train.inputShape, [8, 8, 1]);
  assert.equal(variant.augment, "default");
  assert.deepEqual(variant.trainTransforms.map((t) => t.kind), ["normalize"]);
  const batches = await collect(train.batches(0, 100));
  assert.equal(batches.length, 15);
  assert.equal(batches[14].shape[0], 38);
  const ids = batches.flatMap((b) => Array.from(b.exampleIds));
  assert.deepEqual([...ids].sort((a, b) => a - b), Array.from({ length: 1438 }, (_, i) => i));
  assert.notDeepEqual(ids.slice(0, 20), Array.from({ length: 20 }, (_, i) => i));
  // Normalized with the training split's own statistics: the epoch's pixels have mean 0, std 1.
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (const b of batches) {
    for (const v of b.images) {
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  assert.ok(Math.abs(sum / n) < 1e-4);
  assert.ok(Math.abs(sumSq / n - 1) < 1e-4);
  const testIds = (await collect(testSource.batches(5, 100))).flatMap((b) => Array.from(b.exampleIds));
  assert.deepEqual(testIds, Array.from({ length: 359 }, (_, i) => i));
});

test("openDataset({labelNoise: 0.1}) flips 144 labels, each to a different class, and records them", async () => {
  const clean = await openDataset({ dataset: "digits", seed: 5 });
  const noisy = await openDataset({ dataset: "digits", seed: 5, labelNoise: 0.1 });
  const changed = Array.from(noisy.train.labels.keys()).filter((i) => noisy.train.labels[i] !== clean.train.labels[i]);
  assert.equal(changed.length, 144); // round(0.1 * 1438)
  assert.deepEqual(noisy.variant.labelNoise?.noisyIds, changed);
  assert.notEqual(noisy.train.checksum, clean.train.checksum);
  assert.deepEqual(noisy.test.labels, clean.test.labels);
  const again = await openDataset({ dataset: "digits", seed: 5, labelNoise: 0.1 });
  assert.deepEqual(again.variant.labelNoise?.noisyIds, changed);
});

test("openDataset({removeIds}) keeps ids, never presents removed ones; permutePixels permutes train and test alike", async () => {
  const { train, variant } = await openDataset({ dataset: "digits", seed: 1, removeIds: [0, 5, 1437] });
  assert.equal(variant.removedCount, 3);
  assert.equal(train.nExamples, 1438);
  const ids = (await collect(train.batches(2, 500))).flatMap((b) => Array.from(b.exampleIds));
  assert.equal(ids.length, 1435);
  assert.ok(![0, 5, 1437].some((id) => ids.includes(id)));
  const plain = await openDataset({ dataset: "digits", seed: 9 });
  const permuted = await openDataset({ dataset: "digits", seed: 9, permutePixels: true });
  const [p] = await collect(plain.test.batches(0, 1));
  const [q] = await collect(permuted.test.batches(0, 1));
  assert.deepEqual([...q.images].sort(), [...p.images].sort());
  assert.notDeepEqual(Array.from(q.images), Array.from(p.images));
});

test("openDataset({permutePixels, permutationSeed}) uses the permutation seed, not the run seed: one dataset for every run seed", async () => {
  const plain = await openDataset({ dataset: "digits", seed: 0 });
  const [seed1, seed2, other] = await Promise.all([
    openDataset({ dataset: "digits", seed: 1, permutePixels: true }),
    openDataset({ dataset: "digits", seed: 2, permutePixels: true, permutationSeed: 0 }),
    openDataset({ dataset: "digits", seed: 1, permutePixels: true, permutationSeed: 1 }),
  ]);
  assert.equal(seed1.train.checksum, seed2.train.checksum, "run seeds 1 and 2 share the permuted training split");
  assert.equal(seed1.test.checksum, seed2.test.checksum);
  assert.deepEqual(seed1.variant.permutePixels, seed2.variant.permutePixels);
  assert.equal(seed1.variant.permutePixels?.seed, 0, "the default permutation seed is recorded");
  assert.equal(other.variant.permutePixels?.seed, 1);
  assert.notEqual(other.train.checksum, seed1.train.checksum, "another permutation is another dataset");
  assert.notEqual(other.test.checksum, seed1.test.checksum);
  // Output pixel k is input pixel permutation[k], the permutation of new Random(permutationSeed, "permute-pixels").
  const permutation = new Random(1, "permute-pixels").permutation(64);
  const [p] = await collect(plain.test.batches(0, 1));
  const [q] = await collect(other.test.batches(0, 1));
  for (let k = 0; k < 64; k++) assert.equal(q.images[k], p.images[permutation[k]], `pixel ${k}`);
});

// The config's own fields (dataset, augment, labelNoise, seed) are checked by resolveTrainConfig: see test/config/train.test.ts.
test("openDataset(options) rejects what only the images decide: removeIds beyond the split, normalization for another channel count", async () => {
  await assert.rejects(openDataset({ dataset: "digits", seed: 0, removeIds: [1438] }), /expected exampleIds in \[0, 1438\), got 1438/);
  await assert.rejects(openDataset({ dataset: "digits", seed: 0, normalize: { mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] } }), {
    name: "ValueError",
    message: "openDataset normalize: expected { mean, std } with 1 values each (one per channel of the images), got {\"mean\":[0.5,0.5,0.5],\"std\":[0.2,0.2,0.2]}",
  });
});

test("openDataset({dataset: 'mnist', dataRoot}) reads the real files and normalizes with 0.1307 / 0.3081", async (t) => {
  const reason = missingShared("mnist");
  if (skipIfMissing(t, reason)) return;
  const { train, test: testSource, variant } = await openDataset({ dataset: "mnist", dataRoot: SHARED_DATA, seed: 0, permutePixels: true });
  assert.equal(train.nExamples, 60000);
  assert.equal(testSource.nExamples, 10000);
  assert.equal(variant.normalize.mean[0].toFixed(4), "0.1307");
  assert.equal(variant.normalize.std[0].toFixed(4), "0.3081");
  assert.equal(train.datasetId, "mnist/train");
  const [first] = await collect(testSource.batches(0, 2));
  assert.deepEqual(first.shape, [2, 28, 28, 1]);
});

test("openDataset({dataset: 'cifar10'}) without the files names the folder and the fetch command", async () => {
  const dataRoot = tempDir("open-test");
  await assert.rejects(openDataset({ dataset: "cifar10", dataRoot, seed: 0 }), {
    name: "FileFormatError",
    message: `${dataRoot}/cifar10: expected the cifar10 files here; run \`forgetting data fetch cifar10\` (or see \`forgetting data info cifar10\` for the files to place by hand)`,
  });
});

test("readImageSplits({dataset: 'digits'}) gives the embedded digits with their fixed split", async () => {
  const { train, test: testSplit } = await readImageSplits({ dataset: "digits" });
  assert.equal(train.labels.length, 1438);
  assert.equal(testSplit.labels.length, 359);
  // Test per class as the digits module documents it; training = UCI per-class totals minus test.
  assert.deepEqual([...classCounts(testSplit)], [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]);
  assert.deepEqual([...classCounts(train)], [178 - 36, 182 - 36, 177 - 35, 183 - 37, 181 - 36, 182 - 36, 181 - 36, 179 - 36, 174 - 35, 180 - 36]);
  await assert.rejects(readImageSplits({ dataset: "svhn" as never }), { name: "ValueError", message: 'readImageSplits dataset: expected one of "digits", "mnist", "fashion-mnist", "cifar10", "cifar100", "folder", got "svhn"' });
  await assert.rejects(readImageSplits({ dataset: "folder" }), { message: 'readImageSplits folder: expected the root folder (holding train/ and val/ or test/) of dataset "folder", got undefined' });
});

test("readImageSplits({dataset: 'cifar10'}, dataRoot) without the files names the folder and the fetch command, as openDataset does", async () => {
  const dataRoot = tempDir("no-cifar");
  const message = `${dataRoot}/cifar10: expected the cifar10 files here; run \`forgetting data fetch cifar10\` (or see \`forgetting data info cifar10\` for the files to place by hand)`;
  await assert.rejects(readImageSplits({ dataset: "cifar10" }, dataRoot), { name: "FileFormatError", message });
});
