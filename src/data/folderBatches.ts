/**
 * Batches from an image folder, decoded and augmented ahead of the training step.
 *
 * Each image is read, its size taken from the header, and the leading geometric transforms
 * (RandomResizedCrop, Resize, CenterCrop) are turned into one crop -> resize -> crop plan.
 * JPEGs go through the native libjpeg-turbo path where it is built (jpegTurbo.ts: exactly
 * the pixels of torchvision's PIL loader, PIL's bilinear resize included); other formats, and
 * every file where it is not built, through one sharp pipeline (extract -> resize -> extract,
 * bilinear "linear" kernel, not PIL's filter: values differ by 1.75 levels on average). Pixels are taken as PIL's
 * `convert("RGB")` gives them: no EXIF rotation, embedded ICC profiles ignored, first GIF
 * frame, alpha dropped, grey expanded to RGB. Both decoders run in libuv's thread pool, so
 * while the model trains on batch b, batches b+1..b+prefetch are being decoded. The remaining transforms (flip,
 * normalize, cutout, ...) run on the float image; flip + normalize, the common tail, is
 * fused into the copy into the batch buffer through a lookup table.
 * Random parameters follow transforms.ts, drawn from new Random(seed, "augment", epoch, exampleId).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { FileFormatError, ValueError, checkPositiveInteger, describeValue } from "../core/errors";
import { Random } from "../core/random";
import { type SourceOptions, sourceLabels, splitBatchSource } from "./batches";
import { applyTransforms, centerCropBox, randomResizedCropBox, resizeShape, transformedSize, type CropBox, type FloatImage, type Transform } from "./transforms";
import { imageSizeFromHeader } from "./imageHeader";
import { sniffImageFormat } from "./imageFolder";
import { UnsupportedJpegError, decodeJpegNative } from "./jpegTurbo";
import type { Batch, BatchSource, ImageFolderImages } from "./types";

/** The callback readFile, promisified: about half the CPU of fs.promises.readFile per small file (Node 20). */
const readFileAsync = promisify(fs.readFile);

export interface FolderSourceOptions extends SourceOptions {
  /** Applied in order; must start with crops/resizes that give a fixed size (e.g. RandomResizedCrop(224)). */
  transforms: readonly Transform[];
  /** Batches decoded ahead of the consumer; default 3. */
  prefetch?: number;
  /** "sharp" sends JPEGs through sharp too, as on a machine without the native path; default "native" (where built). */
  jpegDecoder?: JpegDecoder;
  /** Leave out an image that fails to decode (kept in `undecodable`) instead of failing; default false. */
  skipBadFiles?: boolean;
}

export type JpegDecoder = "native" | "sharp";

/** The crop/resize part of a pipeline for one image (native JPEG path or sharp), and where the float part starts. */
interface CropResizePlan {
  pre?: CropBox;
  resize?: [height: number, width: number];
  post?: CropBox;
  height: number;
  width: number;
  /** Index of the first transform not done by the crop/resize plan. */
  rest: number;
}

/** Draws the parameters of the leading geometric transforms (in pipeline order) and maps them to crop/resize steps. */
function planCropResize(transforms: readonly Transform[], height: number, width: number, rng: Random): CropResizePlan {
  const plan: CropResizePlan = { height, width, rest: transforms.length };
  for (let k = 0; k < transforms.length; k++) {
    const t = transforms[k];
    if (t.kind === "randomResizedCrop" && !plan.pre && !plan.resize) {
      plan.pre = randomResizedCropBox(plan.height, plan.width, rng, t.scale, t.ratio);
      plan.resize = [t.size, t.size];
      [plan.height, plan.width] = plan.resize;
    } else if (t.kind === "resize" && !plan.resize) {
      plan.resize = resizeShape(plan.height, plan.width, t.size);
      [plan.height, plan.width] = plan.resize;
    } else if (t.kind === "centerCrop" && t.size <= plan.height && t.size <= plan.width && !plan.post) {
      const box = centerCropBox(plan.height, plan.width, t.size);
      if (plan.resize) plan.post = box;
      else plan.pre = plan.pre ? { ...box, top: plan.pre.top + box.top, left: plan.pre.left + box.left } : box;
      [plan.height, plan.width] = [t.size, t.size];
    } else {
      plan.rest = k;
      break;
    }
  }
  return plan;
}

/** Decoded 8-bit RGB pixels, [height, width, 3] row-major. */
export interface RawImage {
  pixels: Uint8Array;
  height: number;
  width: number;
}

/**
 * Decodes one image file and applies the leading geometric transforms (native JPEG path or sharp).
 * @returns the RGB pixels and the transforms still to apply (flip, normalize, ...).
 * @throws FileFormatError naming the file if it cannot be read or decoded.
 */
