import { test } from "node:test";
import assert from "node:assert/strict";
import { inMemoryBatchSource, channelStats } from "../../src/data/batches";
import type { Batch, InMemoryImages } from "../../src/data/types";

/** Five 2x2 grey images; image i has all pixels = 2 * i (pixelMax 10). */
function toy(): InMemoryImages {
  const pixels = new Uint8Array(5 * 4);
  for (let i = 0; i < 5; i++) pixels.fill(2 * i, i * 4, i * 4 + 4);
  return { kind: "in-memory", name: "toy", split: "train", pixels, pixelMax: 10, shape: [2, 2, 1], labels: Int32Array.from([0, 1, 0, 1, 0]), classNames: ["a", "b"], checksum: "x" };
}

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

test("inMemoryBatchSource(images).batches(epoch, 2) keeps the last partial batch and carries ids with pixels and labels", async () => {
  const source = inMemoryBatchSource(toy(), { seed: 1 });
  const batches = await collect(source.batches(0, 2));
  assert.deepEqual(batches.map((b) => b.shape), [[2, 2, 2, 1], [2, 2, 2, 1], [1, 2, 2, 1]]);
  assert.deepEqual(batches.flatMap((b) => Array.from(b.exampleIds)), [0, 1, 2, 3, 4]);
  assert.deepEqual(Array.from(batches[1].images), [0.4, 0.4, 0.4, 0.4, 0.6, 0.6, 0.6, 0.6].map(Math.fround));
  assert.deepEqual(Array.from(batches[2].labels), [0]);
});

test("inMemoryBatchSource(images, {shuffle}).batches(epoch) is a permutation fixed by (seed, epoch)", async () => {
  const ids = async (seed: number, epoch: number) =>
    (await collect(inMemoryBatchSource(toy(), { seed, shuffle: true }).batches(epoch, 3))).flatMap((b) => Array.from(b.exampleIds));
  const a = await ids(7, 0);
  assert.deepEqual([...a].sort(), [0, 1, 2, 3, 4]);
  assert.deepEqual(await ids(7, 0), a);
  const orders = new Set<string>();
  for (let epoch = 0; epoch < 10; epoch++) orders.add((await ids(7, epoch)).join());
  assert.ok(orders.size > 3, `expected epochs to differ, got ${[...orders].join(" | ")}`);
  // Pixels follow their ids: image i is 2i/10 everywhere.
  for (const b of await collect(inMemoryBatchSource(toy(), { seed: 7, shuffle: true }).batches(3, 5))) {
    b.exampleIds.forEach((id, k) => assert.equal(b.images[k * 4], Math.fround((2 * id) / 10)));
  }
});

test("batches(epoch, batchSize, {fromBatch}) yields exactly the full pass's batches from that index on; a bad fromBatch is one line", async () => {
  const source = inMemoryBatchSource(toy(), { seed: 7, shuffle: true, subsetIds: Int32Array.from([0, 1, 2, 4]) });
  const full = await collect(source.batches(2, 3));
  assert.deepEqual(full.map((b) => b.index), [0, 1]);
  const rest = await collect(source.batches(2, 3, { fromBatch: 1 }));
  assert.deepEqual(rest, full.slice(1));
  assert.deepEqual(await collect(source.batches(2, 3, { fromBatch: 2 })), []);
  await assert.rejects(collect(source.batches(2, 3, { fromBatch: 3 })), /^ValueError: BatchSource.batches fromBatch: expected an integer in \[0, 2\] \(2 batches of 3\), got 3$/);
  await assert.rejects(collect(source.batches(2, 3, { fromBatch: 0.5 })), /expected an integer in \[0, 2\]/);
});

test("inMemoryBatchSource(images, {subsetIds, pixelPermutation, transforms: normalize})", async () => {
  const images = toy();
  images.pixels[4 * 3 + 1] = 10; // image 3: [6, 10, 6, 6]
  const source = inMemoryBatchSource(images, {
    seed: 0,
    subsetIds: Int32Array.from([1, 3]),
    pixelPermutation: Int32Array.from([1, 0, 3, 2]),
    transforms: [{ kind: "normalize", mean: [0.5], std: [0.25] }],
  });
  const [batch] = await collect(source.batches(0, 8));
  assert.deepEqual(Array.from(batch.exampleIds), [1, 3]);
  assert.equal(source.nExamples, 5);
  // image 3 permuted: [10, 6, 6, 6] / 10 -> [1, .6, .6, .6] -> (x - .5) / .25
  assert.deepEqual(Array.from(batch.images.subarray(4)).map((v) => +v.toFixed(5)), [2, 0.4, 0.4, 0.4]);
});

test("channelStats(images) gives population mean and std on the [0, 1] scale", () => {
  // values 0, .2, .4, .6, .8 (4 pixels each): mean .4, variance (.16+.04+0+.04+.16)/5 = .08
  const { mean, std } = channelStats(toy());
  assert.ok(Math.abs(mean[0] - 0.4) < 1e-12);
  assert.ok(Math.abs(std[0] - Math.sqrt(0.08)) < 1e-12);
});
