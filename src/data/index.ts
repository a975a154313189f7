/**
 * One entry point for training: `openDataset(options)` reads a dataset, applies the recorded
 * variants (label noise, permuted pixels, subset) and returns training and test batch sources.
 * Training batches are shuffled and augmented per epoch; test batches never are.
 * `readImageSplits(ref)` gives the same splits unprocessed, for notebooks; both read through
 * one dispatch from dataset name to reader.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FileFormatError, ValueError, checkOneOf, describeValue } from "../core/errors";
import { channelStats, inMemoryBatchSource } from "./batches";
import { sha256Hex } from "../core/checksum";
import { readCifarFolder } from "./cifar";
import { defaultDataRoot, readDigits } from "./digits";
import { folderBatchSource } from "./folderBatches";
import { readImageFolder, type SkippedFile } from "./imageFolder";
import { readMnistFolder } from "./idx";
import type { Transform } from "./transforms";
import type { BatchSource, ImageSplit, InMemoryImages } from "./types";
import { addLabelNoise, pixelPermutation, subsetWithout } from "./variants";
import { type AugmentationName, type DatasetName, type DatasetRef, DEFAULT_PERMUTATION_SEED, VALID_DATASETS } from "../config/train";

/** ImageNet per-channel statistics (RGB, [0, 1] scale): the normalization of image folders. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

/**
 * What a resolved TrainConfig says about its data (train() passes its fields), so the values
 * are not checked again here; openDataset checks only what depends on the files.
 */
export interface DatasetOptions {
  dataset: DatasetName;
  /** Folder holding <dataset>/ subfolders; default $FORGETTING_DATA_ROOT, else <project>/data. */
  dataRoot?: string;
  /** For dataset "folder": root holding train/ and val/ (or test/) class folders. */
  folder?: string;
  /** Run seed: shuffle, augmentation and label noise derive from it. */
  seed: number;
  /** Training augmentation pipeline; default "default". */
  augment?: AugmentationName;
  /** Fraction of training labels flipped to a different class, in [0, 1); default 0. */
  labelNoise?: number;
  /** Permute pixels with the one fixed permutation of permutationSeed (permuted MNIST); default false. */
  permutePixels?: boolean;
  /** Seed of the pixel permutation, shared by every run seed; default DEFAULT_PERMUTATION_SEED. */
  permutationSeed?: number;
  /** Training exampleIds left out (the removal experiment); ids are kept, see BatchSource.subsetIds. */
  removeIds?: number[];
  /** Train on exampleIds 0..trainFirst-1 only (at most the split's size; the rest left out like removeIds); default all. */
  trainFirst?: number;
  /** Per-channel mean/std on the [0, 1] scale; default: training-split statistics (ImageNet's for folders). */
  normalize?: { mean: number[]; std: number[] };
  /** Folder datasets: side of the square input in pixels; default 224 (evaluation: Resize(256) + CenterCrop(224)). */
  imageSize?: number;
  /** Folder datasets: path of an ImageNet-form class-index JSON ({"0": ["n01440764", "tench"], ...}). */
  classIndex?: string;
  /** Folder datasets: skip non-image or unreadable files (recorded in variant.skippedFiles) instead of failing. */
  skipBadFiles?: boolean;
}

/** What a run records about the data it trained on. */
export interface DatasetVariant {
  dataset: DatasetName;
  augment: AugmentationName;
  trainTransforms: Transform[];
  testTransforms: Transform[];
  normalize: { mean: number[]; std: number[] };
  /** Checksums of the splits as read (before variants). */
  trainSplitChecksum: string;
  testSplitChecksum: string;
  labelNoise?: { fraction: number; seed: number; noisyIds: number[] };
  /** The permutation is `pixelPermutation(height * width, seed)` with the permutation seed; its sha256 is recorded to check. */
  permutePixels?: { seed: number; permutationChecksum: string };
  /** How many training examples `trainFirst` and `removeIds` left out together. */
  removedCount: number;
  /** Folder datasets with skipBadFiles: files left out (paths relative to the root) and why. */
  skippedFiles?: SkippedFile[];
}

export interface OpenedDataset {
  train: BatchSource;
  test: BatchSource;
  variant: DatasetVariant;
}

function trainAugmentation(name: AugmentationName, dataset: DatasetName, side: number): Transform[] {
  const resolved: AugmentationName =
    name !== "default" ? name : dataset.startsWith("cifar") ? "crop-flip" : dataset === "folder" ? "rrc-flip" : "none";
  switch (resolved) {
    case "flip":
      return [{ kind: "horizontalFlip" }];
    case "crop-flip":
    case "crop-flip-cutout":
      return [{ kind: "randomCrop", size: side, padding: 4 }, { kind: "horizontalFlip" }];
    case "rrc-flip":
      return [{ kind: "randomResizedCrop", size: side }, { kind: "horizontalFlip" }];
    default:
      return [];
  }
}