export async function decodeImage(
  file: string,
  transforms: readonly Transform[],
  rng: Random,
  jpegDecoder: JpegDecoder = "native",
): Promise<{ raw: RawImage; rest: readonly Transform[] }> {
  let bytes: Buffer;
  try {
    bytes = await readFileAsync(file);
  } catch (err) {
    throw new FileFormatError(file, `expected a readable image file, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    // ignoreIcc: pixels as stored, like PIL's convert("RGB") (torchvision's loader); also much cheaper.
    let size = imageSizeFromHeader(bytes);
    if (!size) {
      const meta = await sharp(bytes, { ignoreIcc: true }).metadata();
      if (!meta.width || !meta.height) throw new Error("no image size in the header");
      size = [meta.height, meta.width];
    }
    const plan = planCropResize(transforms, size[0], size[1], rng);
    const rest = transforms.slice(plan.rest);
    const pixels = jpegDecoder === "native" && sniffImageFormat(bytes) === "jpeg" ? await decodeJpegOrNull(bytes, plan, size) : null;
    if (pixels) return { raw: { pixels, height: plan.height, width: plan.width }, rest };
    let pipeline = sharp(bytes, { ignoreIcc: true });
    if (plan.pre) pipeline = pipeline.extract({ left: plan.pre.left, top: plan.pre.top, width: plan.pre.width, height: plan.pre.height });
    if (plan.resize) pipeline = pipeline.resize(plan.resize[1], plan.resize[0], { fit: "fill", kernel: "linear" });
    if (plan.post) pipeline = pipeline.extract({ left: plan.post.left, top: plan.post.top, width: plan.post.width, height: plan.post.height });
    // Alpha dropped and grey or CMYK turned into 3-band sRGB (no-ops for the usual RGB JPEG).
    const { data, info } = await pipeline.removeAlpha().toColourspace("srgb").raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== plan.width || info.height !== plan.height) {
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${plan.width}x${plan.height}x3`);
    }
    return { raw: { pixels: data, height: info.height, width: info.width }, rest };
  } catch (err) {
    // libvips reports one problem over several lines: one line, as every error here.
    throw new FileFormatError(file, `expected a decodable image, got ${(err as Error).message.trim().split(/\s*\n\s*/).join("; ")}`);
  }
}

/** The native JPEG path for one image (see jpegTurbo.ts); null where it is not built or the JPEG is CMYK. */
async function decodeJpegOrNull(bytes: Buffer, plan: CropResizePlan, [height, width]: [number, number]): Promise<Uint8Array | null> {
  const pre = plan.pre ?? { top: 0, left: 0, height, width };
  const resize: [number, number] = plan.resize ?? [pre.height, pre.width];
  const post = plan.post ?? { top: 0, left: 0, height: resize[0], width: resize[1] };
  try {
    return await decodeJpegNative(bytes, { pre, resize, post });
  } catch (err) {
    if (err instanceof UnsupportedJpegError) return null;
    throw err;
  }
}

/** Decodes and fully transforms one image: floats [height, width, 3], in [0, 1] unless normalized. */
export async function loadImage(file: string, transforms: readonly Transform[], rng: Random, jpegDecoder: JpegDecoder = "native"): Promise<FloatImage> {
  const { raw, rest } = await decodeImage(file, transforms, rng, jpegDecoder);
  return applyTransforms(rawToFloat(raw), rest, rng);
}

/** 8-bit pixels to floats in [0, 1]. */
function rawToFloat(raw: RawImage): FloatImage {
  const data = new Float32Array(raw.pixels.length);
  for (let i = 0; i < data.length; i++) data[i] = raw.pixels[i] / 255;
  return { data, height: raw.height, width: raw.width, channels: 3 };
}

/**
 * Writes `raw` into `out` at `offset` through a per-channel lookup table
 * (lut[c * 256 + v] = (v / 255 - mean[c]) / std[c]), mirrored left-right if `flip`.
 */
function writeFused(out: Float32Array, offset: number, raw: RawImage, flip: boolean, lut: Float32Array): void {
  const { height, width, pixels } = raw;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const src = (row + (flip ? width - 1 - x : x)) * 3;
      const dst = offset + (row + x) * 3;
      out[dst] = lut[pixels[src]];
      out[dst + 1] = lut[256 + pixels[src + 1]];
      out[dst + 2] = lut[512 + pixels[src + 2]];
    }
  }
}

/** If the float part is [horizontalFlip?, normalize], its flip probability and lookup table. */
function fusedTail(rest: readonly Transform[]): { flipP: number; lut: Float32Array; length: number } | undefined {
  const [a, b] = rest;
  const norm = rest.length === 1 && a.kind === "normalize" ? a : rest.length === 2 && a.kind === "horizontalFlip" && b.kind === "normalize" ? b : undefined;
  if (!norm) return undefined;
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - norm.mean[c]) / norm.std[c];
  return { flipP: a.kind === "horizontalFlip" ? (a.p ?? 0.5) : 0, lut, length: rest.length };
}

