/**
 * Where the CPU of one image goes in the folder pipeline: sharp's header read, a 1-pixel
 * extract (fixed cost of a libvips pipeline), a full JPEG decode, decode + RandomResizedCrop(224)
 * through sharp and through the native libjpeg-turbo path (where built), and, beside them,
 * PIL's decode + convert("RGB") (what torchvision's loader does) on the same files. One image at a time, CPU ms per image
 * (process.cpuUsage / Python's process_time), median of 5 passes after 1 warm-up pass.
 *
 *   node --import tsx bench/data/decode_stages.ts [--root <folder of class folders>]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { Random } from "../../src/core/random";
import { type CropBox, randomResizedCropBox } from "../../src/data/transforms";
import { sniffImageFormat } from "../../src/data/imageFolder";
import { imageSizeFromHeader } from "../../src/data/imageHeader";
import { decodeJpegNative, jpegDecoderDescription } from "../../src/data/jpegTurbo";

const PASSES = 5;
const i = process.argv.indexOf("--root");
const root = path.resolve(i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : path.resolve(__dirname, "../../../shared/data/hymenoptera_data/train"));
const files = fs.readdirSync(root).flatMap((c) => fs.readdirSync(path.join(root, c)).map((f) => path.join(root, c, f)));
const contents = files.map((f) => fs.readFileSync(f));

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

// The process-wide settings folderBatchSource makes.
sharp.cache(false);
sharp.concurrency(1);

/** The RandomResizedCrop box of file k, from the generator folderBatchSource uses. */
function cropBox(bytes: Buffer, k: number): CropBox {
  const [height, width] = imageSizeFromHeader(bytes)!;
  return randomResizedCropBox(height, width, new Random(1, "augment", 0, k));
}

/** sharp's crop + 224 resize, as folderBatchSource runs it. */
const sharpCropResize = (bytes: Buffer, box: CropBox) =>
  sharp(bytes, { ignoreIcc: true }).extract(box).resize(224, 224, { fit: "fill", kernel: "linear" }).removeAlpha().toColourspace("srgb").raw().toBuffer();

const stages: Record<string, (bytes: Buffer, k: number) => Promise<unknown>> = {
  "sharp metadata (header only)": (b) => sharp(b, { ignoreIcc: true }).metadata(),
  "sharp 1-pixel extract (pipeline fixed cost)": (b) => sharp(b, { ignoreIcc: true }).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer(),
  "sharp full decode to raw RGB": (b) => sharp(b, { ignoreIcc: true }).raw().toBuffer(),
  "sharp decode + RandomResizedCrop(224), as folderBatchSource": (b, k) => sharpCropResize(b, cropBox(b, k)),
  "native libjpeg-turbo decode + RandomResizedCrop(224) (JPEGs; sharp for the rest)": (b, k) => {
    const box = cropBox(b, k);
    const native = sniffImageFormat(b) === "jpeg" ? decodeJpegNative(b, { pre: box, resize: [224, 224], post: { top: 0, left: 0, height: 224, width: 224 } }) : null;
    return native ?? sharpCropResize(b, box);
  },
};

const PIL_SCRIPT = `
import io, sys, time
from PIL import Image
data = [open(f, "rb").read() for f in sys.argv[2:]]
times = []
for p in range(int(sys.argv[1]) + 1):
    t = time.process_time()
    for b in data: Image.open(io.BytesIO(b)).convert("RGB")
    times.append((time.process_time() - t) * 1000 / len(data))
print(sorted(times[1:])[len(times[1:]) // 2])
`;

async function main(): Promise<void> {
  console.log(`decode stages, one image at a time: ${files.length} files in ${root}; JPEG decoder: ${jpegDecoderDescription()}`);
  console.log("| stage | CPU ms per image (median of 5 passes) |");
  console.log("|---|---|");
  for (const [name, stage] of Object.entries(stages)) {
    const perPass: number[] = [];
    for (let p = 0; p <= PASSES; p++) {
      const start = process.cpuUsage();
      for (let k = 0; k < contents.length; k++) await stage(contents[k], k);
      const cpu = process.cpuUsage(start);
      if (p > 0) perPass.push((cpu.user + cpu.system) / 1000 / contents.length);
    }
    console.log(`| ${name} | ${median(perPass).toFixed(2)} |`);
  }
  const pil = spawnSync("/usr/bin/python3", ["-c", PIL_SCRIPT, String(PASSES), ...files], { encoding: "utf8" });
  console.log(pil.status === 0 ? `| PIL Image.open + convert("RGB") (torchvision's loader) | ${Number(pil.stdout.trim()).toFixed(2)} |` : "| PIL | not available (/usr/bin/python3 with PIL needed) |");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
