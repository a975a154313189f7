import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { Random } from "../../src/core/random";
import { readImageFolder, sniffImageFormat } from "../../src/data/imageFolder";
import { decodeImage, folderBatchSource, loadImage } from "../../src/data/folderBatches";
import type { Batch } from "../../src/data/types";
import type { Transform } from "../../src/data/transforms";
import { SHARED_DATA, missingShared, tempDir } from "./shared";
import { skipIfMissing } from "../requirements";

/** Writes a w x h RGB PNG whose pixel (x, y) is [10x + y, 100 + y, 200]. */
async function png(file: string, width: number, height: number): Promise<void> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set([10 * x + y, 100 + y, 200], (y * width + x) * 3);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(raw, { raw: { width, height, channels: 3 } }).png().toFile(file);
}

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

test("sniffImageFormat(head) names formats by content", () => {
  assert.equal(sniffImageFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0])), "jpeg");
  assert.equal(sniffImageFormat(Buffer.from("GIF89a......")), "gif");
  assert.equal(sniffImageFormat(Buffer.from("\x89PNG\r\n\x1a\n", "latin1")), "png");
  assert.equal(sniffImageFormat(Buffer.from("RIFF\0\0\0\0WEBPVP8 ")), "webp");
  assert.equal(sniffImageFormat(Buffer.from("hello, not an image")), undefined);
});

test("readImageFolder(root) sorts classes (numerically for numbers) and files, labels by class, checksums the listing", async () => {
  const root = tempDir("folder-test");
  for (const [cls, names] of [["10", ["b.png", "a.png"]], ["2", ["z.png"]], ["2/sub", ["c.png"]]] as const) {
    for (const name of names) await png(path.join(root, cls, name), 3, 2);
  }
  fs.writeFileSync(path.join(root, "2", ".DS_Store"), "ignored");
  const { images, skipped } = await readImageFolder(root);
  assert.deepEqual(images.classFolders, ["2", "10"]);
  assert.deepEqual(images.files, ["2/sub/c.png", "2/z.png", "10/a.png", "10/b.png"]);
  assert.deepEqual(Array.from(images.labels), [0, 0, 1, 1]);
  assert.deepEqual(skipped, []);
  const again = await readImageFolder(root);
  assert.equal(again.images.checksum, images.checksum);
  fs.appendFileSync(path.join(root, "10", "a.png"), "x");
  assert.notEqual((await readImageFolder(root)).images.checksum, images.checksum);
});

test("readImageFolder(root, {classIndex}) takes ids and names from the ImageNet-form JSON and names a missing folder", async () => {
  const root = tempDir("folder-test");
  await png(path.join(root, "n02", "x.png"), 2, 2);
  await png(path.join(root, "n01", "y.png"), 2, 2);
  const indexFile = path.join(root, "..", `${path.basename(root)}-index.json`);
  fs.writeFileSync(indexFile, JSON.stringify({ 0: ["n02", "bee"], 1: ["n01", "ant"], 2: ["n09", "wasp"] }));
  const { images } = await readImageFolder(root, { classIndex: indexFile });
  assert.deepEqual(images.classNames, ["bee", "ant", "wasp"]);
  assert.deepEqual(images.files, ["n02/x.png", "n01/y.png"]);
  assert.deepEqual(Array.from(images.labels), [0, 1]);
  fs.writeFileSync(indexFile, JSON.stringify({ 0: ["n02", "bee"] }));
  await assert.rejects(readImageFolder(root, { classIndex: indexFile }), { name: "FileFormatError", message: `${indexFile}: expected an entry for every class folder of ${root}, got none for ["n01"]` });
  fs.writeFileSync(indexFile, JSON.stringify({ 0: ["n02", "bee"], 2: ["n01", "ant"] }));
  await assert.rejects(readImageFolder(root, { classIndex: indexFile }), { message: `${indexFile}: class "1": expected ["<folder>", "<name>"] for every id 0..1, got undefined` });
  fs.rmSync(indexFile);
});

test("readImageFolder(root) rejects an empty class folder, a non-image and an unreadable file, naming them; skipBadFiles lists them", async () => {
  const root = tempDir("folder-test");
  await png(path.join(root, "cat", "ok.png"), 2, 2);
  fs.mkdirSync(path.join(root, "dog"));
  await assert.rejects(readImageFolder(root), { message: `${path.join(root, "dog")}: expected at least one image in the class folder, got none` });
  await png(path.join(root, "dog", "ok.png"), 2, 2);
  fs.writeFileSync(path.join(root, "dog", "notes.jpg"), "not a jpeg");
  await assert.rejects(readImageFolder(root), {
    message: `${path.join(root, "dog", "notes.jpg")}: expected an image (JPEG, PNG, GIF, WebP, TIFF or HEIF content), got 10 bytes starting 6e6f742061206a70 (skipBadFiles: true skips such files)`,
  });
  fs.symlinkSync(path.join(root, "nowhere.png"), path.join(root, "cat", "broken.png"));
  await assert.rejects(readImageFolder(root), { message: `${path.join(root, "cat", "broken.png")}: expected a readable file, got ENOENT (skipBadFiles: true skips such files)` });
  const { images, skipped } = await readImageFolder(root, { skipBadFiles: true });
  assert.deepEqual(images.files, ["cat/ok.png", "dog/ok.png"]);
  assert.deepEqual(skipped.map((s) => s.file), ["cat/broken.png", "dog/notes.jpg"]);
  fs.rmSync(path.join(root, "dog", "ok.png"));
  await assert.rejects(readImageFolder(root, { skipBadFiles: true }), { message: `${path.join(root, "dog")}: expected at least one image in the class folder, got none after skipping bad files` });
});

