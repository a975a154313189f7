/**
 * ImageNet-style image folders: `<root>/<class folder>/**` with one folder per class. Files are
 * recognised as images by their first bytes (JPEG, PNG, GIF, WebP, TIFF, HEIF/AVIF), never by
 * their extension; names starting with "." are ignored. Order is fixed: classes (see
 * `readImageFolder`), then relative paths sorted by code unit. exampleId i is file i.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import sharp from "sharp";
import { FileFormatError, ValueError, describeValue } from "../core/errors";
import { sha256Hex } from "../core/checksum";
import type { ImageFolderImages } from "./types";

/** ImageNet's class-index form: {"0": ["n01440764", "tench"], ...} (class id -> [folder, name]). */
type ClassIndex = Record<string, [folder: string, name: string]>;

export interface ImageFolderOptions {
  /** Dataset name recorded in the split; default "folder". */
  name?: string;
  /** Default "train". */
  split?: "train" | "test";
  /** Path of a class-index JSON file, or its parsed content: fixes class ids, folders and names. */
  classIndex?: string | ClassIndex;
  /**
   * The class folders in id order, e.g. the training split's, so that a validation split uses the
   * same ids; a folder not in the list is an error, a class without a folder has no examples.
   */
  classFolders?: string[];
  /** Skip non-image or unreadable files (listed in `skipped`) instead of throwing. Default false. */
  skipBadFiles?: boolean;
}

/** A file left out with `skipBadFiles`, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** The image format named by a file's first bytes, or undefined if it is not an image sharp decodes. */
export function sniffImageFormat(head: Uint8Array): string | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "jpeg";
  if (head[0] === 0x89 && ascii(1, 4) === "PNG") return "png";
  if (ascii(0, 4) === "GIF8") return "gif";
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "webp";
  if ((head[0] === 0x49 && head[1] === 0x49 && head[2] === 42 && head[3] === 0) || (head[0] === 0x4d && head[1] === 0x4d && head[2] === 0 && head[3] === 42)) return "tiff";
  if (ascii(4, 8) === "ftyp" && ["avif", "avis", "heic", "heix", "mif1", "msf1"].includes(ascii(8, 12))) return "heif";
  return undefined;
}

/** Parses and checks a class-index object: ids "0".."n-1", each [folder, name]. */
function parseClassIndex(source: string, value: unknown): { folders: string[]; names: string[] } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FileFormatError(source, `expected a class-index object {"0": ["n01440764", "tench"], ...}, got ${describeValue(value)}`);
  }
  const entries = value as Record<string, unknown>;
  const n = Object.keys(entries).length;
  const folders: string[] = [];
  const names: string[] = [];
  for (let id = 0; id < n; id++) {
    const entry = entries[String(id)];
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== "string" || typeof entry[1] !== "string") {
      throw new FileFormatError(source, `class "${id}": expected ["<folder>", "<name>"] for every id 0..${n - 1}, got ${describeValue(entry)}`);
    }
    folders.push(entry[0]);
    names.push(entry[1]);
  }
  return { folders, names };
}

/** Sorts folder names: numerically if all are non-negative integers, else by code unit. */
function sortClassFolders(folders: string[]): string[] {
  const numeric = folders.every((f) => /^\d+$/.test(f));
  return [...folders].sort((a, b) => (numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
}

/** All non-hidden files under `dir`, as paths relative to `base`, sorted by code unit. */
function listFiles(base: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(base, full));
    }
  };
  walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Bytes at a JPEG's end searched for its end-of-image marker FF D9: a little trailing padding
 * after it is common and decodes; a truncated file has none (entropy-coded data never holds
 * FF D9), and libjpeg, like PIL, refuses it half-way through training otherwise.
 */
const JPEG_TAIL_BYTES = 1024;

/** True if the tail of a JPEG holds the end-of-image marker FF D9. */
function hasJpegEnd(tail: Uint8Array): boolean {
  for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
  return false;
}

/** True if sharp decodes the whole image without a warning (a truncated JPEG warns). */
function decodesFully(file: string): Promise<boolean> {
  return sharp(file, { failOn: "warning" }).raw().toBuffer().then(
    () => true,
    () => false,
  );
}

