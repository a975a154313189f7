/**
 * CIFAR-10 and CIFAR-100 in the official binary format. A CIFAR-10 record is 3,073 bytes:
 * 1 label byte, then 1,024 red, 1,024 green and 1,024 blue bytes (32x32 row-major). A
 * CIFAR-100 record is 3,074 bytes: coarse label, fine label, then the same 3,072 pixel bytes;
 * the fine label (100 classes) is the one used.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FileFormatError } from "../core/errors";
import { splitChecksum } from "../core/checksum";
import type { InMemoryImages } from "./types";

const SIDE = 32;
const PLANE = SIDE * SIDE;

export type CifarVariant = "cifar10" | "cifar100";

/** Bytes per record and label layout of each variant. */
const CIFAR_FORMATS = {
  cifar10: { recordSize: 3073, labelOffset: 0, nClasses: 10 },
  cifar100: { recordSize: 3074, labelOffset: 1, nClasses: 100 },
} as const;

const CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

/** The folder inside data/<name>/ that the official binary tarball unpacks to, and its files. */
const CIFAR_LAYOUT = {
  cifar10: {
    folder: "cifar-10-batches-bin",
    train: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
    test: ["test_batch.bin"],
    classNamesFile: "batches.meta.txt",
  },
  cifar100: { folder: "cifar-100-binary", train: ["train.bin"], test: ["test.bin"], classNamesFile: "fine_label_names.txt" },
} as const;

export interface CifarReadOptions {
  variant: CifarVariant;
  split: "train" | "test";
  /** Default: CIFAR-10's names, or "0".."99" for CIFAR-100. */
  classNames?: string[];
}

/**
 * Reads CIFAR binary files, concatenated in the given order: exampleId i is the i-th record
 * overall. Pixels are converted from planar (RGB planes) to [32, 32, 3] row-major.
 * @throws FileFormatError naming the file: unreadable, size not a multiple of the record size, label out of range.
 */
export function readCifarFiles(files: readonly string[], options: CifarReadOptions): InMemoryImages {
  const format = CIFAR_FORMATS[options.variant];
  const classNames = options.classNames ?? (options.variant === "cifar10" ? CIFAR10_CLASSES : Array.from({ length: 100 }, (_, c) => String(c)));
  const buffers = files.map((file) => {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(file);
    } catch (err) {
      throw new FileFormatError(file, `expected a readable CIFAR binary file, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (bytes.length === 0 || bytes.length % format.recordSize !== 0) {
      throw new FileFormatError(
        file,
        `expected a size that is a multiple of the ${format.recordSize}-byte ${options.variant} record, got ${bytes.length} bytes (${(bytes.length / format.recordSize).toFixed(3)} records)`,
      );
    }
    return bytes;
  });
  const n = buffers.reduce((sum, b) => sum + b.length / format.recordSize, 0);
  const pixels = new Uint8Array(n * PLANE * 3);
  const labels = new Int32Array(n);
  let id = 0;
  buffers.forEach((bytes, f) => {
    for (let offset = 0; offset < bytes.length; offset += format.recordSize, id++) {
      const label = bytes[offset + format.labelOffset];
      if (label >= classNames.length) {
        throw new FileFormatError(files[f], `record ${offset / format.recordSize}: expected a label in [0, ${classNames.length - 1}], got ${label}`);
      }
      labels[id] = label;
      const src = offset + format.labelOffset + 1;
      const dst = id * PLANE * 3;
      for (let k = 0; k < PLANE; k++) {
        pixels[dst + 3 * k] = bytes[src + k];
        pixels[dst + 3 * k + 1] = bytes[src + PLANE + k];
        pixels[dst + 3 * k + 2] = bytes[src + 2 * PLANE + k];
      }
    }
  });
  const shape: [number, number, number] = [SIDE, SIDE, 3];
  return {
    kind: "in-memory",
    name: options.variant,
    split: options.split,
    pixels,
    pixelMax: 255,
    shape,
    labels,
    classNames,
    checksum: splitChecksum(shape, pixels, labels),
  };
}

/** Class names from a one-name-per-line file (blank lines dropped), or undefined if absent. */
function readClassNames(file: string): string[] | undefined {
  if (!fs.existsSync(file)) return undefined;
  return fs.readFileSync(file, "utf8").split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
}

/**
 * Reads CIFAR-10 or CIFAR-100 from `dir` = data/<name>/ holding the unpacked official binary
 * tarball (cifar-10-batches-bin/ or cifar-100-binary/).
 */
export function readCifarFolder(dir: string, variant: CifarVariant): { train: InMemoryImages; test: InMemoryImages } {
  const layout = CIFAR_LAYOUT[variant];
  const root = path.join(dir, layout.folder);
  const classNames = readClassNames(path.join(root, layout.classNamesFile));
  if (classNames && classNames.length !== CIFAR_FORMATS[variant].nClasses) {
    throw new FileFormatError(path.join(root, layout.classNamesFile), `expected ${CIFAR_FORMATS[variant].nClasses} class names, got ${classNames.length}`);
  }
  return {
    train: readCifarFiles(layout.train.map((f) => path.join(root, f)), { variant, split: "train", classNames }),
    test: readCifarFiles(layout.test.map((f) => path.join(root, f)), { variant, split: "test", classNames }),
  };
}