/** The config checked the values; only the images say how many channels there are. */
function checkNormalize(normalize: { mean: number[]; std: number[] }, channels: number): void {
  if (normalize.mean.length !== channels || normalize.std.length !== channels) {
    throw new ValueError(`openDataset normalize: expected { mean, std } with ${channels} values each (one per channel of the images), got ${describeValue(normalize)}`);
  }
}

/** Reads an in-memory dataset from <dataRoot>/<name>/, with a hint when it is not there. */
function readInMemory(dataset: Exclude<DatasetName, "folder">, dataRoot: string): { train: InMemoryImages; test: InMemoryImages } {
  if (dataset === "digits") return readDigits(dataRoot);
  const dir = path.join(dataRoot, dataset);
  if (!fs.existsSync(dir)) {
    throw new FileFormatError(dir, `expected the ${dataset} files here; run \`forgetting data fetch ${dataset}\` (or see \`forgetting data info ${dataset}\` for the files to place by hand)`);
  }
  if (dataset === "mnist" || dataset === "fashion-mnist") return readMnistFolder(dir, dataset);
  return readCifarFolder(dir, dataset);
}

/** The validation folder of an ImageNet-style root: val/ if present, else test/. */
function folderTestSplit(root: string): string {
  for (const name of ["val", "test"]) if (fs.existsSync(path.join(root, name))) return path.join(root, name);
  throw new FileFormatError(root, "expected train/ and val/ (or test/) folders of class folders, got no val/ or test/");
}

/** A dataset's splits as stored (no variants, no normalization), and the files a folder dataset skipped. */
interface StoredSplits {
  train: ImageSplit;
  test: ImageSplit;
  /** Folder datasets: files left out by skipBadFiles, paths relative to the root. */
  skippedFiles?: SkippedFile[];
}

/**
 * The one place that maps a dataset name to its reader (training and notebooks alike): an
 * in-memory dataset from `<dataRoot>/<name>/`, a folder dataset listed from train/ and
 * folderTestSplit's folder, test classes numbered as the training split's.
 * @param who prefix of error messages.
 */
async function readStoredSplits(who: string, ref: DatasetRef, dataRoot: string): Promise<StoredSplits> {
  if (ref.dataset !== "folder") return readInMemory(ref.dataset, dataRoot);
  if (!ref.folder) throw new ValueError(`${who} folder: expected the root folder (holding train/ and val/ or test/) of dataset "folder", got undefined`);
  const trainRead = await readImageFolder(path.join(ref.folder, "train"), { name: "folder", split: "train", classIndex: ref.classIndex, skipBadFiles: ref.skipBadFiles });
  const testRoot = folderTestSplit(ref.folder);
  const testRead = await readImageFolder(testRoot, { name: "folder", split: "test", classFolders: trainRead.images.classFolders, skipBadFiles: ref.skipBadFiles });
  return {
    train: trainRead.images,
    test: { ...testRead.images, classNames: trainRead.images.classNames },
    skippedFiles: [...trainRead.skipped.map((s) => ({ ...s, file: path.join("train", s.file) })), ...testRead.skipped.map((s) => ({ ...s, file: path.join(path.basename(testRoot), s.file) }))],
  };
}

/**
 * The raw training and test images of a dataset, for tables and pictures (no variants, no
 * normalization; exampleIds as in training). In-memory datasets are read from
 * `<dataRoot>/<name>/`; a folder dataset is listed (its images stay on disk).
 * @throws ValueError for an unknown dataset, FileFormatError for missing files.
 */
export async function readImageSplits(ref: DatasetRef, dataRoot: string = defaultDataRoot()): Promise<{ train: ImageSplit; test: ImageSplit }> {
  const dataset = checkOneOf("readImageSplits dataset", ref.dataset, VALID_DATASETS);
  const { train, test } = await readStoredSplits("readImageSplits", { ...ref, dataset }, dataRoot);
  return { train, test };
}

/**
 * Reads a dataset and builds its batch sources.
 * @returns train (shuffled, augmented, variants applied) and test (fixed order, no
 *   augmentation, clean labels) sources, plus the variant record for the run manifest.
 * @throws ValueError for a folder dataset without its folder, normalization that does not
 *   fit the images' channels, trainFirst above the split's size, removeIds outside the split
 *   or leaving nothing to train on; FileFormatError for bad or missing files.
 */