/** Reads the first 32 bytes, the size (and a JPEG's tail) of a file; a reason string if it is not a usable image. */
async function checkImageFile(file: string): Promise<{ size: number } | { reason: string }> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, "r");
    const { size } = await handle.stat();
    const head = new Uint8Array(32);
    await handle.read(head, 0, 32, 0);
    if (!sniffImageFormat(head)) {
      const hex = Buffer.from(head.subarray(0, 8)).toString("hex");
      return { reason: `expected an image (JPEG, PNG, GIF, WebP, TIFF or HEIF content), got ${size} bytes starting ${hex}` };
    }
    if (sniffImageFormat(head) === "jpeg") {
      const tail = new Uint8Array(Math.min(JPEG_TAIL_BYTES, size));
      await handle.read(tail, 0, tail.length, size - tail.length);
      // Data appended after the image (some cameras append a video) also hides the marker; a
      // full decode, needed only for these rare files, tells that from truncation.
      if (!hasJpegEnd(tail) && !(await decodesFully(file))) {
        return { reason: `expected a complete JPEG ending in the end-of-image marker FF D9, got ${size} bytes without it (truncated)` };
      }
    }
    return { size };
  } catch (err) {
    return { reason: `expected a readable file, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  } finally {
    await handle?.close();
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Indexes a class-folder split. Class ids: from `classIndex` (JSON order) or `classFolders` if
 * given, else the folders sorted (numerically if all names are numbers).
 * @returns the split and the files skipped (empty unless `skipBadFiles`).
 * @throws FileFormatError naming the folder or file: missing root, empty class folder, a folder
 *   the class index lacks, a non-image or unreadable file (unless skipped).
 */
export async function readImageFolder(root: string, options: ImageFolderOptions = {}): Promise<{ images: ImageFolderImages; skipped: SkippedFile[] }> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch (err) {
    throw new FileFormatError(root, `expected a folder with one subfolder per class, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const found = entries.filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name);
  if (found.length === 0) throw new FileFormatError(root, "expected one subfolder per class, got no subfolders");
  let classFolders: string[];
  let classNames: string[];
  if (options.classIndex !== undefined && options.classFolders !== undefined) {
    throw new ValueError("readImageFolder: expected at most one of classIndex and classFolders, got both");
  }
  if (options.classIndex !== undefined) {
    const source = typeof options.classIndex === "string" ? options.classIndex : "classIndex";
    let parsed: unknown = options.classIndex;
    if (typeof options.classIndex === "string") {
      try {
        parsed = JSON.parse(fs.readFileSync(options.classIndex, "utf8"));
      } catch (err) {
        throw new FileFormatError(options.classIndex, `expected a readable class-index JSON file, got ${(err as Error).message}`);
      }
    }
    ({ folders: classFolders, names: classNames } = parseClassIndex(source, parsed));
    const missing = found.filter((f) => !classFolders.includes(f));
    if (missing.length > 0) {
      throw new FileFormatError(source, `expected an entry for every class folder of ${root}, got none for ${describeValue(sortClassFolders(missing))}`);
    }
  } else if (options.classFolders !== undefined) {
    classFolders = options.classFolders;
    classNames = classFolders;
    const extra = found.filter((f) => !classFolders.includes(f));
    if (extra.length > 0) throw new FileFormatError(root, `expected only the class folders ${describeValue(classFolders)}, got also ${describeValue(sortClassFolders(extra))}`);
  } else {
    classFolders = sortClassFolders(found);
    classNames = classFolders;
  }

  const files: string[] = [];
  const labels: number[] = [];
  classFolders.forEach((folder, classId) => {
    if (!found.includes(folder)) return;
    const inFolder = listFiles(root, path.join(root, folder));
    if (inFolder.length === 0) throw new FileFormatError(path.join(root, folder), "expected at least one image in the class folder, got none");
    for (const file of inFolder) {
      files.push(file);
      labels.push(classId);
    }
  });

  const checks = await mapLimited(files, 32, (file) => checkImageFile(path.join(root, file)));
  const skipped: SkippedFile[] = [];
  const kept: number[] = [];
  checks.forEach((check, i) => {
    if ("reason" in check) {
      if (!options.skipBadFiles) throw new FileFormatError(path.join(root, files[i]), `${check.reason} (skipBadFiles: true skips such files)`);
      skipped.push({ file: files[i], reason: check.reason });
    } else kept.push(i);
  });
  // A class whose files were all skipped would silently vanish from training: refuse.
  for (const skippedClass of new Set(skipped.map((s) => labels[files.indexOf(s.file)]))) {
    if (!kept.some((i) => labels[i] === skippedClass)) {
      throw new FileFormatError(path.join(root, classFolders[skippedClass]), "expected at least one image in the class folder, got none after skipping bad files");
    }
  }
  const keptFiles = kept.map((i) => files[i]);
  const keptLabels = Int32Array.from(kept.map((i) => labels[i]));
  const sizes = kept.map((i) => (checks[i] as { size: number }).size);
  const listing = keptFiles.map((file, k) => `${file}\t${sizes[k]}\t${keptLabels[k]}`).join("\n");
  return {
    images: {
      kind: "image-folder",
      name: options.name ?? "folder",
      split: options.split ?? "train",
      root,
      files: keptFiles,
      labels: keptLabels,
      classNames,
      classFolders,
      checksum: sha256Hex(listing),
    },
    skipped,
  };
}