test("decodeImage(file, [centerCrop(2), flip p=1]) crops in sharp and leaves the flip; loadImage applies it", async () => {
  const root = tempDir("folder-test");
  const file = path.join(root, "a", "img.png");
  await png(file, 4, 3);
  // Center crop 2 of a 3-row, 4-col image: top round((3-2)/2) = round(0.5) = 0 (half to even), left 1.
  const transforms: Transform[] = [{ kind: "centerCrop", size: 2 }, { kind: "horizontalFlip", p: 1 }];
  const { raw, rest } = await decodeImage(file, transforms, new Random(0));
  assert.deepEqual(rest.map((t) => t.kind), ["horizontalFlip"]);
  assert.deepEqual([0, 1, 2, 3].map((k) => raw.pixels[k * 3]), [10, 20, 11, 21]); // red of (x 1..2, y 0..1)
  const flipped = await loadImage(file, transforms, new Random(0));
  assert.deepEqual([0, 1, 2, 3].map((k) => Math.round(flipped.data[k * 3] * 255)), [20, 10, 21, 11]);
  // Resize keeps a constant channel constant (blue is 200 everywhere).
  const resized = await loadImage(file, [{ kind: "resize", size: 6 }], new Random(0));
  assert.deepEqual([resized.height, resized.width], [6, 8]);
  assert.ok(Array.from({ length: 48 }, (_, k) => resized.data[k * 3 + 2]).every((v) => Math.round(v * 255) === 200));
  fs.writeFileSync(path.join(root, "a", "broken.png"), fs.readFileSync(file).subarray(0, 40));
  await assert.rejects(loadImage(path.join(root, "a", "broken.png"), [], new Random(0)), new RegExp(`^FileFormatError: ${path.join(root, "a", "broken.png")}: expected a decodable image, got `));
});

test("folderBatchSource(images).batches() equals loadImage per example with Random(seed, 'augment', epoch, id) (fused fast path vs float path)", async () => {
  const root = tempDir("folder-test");
  for (let i = 0; i < 5; i++) await png(path.join(root, i < 3 ? "a" : "b", `${i}.png`), 20 + 3 * i, 15 + i);
  const { images } = await readImageFolder(root);
  const transforms: Transform[] = [{ kind: "randomResizedCrop", size: 8 }, { kind: "horizontalFlip" }, { kind: "normalize", mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] }];
  const source = folderBatchSource(images, { seed: 11, shuffle: true, transforms });
  for await (const batch of source.batches(3, 2)) {
    for (let k = 0; k < batch.shape[0]; k++) {
      const id = batch.exampleIds[k];
      const expected = await loadImage(path.join(root, images.files[id]), transforms, new Random(11, "augment", 3, id));
      const got = batch.images.subarray(k * 8 * 8 * 3, (k + 1) * 8 * 8 * 3);
      assert.ok(expected.data.every((v, j) => Math.abs(v - got[j]) < 1e-5), `example ${id} differs`);
    }
  }
});

test("folderBatchSource(images).batches(epoch, 2, {fromBatch}) gives the full pass's later batches without reading the skipped images", async () => {
  const root = tempDir("folder-test");
  for (let i = 0; i < 5; i++) await png(path.join(root, i < 3 ? "a" : "b", `${i}.png`), 20 + 3 * i, 15 + i);
  const { images } = await readImageFolder(root);
  const transforms: Transform[] = [{ kind: "randomResizedCrop", size: 8 }, { kind: "horizontalFlip" }];
  const source = folderBatchSource(images, { seed: 5, shuffle: true, transforms });
  const full = await collect(source.batches(1, 2));
  // The images of batch 0 are gone: reading one would fail.
  for (const id of full[0].exampleIds) fs.rmSync(path.join(root, images.files[id]));
  const rest = await collect(source.batches(1, 2, { fromBatch: 1 }));
  assert.deepEqual(rest.map((b) => [b.index, Array.from(b.exampleIds), Array.from(b.images)]), full.slice(1).map((b) => [b.index, Array.from(b.exampleIds), Array.from(b.images)]));
});