/** Builds a BatchSource that decodes an image folder with a bounded prefetch queue. */
export function folderBatchSource(images: ImageFolderImages, options: FolderSourceOptions): BatchSource {
  // libvips' operation cache only helps when the same operation repeats; here every image is new,
  // and hashing each input costs about 1 ms of CPU per image. Turned off for the whole process.
  sharp.cache(false);
  // One libvips worker thread per image: libuv already runs 4 images at once, and on a few cores
  // libvips' own per-image thread pool only adds hand-offs (2 threads instead of 1 cost about
  // 0.5 CPU ms more per image on the hymenoptera JPEGs, 2 cores). sharp already defaults to 1 on
  // glibc Linux without jemalloc, but to the core count elsewhere. Process-wide, like the cache.
  sharp.concurrency(1);
  const labels = sourceLabels("folderBatchSource", images, options);
  const prefetch = checkPositiveInteger("folderBatchSource prefetch", options.prefetch ?? 3);
  const jpegDecoder = options.jpegDecoder ?? "native";
  if (jpegDecoder !== "native" && jpegDecoder !== "sharp") {
    throw new ValueError(`folderBatchSource jpegDecoder: expected "native" or "sharp", got ${describeValue(jpegDecoder)}`);
  }
  // The output size must not depend on the input size: any input gives the same shape.
  const [h1, w1] = transformedSize(1000, 700, options.transforms);
  const [h2, w2] = transformedSize(300, 500, options.transforms);
  if (h1 !== h2 || w1 !== w2) {
    throw new ValueError(`folderBatchSource transforms: expected a pipeline with a fixed output size (a crop last), got ${describeValue(options.transforms.map((t) => t.kind))}`);
  }
  const imageSize = h1 * w1 * 3;
  // The float part is the same for every image when the plan takes all leading geometric steps.
  const geometricSteps = options.transforms.findIndex((t) => !["randomResizedCrop", "resize", "centerCrop"].includes(t.kind));
  const fused = fusedTail(options.transforms.slice(geometricSteps < 0 ? options.transforms.length : geometricSteps));

  // Released batch buffers (see Batch.release), reused before allocating new ones.
  const freeBuffers: Float32Array[] = [];
  const takeBuffer = (length: number): Float32Array => {
    const k = freeBuffers.findIndex((b) => b.length === length);
    return k >= 0 ? freeBuffers.splice(k, 1)[0] : new Float32Array(length);
  };

  // With skipBadFiles: exampleId -> why its image did not decode (found at its first decode).
  const undecodable = new Map<number, string>();

  async function makeBatch(batchIds: Int32Array, epoch: number, index: number): Promise<Batch> {
    const ids = undecodable.size > 0 ? batchIds.filter((id) => !undecodable.has(id)) : batchIds;
    const out = takeBuffer(ids.length * imageSize);
    const decoded = await Promise.all(
      Array.from(ids, async (id, i) => {
        const rng = new Random(options.seed, "augment", epoch, id);
        const file = path.join(images.root, images.files[id]);
        let image: Awaited<ReturnType<typeof decodeImage>>;
        try {
          image = await decodeImage(file, options.transforms, rng, jpegDecoder);
        } catch (err) {
          if (!options.skipBadFiles || !(err instanceof FileFormatError)) throw err;
          undecodable.set(id, err.message);
          return false;
        }
        const { raw, rest } = image;
        // the plan may leave a step for the float path (a center crop larger than the image).
        if (fused && rest.length === fused.length) writeFused(out, i * imageSize, raw, fused.flipP > 0 && rng.next() < fused.flipP, fused.lut);
        else out.set(applyTransforms(rawToFloat(raw), rest, rng).data, i * imageSize);
        return true;
      }),
    );
    const kept = ids.filter((_, i) => decoded[i]);
    // Images that failed leave gaps: move the decoded ones down, in order.
    for (let k = 0, i = 0; i < ids.length; i++) if (decoded[i]) out.copyWithin(k++ * imageSize, i * imageSize, (i + 1) * imageSize);
    let released = false;
    const release = () => {
      // Kept small: a few batches in flight plus the one in use.
      if (!released && freeBuffers.length < prefetch + 1) freeBuffers.push(out);
      released = true;
    };
    const batchImages = kept.length === ids.length ? out : out.subarray(0, kept.length * imageSize);
    return { images: batchImages, shape: [kept.length, h1, w1, 3], labels: Int32Array.from(kept, (id) => labels[id]), exampleIds: Int32Array.from(kept), index, release };
  }

  async function* batchesOf(order: Int32Array, epoch: number, batchSize: number, firstIndex: number): AsyncGenerator<Batch> {
    const queue: Promise<Batch>[] = [];
    let next = 0;
    const fill = () => {
      while (queue.length < prefetch && next < order.length) {
        const pending = makeBatch(order.subarray(next, Math.min(next + batchSize, order.length)), epoch, firstIndex + next / batchSize);
        // Awaited in turn below; this only keeps an early failure from being reported as unhandled.
        pending.catch(() => undefined);
        queue.push(pending);
        next += batchSize;
      }
    };
    fill();
    while (queue.length > 0) {
      const batch = await queue.shift()!;
      fill();
      // Every image of it failed to decode (skipBadFiles).
      if (batch.exampleIds.length === 0) continue;
      yield batch;
    }
  }

  const source = splitBatchSource(images, options, { inputShape: [h1, w1, 3], labels, exampleNames: images.files, batchesOf });
  return options.skipBadFiles ? { ...source, undecodable } : source;
}
