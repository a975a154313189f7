/**
 * One entry point for training: `openDataset(options)` reads a dataset, applies the recorded
 * variants (label noise, permuted pixels, subset) and returns training and test batch sources.
 * Training batches are shuffled and augmented per epoch; test batches never are.
 */
import { ValueError, checkOneOf, checkInRange, describeValue } from "../errors";
import { channelStats, inMemoryBatchSource } from "./batches";
import { sha256Text } from "./checksum";
import { defaultDataRoot, readDigits } from "./digits";
import type { Transform } from "./transforms";
import type { BatchSource, InMemoryImages } from "./types";
import { addLabelNoise, pixelPermutation, subsetWithout } from "./variants";

export const VALID_DATASETS = ["digits", "mnist", "fashion-mnist", "cifar10", "cifar100", "folder"] as const;
export type DatasetName = (typeof VALID_DATASETS)[number];

/**
 * Named augmentation pipelines (training split only; every pipeline ends with normalize):
 * - none: normalize only.
 * - flip: horizontal flip (p 0.5).
 * - crop-flip: RandomCrop(side, padding 4) + flip (the paper's CIFAR setting).
 * - crop-flip-cutout: crop-flip, then Cutout with one 16-px hole after normalize (paper's CIFAR + cutout).
 * - rrc-flip: RandomResizedCrop(imageSize) + flip (the ImageNet recipe).
 * - default: none for digits/mnist/fashion-mnist, crop-flip for CIFAR, rrc-flip for folders.
 */
export const VALID_AUGMENTATIONS = ["default", "none", "flip", "crop-flip", "crop-flip-cutout", "rrc-flip"] as const;
export type AugmentationName = (typeof VALID_AUGMENTATIONS)[number];

/** ImageNet per-channel statistics (RGB, [0, 1] scale): the normalization of image folders. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];

export interface DatasetOptions {
  /** One of VALID_DATASETS. */
  dataset: string;
  /** Folder holding <dataset>/ subfolders; default <project>/data. */
  dataRoot?: string;
  /** For dataset "folder": root holding train/ and val/ (or test/) class folders. */
  folder?: string;
  /** Run seed: shuffle, augmentation, label noise and pixel permutation derive from it. */
  seed: number;
  /** One of VALID_AUGMENTATIONS; default "default". */
  augment?: string;
  /** Fraction of training labels flipped to a different class, in [0, 1]; default 0. */
  labelNoise?: number;
  /** Permute pixels with one fixed permutation per seed (permuted MNIST); default false. */
  permutePixels?: boolean;
  /** Training exampleIds left out (the removal experiment); ids are kept, see BatchSource.subsetIds. */
  removeIds?: number[];
  /** Per-channel mean/std on the [0, 1] scale; default: training-split statistics (ImageNet's for folders). */
  normalize?: { mean: number[]; std: number[] };
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
  /** The permutation is `pixelPermutation(height * width, seed)`; its sha256 is recorded to check. */
  permutePixels?: { seed: number; permutationChecksum: string };
  /** How many training examples `removeIds` left out. */
  removedCount: number;
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

function checkNormalize(normalize: { mean: number[]; std: number[] }, channels: number): void {
  const ok = (v: unknown) => Array.isArray(v) && v.length === channels && v.every((x) => typeof x === "number" && Number.isFinite(x));
  if (!ok(normalize.mean) || !ok(normalize.std) || normalize.std.some((s) => s <= 0)) {
    throw new ValueError(`openDataset normalize: expected { mean, std } with ${channels} finite numbers each (std > 0), got ${describeValue(normalize)}`);
  }
}

function readInMemory(dataset: DatasetName, dataRoot: string): { train: InMemoryImages; test: InMemoryImages } {
  switch (dataset) {
    case "digits":
      return readDigits(dataRoot);
    default:
      throw new ValueError(`openDataset dataset: "${dataset}" is not readable yet; valid now: digits`);
  }
}

