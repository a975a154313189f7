/**
 * Batch sources over in-memory splits (digits, IDX, CIFAR). Batches of epoch e are a pure
 * function of (split, variant, seed, e):
 * - order: `new Random(seed, "shuffle", epoch)` shuffles the presented ids (training only);
 * - augmentation: each example draws from `new Random(seed, "augment", epoch, exampleId)`;
 * - the last partial batch is kept (drop_last = false);
 * - batch k holds positions [k * batchSize, (k + 1) * batchSize) of the order, so a stream
 *   started at batch k (a mid-epoch resume) yields exactly the batches a full pass yields there.
 */
import { ValueError, checkPositiveInteger, describeValue } from "../core/errors";
import { Random } from "../core/random";
import { applyTransforms, transformedSize, type FloatImage, type Transform } from "./transforms";
import type { Batch, BatchRange, BatchSource, ImageShape, ImageSplit, InMemoryImages } from "./types";

/** Options every batch source takes. */
export interface SourceOptions {
  /** Run seed: shuffling and augmentation derive from it. */
  seed: number;
  /** Shuffle each epoch (training) or keep id order (evaluation). Default false. */
  shuffle?: boolean;
  /** [nExamples] labels to train on (after label noise); default the split's labels. */
  labels?: Int32Array;
  /** Only these exampleIds are presented (the removal experiment); default all. */
  subsetIds?: Int32Array;
  /** Recorded identity; default `<name>/<split>`. */
  datasetId?: string;
  /** Recorded checksum of split + variant; default the split's checksum. */
  checksum?: string;
}

/** Options of an in-memory batch source. */
export interface InMemorySourceOptions extends SourceOptions {
  /** Applied in order to each image scaled to [0, 1]; usually ends with normalize (+ cutout). */
  transforms?: readonly Transform[];
  /** [height * width] pixel permutation: output pixel k is input pixel permutation[k]. */
  pixelPermutation?: Int32Array;
}

/** Ids of one epoch in presentation order. */
function epochOrder(ids: Int32Array, seed: number, epoch: number, shuffle: boolean): Int32Array {
  const order = Int32Array.from(ids);
  return shuffle ? new Random(seed, "shuffle", epoch).shuffle(order) : order;
}

/** `options.labels`, checked to hold one label per example of `split`, or else the split's labels. */
export function sourceLabels(who: string, split: ImageSplit, options: SourceOptions): Int32Array {
  const labels = options.labels ?? split.labels;
  if (labels.length !== split.labels.length) throw new ValueError(`${who}: expected ${split.labels.length} labels, got ${labels.length}`);
  return labels;
}

/**
 * The BatchSource over `split` that both source kinds share: recorded identity, labels and
 * subset, and a batches(epoch, batchSize, range) that checks its arguments and lets
 * `batchesOf` cut the epoch's presented ids (in presentation order, from the first position
 * of batch `firstIndex` on) into batches numbered from `firstIndex`.
 */
export function splitBatchSource(
  split: ImageSplit,
  options: SourceOptions,
  parts: {
    inputShape: ImageShape;
    /** From sourceLabels. */
    labels: Int32Array;
    exampleNames?: string[];
    batchesOf(order: Int32Array, epoch: number, batchSize: number, firstIndex: number): AsyncGenerator<Batch>;
  },
): BatchSource {
  const nExamples = split.labels.length;
  const presented = options.subsetIds ?? Int32Array.from({ length: nExamples }, (_, i) => i);
  async function* batches(epoch: number, batchSize: number, range: BatchRange = {}): AsyncGenerator<Batch> {
    checkPositiveInteger("BatchSource.batches batchSize", batchSize);
    if (!Number.isInteger(epoch) || epoch < 0) throw new ValueError(`BatchSource.batches: expected an integer epoch >= 0, got ${describeValue(epoch)}`);
    const nBatches = Math.ceil(presented.length / batchSize);
    const fromBatch = range.fromBatch ?? 0;
    if (!Number.isInteger(fromBatch) || fromBatch < 0 || fromBatch > nBatches) {
      throw new ValueError(`BatchSource.batches fromBatch: expected an integer in [0, ${nBatches}] (${nBatches} batches of ${batchSize}), got ${describeValue(fromBatch)}`);
    }
    const order = epochOrder(presented, options.seed, epoch, options.shuffle ?? false);
    yield* parts.batchesOf(order.subarray(fromBatch * batchSize), epoch, batchSize, fromBatch);
  }
  return {
    datasetId: options.datasetId ?? `${split.name}/${split.split}`,
    checksum: options.checksum ?? split.checksum,
    nExamples,
    nClasses: split.classNames.length,
    classNames: split.classNames,
    inputShape: parts.inputShape,
    labels: parts.labels,
    exampleNames: parts.exampleNames,
    subsetIds: options.subsetIds,
    batches,
  };
}