export async function openDataset(options: DatasetOptions): Promise<OpenedDataset> {
  const { dataset, seed } = options;
  const augment = options.augment ?? "default";
  const noiseFraction = options.labelNoise ?? 0;
  const isFolder = dataset === "folder";

  const imageSize = options.imageSize ?? 224;

  const ref = { dataset, folder: options.folder, classIndex: options.classIndex, skipBadFiles: options.skipBadFiles };
  const { train, test, skippedFiles } = await readStoredSplits("openDataset", ref, options.dataRoot ?? defaultDataRoot());
  let side: number;
  let normalize: { mean: number[]; std: number[] };
  if (train.kind === "image-folder") {
    side = imageSize;
    normalize = options.normalize ?? { mean: IMAGENET_MEAN, std: IMAGENET_STD };
    checkNormalize(normalize, 3);
  } else {
    side = train.shape[0];
    normalize = options.normalize ?? channelStats(train);
    checkNormalize(normalize, train.shape[2]);
  }

  // Transforms: test images are only resized/cropped and normalized.
  const normalizeStep: Transform = { kind: "normalize", mean: normalize.mean, std: normalize.std };
  const trainTransforms: Transform[] = [...trainAugmentation(augment, dataset, side), normalizeStep];
  if (augment === "crop-flip-cutout") trainTransforms.push({ kind: "cutout", size: 16 });
  if (isFolder && !trainTransforms.some((t) => t.kind === "randomResizedCrop")) trainTransforms.unshift(...folderEvalCrop(side));
  const testTransforms: Transform[] = isFolder ? [...folderEvalCrop(side), normalizeStep] : [normalizeStep];

  const variant: DatasetVariant = {
    dataset,
    augment,
    trainTransforms,
    testTransforms,
    normalize,
    trainSplitChecksum: train.checksum,
    testSplitChecksum: test.checksum,
    removedCount: 0,
  };
  if (skippedFiles) variant.skippedFiles = skippedFiles;

  // Variants of the training split.
  let trainLabels = train.labels;
  if (noiseFraction > 0) {
    const noisy = addLabelNoise(train.labels, train.classNames.length, noiseFraction, seed);
    trainLabels = noisy.labels;
    variant.labelNoise = { fraction: noiseFraction, seed, noisyIds: Array.from(noisy.noisyIds) };
  }
  let permutation: Int32Array | undefined;
  if (options.permutePixels && train.kind === "in-memory") {
    const permutationSeed = options.permutationSeed ?? DEFAULT_PERMUTATION_SEED;
    permutation = pixelPermutation(train.shape[0] * train.shape[1], permutationSeed);
    variant.permutePixels = { seed: permutationSeed, permutationChecksum: sha256Hex(permutation.join(",")) };
  }
  let subsetIds: Int32Array | undefined;
  const nTrain = train.labels.length;
  if (options.trainFirst !== undefined && options.trainFirst > nTrain) {
    throw new ValueError(`openDataset trainFirst: expected at most the ${nTrain} training examples of dataset "${dataset}", got ${options.trainFirst}`);
  }
  if ((options.removeIds && options.removeIds.length > 0) || (options.trainFirst !== undefined && options.trainFirst < nTrain)) {
    subsetIds = subsetWithout(nTrain, options.removeIds ?? [], options.trainFirst);
    if (subsetIds.length === 0) {
      throw new ValueError(`openDataset removeIds: expected at least one training example left, got all ${options.trainFirst === undefined ? `${nTrain} exampleIds` : `first ${options.trainFirst} exampleIds (trainFirst)`} removed`);
    }
    variant.removedCount = nTrain - subsetIds.length;
  }
  // The checksums cover the split and everything that changes what the model sees.
  const permutationKey = variant.permutePixels?.permutationChecksum ?? null;
  const trainChecksum = sha256Hex(
    `${train.checksum}\n${JSON.stringify({ trainTransforms, labels: sha256Hex(trainLabels.join(",")), permutation: permutationKey, subset: subsetIds ? sha256Hex(subsetIds.join(",")) : null })}`,
  );
  const testChecksum = sha256Hex(`${test.checksum}\n${JSON.stringify({ testTransforms, permutation: permutationKey })}`);
  const trainOptions = { seed, shuffle: true, transforms: trainTransforms, labels: trainLabels, subsetIds, checksum: trainChecksum };
  const testOptions = { seed, transforms: testTransforms, checksum: testChecksum };
  if (train.kind === "image-folder" && test.kind === "image-folder") {
    // Training images found undecodable are recorded by the run (BatchSource.undecodable); a test
    // image that fails would silently shrink the test set, so it stops the run instead.
    return { train: folderBatchSource(train, { ...trainOptions, skipBadFiles: options.skipBadFiles === true }), test: folderBatchSource(test, testOptions), variant };
  }
  if (train.kind === "in-memory" && test.kind === "in-memory") {
    return {
      train: inMemoryBatchSource(train, { ...trainOptions, pixelPermutation: permutation }),
      test: inMemoryBatchSource(test, { ...testOptions, pixelPermutation: permutation }),
      variant,
    };
  }
  throw new ValueError("openDataset: expected train and test splits of one kind");
}

/** Resize(size / 0.875) + CenterCrop(size): 256 + 224, the ImageNet evaluation crop. */
function folderEvalCrop(size: number): Transform[] {
  return [{ kind: "resize", size: Math.round(size / 0.875) }, { kind: "centerCrop", size }];
}
