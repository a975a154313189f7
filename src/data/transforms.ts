/**
 * Seeded image transforms with torchvision's semantics (torchvision 0.14 `transforms`):
 * the random parameters are drawn in the same order and by the same rules, so a pipeline
 * reads the same as its PyTorch counterpart. Every random draw comes from the `Random`
 * passed in; the batch sources derive one per example from (seed, "augment", epoch, exampleId),
 * so the pixels of an example in an epoch do not depend on batch order or prefetching.
 *
 * Images are float, [height, width, channels] row-major, values in [0, 1] before `normalize`.
 * Interpolation is bilinear with half-pixel centers (PyTorch `align_corners=False`) and no
 * antialiasing; the image-folder pipeline does its crop and resize in sharp instead (see
 * imageFolder.ts), with the same crop parameters.
 */
import { ValueError, describeValue } from "../core/errors";
import type { Random } from "../core/random";

/** One float image, [height, width, channels] row-major. */
export interface FloatImage {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** A crop box in pixels: rows [top, top + height), columns [left, left + width). */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** One step of a pipeline. Sizes are in pixels; `p` is a probability. */
export type Transform =
  | { kind: "randomResizedCrop"; size: number; scale?: [number, number]; ratio?: [number, number] }
  | { kind: "resize"; size: number }
  | { kind: "centerCrop"; size: number }
  | { kind: "randomCrop"; size: number; padding: number }
  | { kind: "horizontalFlip"; p?: number }
  | { kind: "cutout"; size: number }
  | { kind: "normalize"; mean: number[]; std: number[] };

const VALID_TRANSFORM_KINDS = ["randomResizedCrop", "resize", "centerCrop", "randomCrop", "horizontalFlip", "cutout", "normalize"] as const;

/** torchvision's RandomResizedCrop defaults. */
const RRC_SCALE: [number, number] = [0.08, 1];
const RRC_RATIO: [number, number] = [3 / 4, 4 / 3];

/** Python 3's round(): halves go to the even neighbour (torchvision computes sizes with it). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * RandomResizedCrop.get_params: up to 10 tries of (area fraction ~ U(scale), log aspect ratio
 * ~ U(log ratio)); the first box that fits wins, its corner uniform over valid positions.
 * After 10 misses, the fallback is a center crop of the whole image clamped to `ratio`.
 */
export function randomResizedCropBox(height: number, width: number, rng: Random, scale: [number, number] = RRC_SCALE, ratio: [number, number] = RRC_RATIO): CropBox {
  const area = height * width;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspectRatio = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
    const w = roundHalfEven(Math.sqrt(targetArea * aspectRatio));
    const h = roundHalfEven(Math.sqrt(targetArea / aspectRatio));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(...ratio)) h = roundHalfEven(w / Math.min(...ratio));
  else if (inRatio > Math.max(...ratio)) w = roundHalfEven(h * Math.max(...ratio));
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/** Resize(size) with an int size: the shorter side becomes `size`, the longer int(size * long / short). */
export function resizeShape(height: number, width: number, size: number): [height: number, width: number] {
  if (Math.min(height, width) === size) return [height, width];
  if (width <= height) return [Math.floor((size * height) / width), size];
  return [size, Math.floor((size * width) / height)];
}

/** CenterCrop's box; a negative top/left means the crop is padded with zeros (image smaller than crop). */
export function centerCropBox(height: number, width: number, size: number): CropBox {
  return { top: roundHalfEven((height - size) / 2), left: roundHalfEven((width - size) / 2), height: size, width: size };
}

/** Copies `box` out of `image`; parts of the box outside the image are 0. */
function crop(image: FloatImage, box: CropBox): FloatImage {
  const { channels } = image;
  const out = new Float32Array(box.height * box.width * channels);
  for (let y = 0; y < box.height; y++) {
    const sy = y + box.top;
    if (sy < 0 || sy >= image.height) continue;
    for (let x = 0; x < box.width; x++) {
      const sx = x + box.left;
      if (sx < 0 || sx >= image.width) continue;
      const src = (sy * image.width + sx) * channels;
      const dst = (y * box.width + x) * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = image.data[src + c];
    }
  }
  return { data: out, height: box.height, width: box.width, channels };
}

/** Bilinear resize to [height, width], half-pixel centers (align_corners=False), edges clamped. */
export function resizeBilinear(image: FloatImage, height: number, width: number): FloatImage {
  if (height === image.height && width === image.width) return image;
  const { channels } = image;
  const out = new Float32Array(height * width * channels);
  const scaleY = image.height / height;
  const scaleX = image.width / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.max((y + 0.5) * scaleY - 0.5, 0);
    const y0 = Math.min(Math.floor(fy), image.height - 1);
    const y1 = Math.min(y0 + 1, image.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.max((x + 0.5) * scaleX - 0.5, 0);
      const x0 = Math.min(Math.floor(fx), image.width - 1);
      const x1 = Math.min(x0 + 1, image.width - 1);
      const wx = fx - x0;
      for (let c = 0; c < channels; c++) {
        const v00 = image.data[(y0 * image.width + x0) * channels + c];
        const v01 = image.data[(y0 * image.width + x1) * channels + c];
        const v10 = image.data[(y1 * image.width + x0) * channels + c];
        const v11 = image.data[(y1 * image.width + x1) * channels + c];
        const top = v00 + (v01 - v00) * wx;
        const bottom = v10 + (v11 - v10) * wx;
        out[(y * width + x) * channels + c] = top + (bottom - top) * wy;
      }
    }
  }
  return { data: out, height, width, channels };
}

