/**
 * The native JPEG path (native/jpeg_turbo.c through src/data/jpegTurbo.ts) against PIL, the
 * loader torchvision uses: same bytes for decode + crop + bilinear resize on the real
 * hymenoptera JPEGs. Needs the addon built (npm run build), ../shared/data, and Debian's
 * python3-pil for the PIL comparison; each test says which is missing when it skips (or fails,
 * in strict mode: see ../requirements.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { Random } from "../../src/core/random";
import { decodeImage } from "../../src/data/folderBatches";
import { readImageFolder, sniffImageFormat } from "../../src/data/imageFolder";
import { randomResizedCropBox } from "../../src/data/transforms";
import { decodeJpegNative, jpegDecoderDescription, nativeJpegBuilt } from "../../src/data/jpegTurbo";
import { SHARED_DATA, missingShared, tempDir } from "./shared";
import { skipIfMissing } from "../requirements";

const PYTHON = "/usr/bin/python3";
const nativeMissing = (): string | undefined => (nativeJpegBuilt() ? undefined : `native JPEG path not built: ${jpegDecoderDescription()}`);

const PIL_SCRIPT = `
import json, sys
from PIL import Image
jobs = json.load(open(sys.argv[1]))
with open(sys.argv[2], "wb") as out:
    for j in jobs:
        top, left, height, width = j["pre"]
        image = Image.open(j["file"]).convert("RGB").crop((left, top, left + width, top + height))
        out.write(image.resize((j["size"][1], j["size"][0]), Image.BILINEAR).tobytes())
`;

test("native JPEG path: RandomResizedCrop(224) and Resize(256) of every hymenoptera JPEG gives PIL's bytes", async (t) => {
  const reason = nativeMissing() ?? missingShared("hymenoptera_data/train");
  if (skipIfMissing(t, reason)) return;
  if (skipIfMissing(t, spawnSync(PYTHON, ["-c", "import PIL"]).status === 0 ? undefined : `PIL not available to ${PYTHON} (Debian: python3-pil)`)) return;
  const { images } = await readImageFolder(path.join(SHARED_DATA, "hymenoptera_data", "train"));
  const files = images.files.map((f) => path.join(images.root, f)).filter((f) => sniffImageFormat(fs.readFileSync(f)) === "jpeg");
  assert.equal(files.length, 244); // all but the GIF
  // Half with a random crop to 224 x 224 (the training transform), half with a plain resize of
  // the whole image to a shorter side of 256 (the test transform's first step): up and down.
  const jobs = await Promise.all(
    files.map(async (file, k) => {
      const transforms = k % 2 ? [{ kind: "resize" as const, size: 256 }] : [{ kind: "randomResizedCrop" as const, size: 224 }];
      const { raw } = await decodeImage(file, transforms, new Random(3, "augment", k));
      const meta = await sharp(file).metadata();
      // The same crop box, drawn again from the same generator.
      const box = k % 2 ? { top: 0, left: 0, height: meta.height, width: meta.width } : randomResizedCropBox(meta.height, meta.width, new Random(3, "augment", k));
      return { file, pre: [box.top, box.left, box.height, box.width], size: [raw.height, raw.width], pixels: raw.pixels };
    }),
  );
  const dir = tempDir("pil");
  fs.writeFileSync(path.join(dir, "jobs.json"), JSON.stringify(jobs.map(({ file, pre, size }) => ({ file, pre, size }))));
  const run = spawnSync(PYTHON, ["-c", PIL_SCRIPT, path.join(dir, "jobs.json"), path.join(dir, "pil.bin")], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const pil = fs.readFileSync(path.join(dir, "pil.bin"));
  let offset = 0;
  for (const job of jobs) {
    const expected = pil.subarray(offset, offset + job.pixels.length);
    offset += job.pixels.length;
    assert.ok(Buffer.compare(Buffer.from(job.pixels), expected) === 0, `${job.file} (${job.size}) differs from PIL`);
  }
  assert.equal(offset, pil.length);
});

test("native JPEG path: a crop without resize equals sharp's decode of the same box (the two libjpeg-turbo decoders agree)", async (t) => {
  const reason = nativeMissing() ?? missingShared("hymenoptera_data/train");
  if (skipIfMissing(t, reason)) return;
  const root = path.join(SHARED_DATA, "hymenoptera_data", "train", "bees");
  for (const name of fs.readdirSync(root).slice(0, 20)) {
    const bytes = fs.readFileSync(path.join(root, name));
    const { width, height } = await sharp(bytes).metadata();
    const pre = { top: Math.floor(height / 3), left: Math.floor(width / 4), height: Math.floor(height / 2), width: Math.floor(width / 2) };
    const native = await decodeJpegNative(bytes, { pre, resize: [pre.height, pre.width], post: { top: 0, left: 0, height: pre.height, width: pre.width } });
    const viaSharp = await sharp(bytes, { ignoreIcc: true }).extract(pre).raw().toBuffer();
    assert.ok(Buffer.compare(Buffer.from(native!), viaSharp) === 0, name);
  }
});

test("native JPEG path: grey JPEGs come out as RGB, CMYK JPEGs go to sharp, a truncated JPEG is an error naming the file", async (t) => {
  const reason = nativeMissing();
  if (skipIfMissing(t, reason)) return;
  const dir = tempDir("jpeg");
  const raw = Buffer.alloc(40 * 30 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7) % 251;
  const grey = path.join(dir, "grey.jpg");
  await sharp(raw, { raw: { width: 40, height: 30, channels: 3 } }).greyscale().jpeg().toFile(grey);
  const decodedGrey = (await decodeImage(grey, [], new Random(0))).raw.pixels;
  assert.equal(decodedGrey.length, 40 * 30 * 3);
  assert.ok(Array.from({ length: 40 * 30 }, (_, p) => p).every((p) => decodedGrey[3 * p] === decodedGrey[3 * p + 1] && decodedGrey[3 * p] === decodedGrey[3 * p + 2]));

  const cmyk = path.join(dir, "cmyk.jpg");
  await sharp(raw, { raw: { width: 40, height: 30, channels: 3 } }).toColourspace("cmyk").jpeg().toFile(cmyk);
  const decodedCmyk = await decodeImage(cmyk, [{ kind: "centerCrop", size: 20 }], new Random(0));
  assert.deepEqual([decodedCmyk.raw.height, decodedCmyk.raw.width, decodedCmyk.raw.pixels.length], [20, 20, 20 * 20 * 3]);

  const truncated = path.join(dir, "truncated.jpg");
  const whole = await sharp(raw, { raw: { width: 40, height: 30, channels: 3 } }).jpeg().toBuffer();
  fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
  await assert.rejects(decodeImage(truncated, [], new Random(0)), new RegExp(`^FileFormatError: ${truncated}: expected a decodable image, got libjpeg-turbo: Premature end of JPEG file`));
});
