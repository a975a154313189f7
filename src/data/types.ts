/**
 * What the data layer hands to training. Every example has one stable identity, its
 * `exampleId`: the index of the example in the dataset's training split, the same in every
 * run, format and seed. The forgetting record is keyed by it.
 */

/** [height, width, channels] of one image. */
export type ImageShape = [height: number, width: number, channels: number];

/** An image classification split held in memory (IDX, CIFAR binary, digits). */
export interface InMemoryImages {
  kind: "in-memory";
  /** Dataset name, e.g. "digits", "mnist", "cifar10". */
  name: string;
  /** "train" or "test". */
  split: "train" | "test";
  /** Raw pixels, [nExamples, height, width, channels] row-major, as stored in the file. */
  pixels: Uint8Array;
  /** Largest possible pixel value of the format (255 for IDX/CIFAR, 16 for UCI digits). */
  pixelMax: number;
  shape: ImageShape;
  /** [nExamples] class index of each example. */
  labels: Int32Array;
  classNames: string[];
  /** Optional human-readable name of each example (source file and position), [nExamples]. */
  exampleNames?: string[];
  /** sha256 (hex) over the content that defines the split: shape, pixels and labels. */
  checksum: string;
}

/** An ImageNet-style folder split: images stay on disk and are decoded per batch. */
export interface ImageFolderImages {
  kind: "image-folder";
  name: string;
  split: "train" | "test";
  /** Root folder of the split. */
  root: string;
  /** [nExamples] file paths relative to `root`, sorted by class then name. */
  files: string[];
  /** [nExamples] class index of each file. */
  labels: Int32Array;
  classNames: string[];
  /** Folder name of each class (e.g. the WordNet id "n01440764"), [nClasses]. */
  classFolders: string[];
  /** sha256 (hex) over the sorted relative paths, their sizes and labels. */
  checksum: string;
}

export type ImageSplit = InMemoryImages | ImageFolderImages;

/** One minibatch, ready for the model. */
export interface Batch {
  /** Normalized float pixels, [batchSize, height, width, channels]. */
  images: Float32Array;
  /** [batchSize, height, width, channels]. */
  shape: [number, number, number, number];
  /** [batchSize] class index of each example (after any label noise). */
  labels: Int32Array;
  /** [batchSize] exampleId of each example in the training split. */
  exampleIds: Int32Array;
  /**
   * 0-based position of the batch in its epoch: it holds the examples at positions
   * [index * batchSize, (index + 1) * batchSize) of the epoch's order (fewer if some of them
   * failed to decode). The learning rate and a mid-epoch resume go by it.
   */
  index: number;
  /**
   * Optional: hands `images` back to the source, which may refill it for a later batch. Call it
   * only when nothing reads `images` any more (e.g. right after copying it into a tensor); not
   * calling it is always safe. Saves a fresh large allocation per batch (for 64 images of
   * 224x224x3, about 2 ms of page-fault CPU per image on Linux).
   */
  release?(): void;
}

/**
 * A training or evaluation stream. Batches of epoch e are a pure function of
 * (dataset, seed, e): resuming at epoch e rebuilds exactly the same order and augmentation.
 */
export interface BatchSource {
  /** Dataset identity recorded in the run manifest, e.g. "digits/train". */
  datasetId: string;
  /** sha256 (hex) of the underlying split plus any variant (noise, permutation, subset). */
  checksum: string;
  nExamples: number;
  nClasses: number;
  classNames: string[];
  /** Shape of one image as it reaches the model (after crops). */
  inputShape: ImageShape;
  /** [nExamples] label of each exampleId as used in training (after label noise). */
  labels: Int32Array;
  /** Optional [nExamples] names (file paths for image folders). */
  exampleNames?: string[];
  /**
   * When training on a subset (the removal experiment): the exampleIds that are presented.
   * The others keep their ids but never appear in a batch. Undefined means all examples.
   */
  subsetIds?: Int32Array;
  /**
   * Image folders read with skipBadFiles: the examples whose image failed to decode so far, with
   * the reason. Each is found at its first decode and left out of every batch from then on.
   */
  undecodable?: ReadonlyMap<number, string>;
  /**
   * The batches of one epoch, in order; the last partial batch is kept. With
   * `range.fromBatch` k, the stream starts at the batch of index k, identical to the one a
   * full pass yields there; the batches before it are not built (no image is decoded).
   */
  batches(epoch: number, batchSize: number, range?: BatchRange): AsyncIterable<Batch>;
}

/** Where in an epoch a batch stream starts (a run resumed mid-epoch). */
export interface BatchRange {
  /** Index of the first batch, integer in [0, ceil(nPresented / batchSize)]; the last value gives no batch. Default 0. */
  fromBatch?: number;
}