test("Batch.release() lets a later batch reuse the buffer, fully rewritten; without release no buffer is shared", async () => {
  const root = tempDir("folder-test");
  for (let i = 0; i < 6; i++) await png(path.join(root, "a", `${i}.png`), 10 + i, 9);
  const { images } = await readImageFolder(root);
  const transforms: Transform[] = [{ kind: "centerCrop", size: 6 }, { kind: "horizontalFlip" }, { kind: "normalize", mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }];
  const source = folderBatchSource(images, { seed: 1, transforms, prefetch: 1 });
  const buffers: Float32Array[] = [];
  for await (const batch of source.batches(0, 2)) {
    buffers.push(batch.images);
    for (let k = 0; k < batch.shape[0]; k++) {
      const id = batch.exampleIds[k];
      const expected = await loadImage(path.join(root, images.files[id]), transforms, new Random(1, "augment", 0, id));
      assert.ok(expected.data.every((v, j) => Math.abs(v - batch.images[k * 108 + j]) < 1e-5), `example ${id}`);
    }
    batch.release?.();
  }
  // Batch 1 is started before batch 0 is handed over (prefetch 1), so batch 2 gets batch 0's buffer.
  assert.equal(buffers[2], buffers[0]);
  const kept: Float32Array[] = [];
  for await (const batch of source.batches(1, 2)) kept.push(batch.images);
  assert.equal(new Set(kept).size, 3);
});

test("readImageFolder(hymenoptera train): 245 images in 2 classes, with 'ant photos.jpg' and the GIF decoded by content", async (t) => {
  const reason = missingShared("hymenoptera_data/train");
  if (skipIfMissing(t, reason)) return;
  const root = path.join(SHARED_DATA, "hymenoptera_data", "train");
  const { images, skipped } = await readImageFolder(root);
  assert.equal(images.files.length, 245);
  assert.deepEqual(images.classNames, ["ants", "bees"]);
  assert.deepEqual([0, 1].map((c) => images.labels.filter((l) => l === c).length), [124, 121]);
  assert.deepEqual(skipped, []);
  const gif = images.files.indexOf("ants/imageNotFound.gif");
  const spaced = images.files.indexOf("ants/ant photos.jpg");
  assert.ok(gif >= 0 && spaced >= 0);
  // Decode a subset twice with the ImageNet training pipeline: same seed, same pixels.
  const transforms: Transform[] = [{ kind: "randomResizedCrop", size: 224 }, { kind: "horizontalFlip" }, { kind: "normalize", mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }];
  const subsetIds = Int32Array.from([gif, spaced, 200]);
  const source = folderBatchSource(images, { seed: 4, shuffle: true, transforms, subsetIds, prefetch: 2 });
  assert.deepEqual(source.inputShape, [224, 224, 3]);
  assert.equal(source.exampleNames?.[gif], "ants/imageNotFound.gif");
  const first = await collect(source.batches(0, 2));
  assert.deepEqual(first.map((b) => b.shape), [[2, 224, 224, 3], [1, 224, 224, 3]]);
  assert.deepEqual(first.flatMap((b) => Array.from(b.exampleIds)).sort((a, b) => a - b), Array.from(subsetIds).sort((a, b) => a - b));
  assert.ok(first.every((b) => b.images.every(Number.isFinite)));
  const second = await collect(folderBatchSource(images, { seed: 4, shuffle: true, transforms, subsetIds }).batches(0, 2));
  assert.deepEqual(second.map((b) => Array.from(b.exampleIds)), first.map((b) => Array.from(b.exampleIds)));
  second.forEach((b, i) => assert.ok(b.images.every((v, k) => v === first[i].images[k])));
});

test("folderBatchSource(images) runs libvips with one thread per image; decodeImage(..., 'sharp') pixels equal those of libvips' multi-threaded decode", async (t) => {
  const reason = missingShared("hymenoptera_data");
  if (skipIfMissing(t, reason)) return;
  const { images } = await readImageFolder(path.join(SHARED_DATA, "hymenoptera_data", "train"));
  const previous = sharp.concurrency();
  try {
    folderBatchSource(images, { seed: 0, transforms: [{ kind: "centerCrop", size: 8 }] });
    assert.equal(sharp.concurrency(), 1);
    // Every 12th file (21 of the 245 JPEGs), random crops resized to 224.
    const files = images.files.filter((_, k) => k % 12 === 0).map((f) => path.join(images.root, f));
    const transforms: Transform[] = [{ kind: "randomResizedCrop", size: 224 }];
    const decodeAll = () => Promise.all(files.map((f, k) => decodeImage(f, transforms, new Random(5, "augment", k), "sharp")));
    const single = await decodeAll();
    sharp.concurrency(4);
    const multi = await decodeAll();
    for (let k = 0; k < files.length; k++) assert.ok(Buffer.compare(single[k].raw.pixels, multi[k].raw.pixels) === 0, files[k]);
  } finally {
    sharp.concurrency(previous);
  }
});