/** Builds a BatchSource over an in-memory split. */
export function inMemoryBatchSource(images: InMemoryImages, options: InMemorySourceOptions): BatchSource {
  const [height, width, channels] = images.shape;
  const transforms = options.transforms ?? [];
  const labels = sourceLabels("inMemoryBatchSource", images, options);
  const permutation = options.pixelPermutation;
  if (permutation && permutation.length !== height * width) {
    throw new ValueError(`inMemoryBatchSource: expected a pixel permutation of length ${height * width}, got ${permutation.length}`);
  }
  const [outH, outW] = transformedSize(height, width, transforms);
  const inputShape: ImageShape = [outH, outW, channels];
  const imageSize = outH * outW * channels;
  const pixelsPerImage = height * width * channels;
  const scale = 1 / images.pixelMax;

  /** Example `id` as floats in [0, 1], pixels permuted if requested. */
  function rawImage(id: number): FloatImage {
    const data = new Float32Array(pixelsPerImage);
    const base = id * pixelsPerImage;
    if (permutation) {
      for (let k = 0; k < permutation.length; k++) {
        for (let c = 0; c < channels; c++) data[k * channels + c] = images.pixels[base + permutation[k] * channels + c] * scale;
      }
    } else {
      for (let k = 0; k < pixelsPerImage; k++) data[k] = images.pixels[base + k] * scale;
    }
    return { data, height, width, channels };
  }

  async function* batchesOf(order: Int32Array, epoch: number, batchSize: number, firstIndex: number): AsyncGenerator<Batch> {
    for (let start = 0, index = firstIndex; start < order.length; start += batchSize, index++) {
      const ids = order.subarray(start, Math.min(start + batchSize, order.length));
      const out = new Float32Array(ids.length * imageSize);
      const batchLabels = new Int32Array(ids.length);
      ids.forEach((id, i) => {
        const rng = new Random(options.seed, "augment", epoch, id);
        const image = applyTransforms(rawImage(id), transforms, rng);
        out.set(image.data, i * imageSize);
        batchLabels[i] = labels[id];
      });
      yield { images: out, shape: [ids.length, outH, outW, channels], labels: batchLabels, exampleIds: Int32Array.from(ids), index };
    }
  }

  return splitBatchSource(images, options, { inputShape, labels, exampleNames: images.exampleNames, batchesOf });
}

/**
 * Per-channel mean and standard deviation (population) of a split scaled to [0, 1]
 * (for MNIST's training split: 0.1307, 0.3081).
 */
export function channelStats(images: InMemoryImages): { mean: number[]; std: number[] } {
  const channels = images.shape[2];
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  for (let i = 0; i < images.pixels.length; i++) {
    const v = images.pixels[i] / images.pixelMax;
    sum[i % channels] += v;
    sumSq[i % channels] += v * v;
  }
  const n = images.pixels.length / channels;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sumSq, (s, c) => Math.sqrt(Math.max(s / n - mean[c] * mean[c], 0)));
  return { mean, std };
}
