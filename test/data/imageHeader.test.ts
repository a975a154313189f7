import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { imageSizeFromHeader } from "../../src/data/imageHeader";
import { SHARED_DATA, missingShared } from "./shared";
import { skipIfMissing } from "../requirements";

test("imageSizeFromHeader(bytes) reads PNG, GIF and JPEG sizes as sharp does, and gives up on others", async () => {
  const raw = { raw: { width: 7, height: 5, channels: 3 as const } };
  const pixels = Buffer.alloc(7 * 5 * 3, 100);
  assert.deepEqual(imageSizeFromHeader(await sharp(pixels, raw).png().toBuffer()), [5, 7]);
  assert.deepEqual(imageSizeFromHeader(await sharp(pixels, raw).gif().toBuffer()), [5, 7]);
  // A JPEG with a large EXIF segment before its frame header.
  const jpeg = await sharp(pixels, raw).jpeg().withMetadata({ exif: { IFD0: { ImageDescription: "x".repeat(3000) } } }).toBuffer();
  assert.deepEqual(imageSizeFromHeader(jpeg), [5, 7]);
  assert.equal(imageSizeFromHeader(await sharp(pixels, raw).webp().toBuffer()), undefined);
  assert.equal(imageSizeFromHeader(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2])), undefined);
});

test("imageSizeFromHeader(file bytes) equals sharp's metadata for every hymenoptera image (JPEGs and the GIF)", async (t) => {
  const reason = missingShared("hymenoptera_data");
  if (skipIfMissing(t, reason)) return;
  const files: string[] = [];
  const walk = (dir: string): void => fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : /\.(jpe?g|gif|png)$/i.test(e.name) && files.push(path.join(dir, e.name))));
  walk(path.join(SHARED_DATA, "hymenoptera_data"));
  assert.equal(files.length, 398);
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    const meta = await sharp(bytes).metadata();
    assert.deepEqual(imageSizeFromHeader(bytes), [meta.height, meta.width], file);
  }
});
