/**
 * IDX files (the MNIST format, also Fashion-MNIST): a 4-byte magic (0, 0, type code, number of
 * dimensions), one big-endian uint32 per dimension, then the values. Only unsigned bytes (type
 * code 0x08) are image data here. Gzipped files are recognised by their content (1f 8b), not
 * by the name.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { FileFormatError } from "../core/errors";
import { splitChecksum } from "../core/checksum";
import type { InMemoryImages } from "./types";

const IDX_UBYTE = 0x08;

/** One parsed IDX array of unsigned bytes. */
export interface IdxArray {
  /** Dimensions, e.g. [60000, 28, 28] for MNIST training images. */
  dims: number[];
  /** Values in row-major order, product(dims) bytes. */
  data: Uint8Array;
}

/** Reads a file, gunzipping it if its first two bytes are the gzip magic. */
function readMaybeGzip(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (err) {
    throw new FileFormatError(file, `expected a readable file, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return zlib.gunzipSync(raw);
    } catch (err) {
      throw new FileFormatError(file, `expected a complete gzip stream, got ${(err as Error).message} (truncated or corrupted download?)`);
    }
  }
  return raw;
}

/** Parses IDX bytes; `file` names the source in errors. */
export function parseIdx(file: string, bytes: Uint8Array): IdxArray {
  if (bytes.length < 4) throw new FileFormatError(file, `expected an IDX header of at least 4 bytes, got ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const rank = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== IDX_UBYTE || rank < 1) {
    const hex = `0x${magic.toString(16).padStart(8, "0")}`;
    throw new FileFormatError(file, `expected IDX magic 0x000008NN (unsigned bytes, NN dimensions; 2049 labels, 2051 images), got ${hex} (${magic})`);
  }
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) throw new FileFormatError(file, `expected a ${headerSize}-byte header for ${rank} dimensions, got ${bytes.length} bytes (truncated)`);
  const dims = Array.from({ length: rank }, (_, k) => view.getUint32(4 + 4 * k));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerSize + size) {
    const what = bytes.length < headerSize + size ? "truncated" : "trailing bytes";
    throw new FileFormatError(file, `expected ${headerSize + size} bytes for dimensions [${dims.join(", ")}], got ${bytes.length} (${what})`);
  }
  return { dims, data: bytes.subarray(headerSize) };
}

/** Reads one IDX file, gzipped or not. */
function readIdxFile(file: string): IdxArray {
  return parseIdx(file, readMaybeGzip(file));
}

export interface IdxPairOptions {
  name: string;
  split: "train" | "test";
  classNames: string[];
}

/**
 * Reads an images file ([n, height, width] or [n, height, width, channels]) and a labels file
 * ([n]) into one split. exampleId i is record i of the files.
 * @throws FileFormatError naming the file: bad magic, truncation, no images, count mismatch, label out of range.
 */
export function readIdxImages(imagesFile: string, labelsFile: string, options: IdxPairOptions): InMemoryImages {
  const images = readIdxFile(imagesFile);
  const labels = readIdxFile(labelsFile);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new FileFormatError(imagesFile, `expected images of 3 dimensions [n, height, width] (or 4 with channels), got [${images.dims.join(", ")}]`);
  }
  if (labels.dims.length !== 1) throw new FileFormatError(labelsFile, `expected labels of 1 dimension [n], got [${labels.dims.join(", ")}]`);
  const n = images.dims[0];
  // An empty split would train and evaluate on nothing and still "complete".
  if (n === 0) throw new FileFormatError(imagesFile, `expected at least one image, got 0 (dimensions [${images.dims.join(", ")}])`);
  if (labels.dims[0] !== n) {
    throw new FileFormatError(labelsFile, `expected ${n} labels to match ${path.basename(imagesFile)}'s ${n} images, got ${labels.dims[0]} labels`);
  }
  const nClasses = options.classNames.length;
  const labelArray = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (labels.data[i] >= nClasses) {
      throw new FileFormatError(labelsFile, `record ${i}: expected a label in [0, ${nClasses - 1}], got ${labels.data[i]}`);
    }
    labelArray[i] = labels.data[i];
  }
  const shape: [number, number, number] = [images.dims[1], images.dims[2], images.dims[3] ?? 1];
  const pixels = Uint8Array.from(images.data);
  return {
    kind: "in-memory",
    name: options.name,
    split: options.split,
    pixels,
    pixelMax: 255,
    shape,
    labels: labelArray,
    classNames: options.classNames,
    checksum: splitChecksum(shape, pixels, labelArray),
  };
}

const MNIST_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

/** The official file names of MNIST and Fashion-MNIST (both use the same four). */
const IDX_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** The file in `dir` named `base`, gzipped (`base.gz`) or not; the .gz path if neither exists. */
function findIdx(dir: string, base: string): string {
  const plain = path.join(dir, base);
  return fs.existsSync(plain) ? plain : path.join(dir, `${base}.gz`);
}

/**
 * Reads MNIST or Fashion-MNIST from `dir` (the four official files, .gz or not).
 * @returns train [60000, 28, 28, 1] and test [10000, 28, 28, 1], pixels 0..255.
 */
export function readMnistFolder(dir: string, name: "mnist" | "fashion-mnist"): { train: InMemoryImages; test: InMemoryImages } {
  const classNames = name === "mnist" ? MNIST_CLASSES : FASHION_MNIST_CLASSES;
  return {
    train: readIdxImages(findIdx(dir, IDX_FILES.trainImages), findIdx(dir, IDX_FILES.trainLabels), { name, split: "train", classNames }),
    test: readIdxImages(findIdx(dir, IDX_FILES.testImages), findIdx(dir, IDX_FILES.testLabels), { name, split: "test", classNames }),
  };
}
