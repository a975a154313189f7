/**
 * The project's native JPEG path (native/jpeg_turbo.c): libjpeg-turbo decode + crop + PIL's
 * bilinear resize, byte for byte the pixels torchvision's PIL loader gives, at about half the
 * CPU of sharp on small JPEGs. It is built by `npm run build` (node-gyp, needs a C compiler and
 * Debian's libjpeg62-turbo-dev); where it is not built, image folders decode with sharp alone.
 */
import * as path from "node:path";
import sharp from "sharp";
import type { CropBox } from "./transforms";

interface JpegTurboAddon {
  decode(bytes: Buffer, pre: number[], resize: number[], post: number[], callback: (error: Error | null, pixels: Uint8Array | null) => void): void;
  libjpegTurboVersion: number;
}

/** Where node-gyp puts the addon (native/build), from src/data or dist/data. */
const ADDON_PATH = path.resolve(__dirname, "../../native/build/Release/jpeg_turbo.node");

let addon: JpegTurboAddon | null | undefined;
let loadError = "";

function loadAddon(): JpegTurboAddon | null {
  if (addon === undefined) {
    try {
      addon = require(ADDON_PATH) as JpegTurboAddon;
    } catch (err) {
      addon = null;
      loadError = (err as Error).message.split("\n")[0];
    }
  }
  return addon;
}

/** The geometric steps of one image: crop `pre` of the decoded image, resize it, crop `post` of that. */
export interface JpegPlan {
  pre: CropBox;
  resize: [height: number, width: number];
  post: CropBox;
}

/** Thrown for JPEGs the native path does not take (CMYK): the caller decodes them with sharp. */
export class UnsupportedJpegError extends Error {}

/**
 * Decodes a JPEG through the native addon: RGB pixels [post.height, post.width, 3].
 * @returns null where the addon is not built.
 * @throws UnsupportedJpegError for CMYK JPEGs; Error with libjpeg-turbo's message for a corrupt or truncated file.
 */
export function decodeJpegNative(bytes: Buffer, plan: JpegPlan): Promise<Uint8Array> | null {
  const native = loadAddon();
  if (!native) return null;
  const box = (b: CropBox) => [b.top, b.left, b.height, b.width];
  return new Promise((resolve, reject) => {
    native.decode(bytes, box(plan.pre), plan.resize, box(plan.post), (error, pixels) => {
      if (error) reject(error.message.startsWith("unsupported:") ? new UnsupportedJpegError(error.message) : error);
      else resolve(pixels!);
    });
  });
}

/** True where native/jpeg_turbo is built and loads, so JPEGs take the native path. */
export function nativeJpegBuilt(): boolean {
  return loadAddon() !== null;
}

/** Which decoder JPEGs of image folders go through here, for run manifests and the doctor. */
export function jpegDecoderDescription(): string {
  const native = loadAddon();
  if (native) {
    const v = native.libjpegTurboVersion;
    return `libjpeg-turbo ${Math.floor(v / 1e6)}.${Math.floor(v / 1e3) % 1000}.${v % 1000} (native/jpeg_turbo, PIL-exact bilinear resize)`;
  }
  return `sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips} (native/jpeg_turbo not built: ${loadError})`;
}