/**
 * Reads a dataset and builds its batch sources.
 * @returns train (shuffled, augmented, variants applied) and test (fixed order, no
 *   augmentation, clean labels) sources, plus the variant record for the run manifest.
 * @throws ValueError for bad options, FileFormatError for bad or missing files.
 */
export async function openDataset(options: DatasetOptions): Promise<OpenedDataset> {
  const dataset = checkOneOf("openDataset dataset", options.dataset, VALID_DATASETS);
  const augment = checkOneOf("openDataset augment", options.augment ?? "default", VALID_AUGMENTATIONS);
  if (!Number.isInteger(options.seed)) throw new ValueError(`openDataset seed: expected an integer, got ${describeValue(options.seed)}`);
  const noiseFraction = checkInRange("openDataset labelNoise", options.labelNoise ?? 0, 0, 1);
  const seed = options.seed;
  const split = readInMemory(dataset, options.dataRoot ?? defaultDataRoot());
  const { train, test } = split;
  const [height, width, channels] = train.shape;
  if (augment === "rrc-flip" && dataset !== "folder") {
    throw new ValueError(`openDataset augment: "rrc-flip" is for image folders, got dataset "${dataset}"; use crop-flip or flip`);
  }
  const normalize = options.normalize ?? channelStats(train);
  checkNormalize(normalize, channels);
  const normalizeStep: Transform = { kind: "normalize", mean: normalize.mean, std: normalize.std };
  const trainTransforms: Transform[] = [...trainAugmentation(augment, dataset, height), normalizeStep];
  if (augment === "crop-flip-cutout") trainTransforms.push({ kind: "cutout", size: 16 });
  const testTransforms: Transform[] = [normalizeStep];

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
  let trainLabels = train.labels;
  if (noiseFraction > 0) {
    const noisy = addLabelNoise(train.labels, train.classNames.length, noiseFraction, seed);
    trainLabels = noisy.labels;
    variant.labelNoise = { fraction: noiseFraction, seed, noisyIds: Array.from(noisy.noisyIds) };
  }
  let permutation: Int32Array | undefined;
  if (options.permutePixels) {
    permutation = pixelPermutation(height * width, seed);
    variant.permutePixels = { seed, permutationChecksum: sha256Text(permutation.join(",")) };
  }
  let subsetIds: Int32Array | undefined;
  if (options.removeIds && options.removeIds.length > 0) {
    subsetIds = subsetWithout(train.labels.length, options.removeIds);
    variant.removedCount = train.labels.length - subsetIds.length;
  }
  // The checksum covers the split and everything that changes what training sees.
  const variantKey = JSON.stringify({
    trainTransforms,
    labels: sha256Text(trainLabels.join(",")),
    permutation: variant.permutePixels?.permutationChecksum ?? null,
    subset: subsetIds ? sha256Text(subsetIds.join(",")) : null,
  });
  return {
    train: inMemoryBatchSource(train, {
      seed,
      shuffle: true,
      transforms: trainTransforms,
      labels: trainLabels,
      pixelPermutation: permutation,
      subsetIds,
      checksum: sha256Text(`${train.checksum}\n${variantKey}`),
    }),
    test: inMemoryBatchSource(test, {
      seed,
      transforms: testTransforms,
      pixelPermutation: permutation,
      checksum: sha256Text(`${test.checksum}\n${JSON.stringify({ testTransforms, permutation: variant.permutePixels?.permutationChecksum ?? null })}`),
    }),
    variant,
  };
}

export { defaultDataRoot, readDigits } from "./digits";
export { inMemoryBatchSource, channelStats, epochOrder } from "./batches";
export { addLabelNoise, pixelPermutation, subsetWithout } from "./variants";
export type { Transform, FloatImage, CropBox } from "./transforms";
export { applyTransforms, randomResizedCropBox, centerCropBox, cutoutBox, resizeShape, VALID_TRANSFORM_KINDS } from "./transforms";