/** Mirrors the image left-right. */
function flipHorizontal(image: FloatImage): FloatImage {
  const { height, width, channels } = image;
  const out = new Float32Array(image.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * channels;
      const dst = (y * width + (width - 1 - x)) * channels;
      for (let c = 0; c < channels; c++) out[dst + c] = image.data[src + c];
    }
  }
  return { data: out, height, width, channels };
}

/**
 * Cutout (DeVries & Taylor 2017, arXiv 1708.04552, their reference code): one hole centre
 * (y, x) uniform over the image; rows [y - size/2, y + size/2) and the same columns, clipped
 * to the image, are set to 0. Applied after normalize, as in that code, so 0 is the mean.
 */
function cutoutBox(height: number, width: number, size: number, rng: Random): CropBox {
  const y = rng.int(height);
  const x = rng.int(width);
  const half = Math.floor(size / 2);
  const y1 = Math.min(Math.max(y - half, 0), height);
  const y2 = Math.min(Math.max(y + half, 0), height);
  const x1 = Math.min(Math.max(x - half, 0), width);
  const x2 = Math.min(Math.max(x + half, 0), width);
  return { top: y1, left: x1, height: y2 - y1, width: x2 - x1 };
}

function zeroBox(image: FloatImage, box: CropBox): FloatImage {
  const out = new Float32Array(image.data);
  for (let y = box.top; y < box.top + box.height; y++) {
    out.fill(0, (y * image.width + box.left) * image.channels, (y * image.width + box.left + box.width) * image.channels);
  }
  return { ...image, data: out };
}

/** (x - mean[c]) / std[c] for each channel c, in place. */
function normalizeInPlace(data: Float32Array, channels: number, mean: readonly number[], std: readonly number[]): void {
  for (let i = 0; i < data.length; i += channels) {
    for (let c = 0; c < channels; c++) data[i + c] = (data[i + c] - mean[c]) / std[c];
  }
}

/** Applies one transform; random draws (if any) come from `rng`. */
export function applyTransform(image: FloatImage, t: Transform, rng: Random): FloatImage {
  switch (t.kind) {
    case "randomResizedCrop": {
      const box = randomResizedCropBox(image.height, image.width, rng, t.scale, t.ratio);
      return resizeBilinear(crop(image, box), t.size, t.size);
    }
    case "resize": {
      const [h, w] = resizeShape(image.height, image.width, t.size);
      return resizeBilinear(image, h, w);
    }
    case "centerCrop":
      return crop(image, centerCropBox(image.height, image.width, t.size));
    case "randomCrop": {
      // Pad with zeros on every side, then a uniform corner (no draw when the sizes are equal).
      const paddedH = image.height + 2 * t.padding;
      const paddedW = image.width + 2 * t.padding;
      const top = paddedH === t.size ? 0 : rng.int(paddedH - t.size + 1);
      const left = paddedW === t.size ? 0 : rng.int(paddedW - t.size + 1);
      return crop(image, { top: top - t.padding, left: left - t.padding, height: t.size, width: t.size });
    }
    case "horizontalFlip":
      return rng.next() < (t.p ?? 0.5) ? flipHorizontal(image) : image;
    case "cutout":
      return zeroBox(image, cutoutBox(image.height, image.width, t.size, rng));
    case "normalize": {
      const out = new Float32Array(image.data);
      normalizeInPlace(out, image.channels, t.mean, t.std);
      return { ...image, data: out };
    }
    default:
      throw new ValueError(`applyTransform: expected a transform kind in ${VALID_TRANSFORM_KINDS.join(", ")}, got ${describeValue((t as { kind: unknown }).kind)}`);
  }
}

/** Applies the transforms in order. */
export function applyTransforms(image: FloatImage, transforms: readonly Transform[], rng: Random): FloatImage {
  return transforms.reduce((img, t) => applyTransform(img, t, rng), image);
}

/** [height, width] of an image after the transforms, from the input size alone. */
export function transformedSize(height: number, width: number, transforms: readonly Transform[]): [number, number] {
  let h = height;
  let w = width;
  for (const t of transforms) {
    if (t.kind === "randomResizedCrop" || t.kind === "centerCrop" || t.kind === "randomCrop") [h, w] = [t.size, t.size];
    else if (t.kind === "resize") [h, w] = resizeShape(h, w, t.size);
  }
  return [h, w];
}
