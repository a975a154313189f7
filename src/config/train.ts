/**
 * The training configuration: one `TrainConfig` interface, its defaults, presets for the
 * paper's recipes, validation, and each key's value type (the CLI parses `--<key>` flags by it).
 * The resolved config is written whole into the run's manifest.json.
 */
import * as path from "node:path";
import { ValueError, checkFinite, checkOneOf, checkPositive, checkPositiveInteger, describeValue } from "../core/errors";
import { deepFreeze } from "../core/freeze";
import type { ValueType } from "../core/values";

export const VALID_SCHEDULES = ["constant", "multistep", "warmup-cosine"] as const;
/** How the learning rate changes over training (see ../train/schedules.ts). */
export type ScheduleName = (typeof VALID_SCHEDULES)[number];

export const VALID_MODELS = ["mnist-cnn", "digits-mlp", "digits-cnn", "resnet20-cifar", "resnet18-cifar", "resnet50"] as const;
export type ModelName = (typeof VALID_MODELS)[number];

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

export const VALID_TRACKING_MODES = ["presentation", "eval"] as const;
/** How correctness is taken: see README ("Tracking modes"). */
export type TrackingMode = (typeof VALID_TRACKING_MODES)[number];

export const VALID_FLOAT_RECORDS = ["loss", "margin", "prob", "el2n"] as const;
/**
 * Optional per-example float records: training loss (nats), margin (true logit minus the
 * largest other), true-class probability, and el2n (L2 norm of softmax minus one-hot).
 */
export type FloatRecordName = (typeof VALID_FLOAT_RECORDS)[number];

export const VALID_FLOAT_STORAGES = ["float32", "float16", "q8"] as const;
/**
 * How float records are stored on disk (see FLOAT_STORAGE in ../runs/layout.ts): float32
 * (4 bytes a value), float16 (2 bytes, IEEE half, round to nearest even) or q8 (1 byte a
 * value plus an 8-byte scale/offset header per row).
 */
export type FloatStorage = (typeof VALID_FLOAT_STORAGES)[number];

/** The records every preset but imagenet (and the study) writes: cheap enough to be on by default. */
export const DEFAULT_RECORDS = { recordFloats: ["loss", "margin", "prob", "el2n"] as FloatRecordName[], recordPredicted: true };

/** Everything that defines a training run. Units and defaults are given per field. */
export interface TrainConfig {
  /** Model name, one of VALID_MODELS. Default "digits-mlp". */
  model: ModelName;
  /** Dataset name, one of VALID_DATASETS. Default "digits". */
  dataset: DatasetName;
  /** Root folder of an image-folder dataset (ImageNet layout), stored absolute. Default: none. */
  folder?: string;
  /** Number of epochs (passes over the training split), integer in [1, MAX_EPOCHS]. Default 10. */
  epochs: number;
  /** Examples per minibatch, integer > 0. Default 32. */
  batchSize: number;
  /** Peak learning rate (before the schedule), finite >= 0. Default 0.05. */
  lr: number;
  /** SGD momentum factor in [0, 1). 0 means plain SGD. Default 0.9. */
  momentum: number;
  /** Use Nesterov momentum (PyTorch semantics; needs momentum > 0). Default false. */
  nesterov: boolean;
  /** L2 weight decay, added to the gradient as wd * p (PyTorch semantics), >= 0. Default 0. */
  weightDecay: number;
  /** Skip weight decay on batch-norm parameters and biases (all parameters of rank 1). Default false. */
  weightDecayExcludeBnAndBias: boolean;
  /** Learning-rate schedule, one of VALID_SCHEDULES. Default "constant". */
  schedule: ScheduleName;
  /** "warmup-cosine": epochs of linear warmup from 0, >= 0, may be fractional. Default 0. */
  warmupEpochs: number;
  /** "multistep": epochs (0-based epoch index at which the decay first applies) where lr is multiplied by gamma. Default []. */
  milestones: number[];
  /** "multistep": factor applied at each milestone, > 0. Default 0.1. */
  gamma: number;
  /** How correctness is taken: "presentation" (training forward before the step) or "eval" (extra inference forward). Default "presentation". */
  trackingMode: TrackingMode;
  /** Optional per-example float records to write each epoch: "loss", "margin", "prob", "el2n". Default []. */
  recordFloats: FloatRecordName[];
  /** Storage of the float records, one of VALID_FLOAT_STORAGES. Default (unset): float32. */
  floatStorage?: FloatStorage;
  /** Record each example's predicted class (argmax) at each presentation, in the smallest unsigned integer type that holds nClasses. Default (unset): false. */
  recordPredicted?: boolean;
  /** Run seed (integer >= 0): initialization, shuffling, augmentation, label noise. Default 0. */
  seed: number;
  /** Training augmentation pipeline, one of VALID_AUGMENTATIONS ("default": none for digits/MNIST, crop-flip for CIFAR, rrc-flip for folders). Default "default". */
  augment: AugmentationName;
  /** Fraction of training labels flipped to another class, in [0, 1). Default 0. */
  labelNoise: number;
  /** Apply one fixed pixel permutation, drawn from permutationSeed, to training and test images (permuted MNIST). Default false. */
  permutePixels: boolean;
  /**
   * permutePixels: seed of the pixel permutation, integer >= 0, apart from the run seed so
   * that every seed of a study trains on one permuted dataset (the paper's setting). Default
   * DEFAULT_PERMUTATION_SEED, filled in when permutePixels is on, so each run records it.
   */
  permutationSeed?: number;
  /** exampleIds left out of training (removal experiment), each in [0, training split size). Default: none. */
  removeIds?: number[];
  /**
   * Train on the first N training examples only: exampleIds 0..N-1 in the dataset's official
   * order (for folders, sorted class folders then sorted file names), integer in [1, training
   * split size] (the size is checked when the data is opened, before the run folder exists).
   * The other ids are left out like removeIds (records keep every exampleId; analysis counts
   * presented examples only); with removeIds as well, both leave examples out. Default: none
   * (the whole split).
   */
  trainFirst?: number;
  /** Dataset "folder": side of the square network input in pixels, integer > 0. Default (unset): 224, tested on Resize(256) + CenterCrop(224). */
  imageSize?: number;
  /** Dataset "folder": path of an ImageNet-form class-index JSON ({"0": ["n01440764", "tench"], ...}), stored absolute. Default (unset): class folders in sorted order. */
  classIndex?: string;
  /** Dataset "folder": skip non-image or unreadable files (listed in the manifest) instead of failing. Default (unset): false. */
  skipBadFiles?: boolean;
  /** Per-channel normalization mean on the [0, 1] pixel scale, one per channel; set with normalizeStd. Default (unset): training-split statistics (ImageNet's for folders). */
  normalizeMean?: number[];
  /** Per-channel normalization std on the [0, 1] pixel scale, each > 0; set with normalizeMean. Default (unset): training-split statistics (ImageNet's for folders). */
  normalizeStd?: number[];
  /** Evaluate on the test split every this many epochs (the last epoch always), integer > 0. Default 1. */
  evalEvery: number;
  /**
   * Minutes of training between mid-epoch checkpoints, a number > 0 (a resumed run continues
   * at the next batch, not the epoch start). Default (unset, or 0, which resolves to unset):
   * checkpoints at epoch ends only. It never changes the record or the weights.
   */
  checkpointEveryMinutes?: number;
  /**
   * CPU threads of the training kernels, integer > 0 (the wasm backend's oneDNN kernels; the
   * wasm SIMD path has one). Results are reproducible for one kernel path and thread count, and
   * the run's manifest records both. Default (unset): a local sweep worker's share of the
   * cores, else a Slurm task's --cpus-per-task, else every core of the machine.
   */
  threads?: number;
}

/** Which dataset a config trains on: the name, plus where and how a "folder" dataset is read. */
export type DatasetRef = Pick<TrainConfig, "dataset" | "folder" | "classIndex" | "skipBadFiles">;

/** The permutation of permuted MNIST when permutationSeed is not set. */
export const DEFAULT_PERMUTATION_SEED = 0;

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  model: "digits-mlp",
  dataset: "digits",
  epochs: 10,
  batchSize: 32,
  lr: 0.05,
  momentum: 0.9,
  nesterov: false,
  weightDecay: 0,
  weightDecayExcludeBnAndBias: false,
  schedule: "constant",
  warmupEpochs: 0,
  milestones: [],
  gamma: 0.1,
  trackingMode: "presentation",
  recordFloats: [],
  seed: 0,
  augment: "default",
  labelNoise: 0,
  permutePixels: false,
  evalEvery: 1,
};


/**
 * Value type (drives validation and the CLI's flag parsing) and one-line help (with unit) of
 * every key, in the order --help lists them.
 * `unsetDefault` says what an optional key left unset means, for --help; `min` is the smallest
 * value (of each item of a list) the CLI accepts, so a bad line of an `@path` list is named.
 */
export const TRAIN_CONFIG_KEYS: Record<keyof TrainConfig, { type: ValueType; help: string; choices?: readonly string[]; unsetDefault?: string; min?: number }> = {
  model: { type: "string", help: "model architecture", choices: VALID_MODELS },
  dataset: { type: "string", help: "dataset name", choices: VALID_DATASETS },
  folder: { type: "string", help: "root folder of an image-folder dataset" },
  epochs: { type: "integer", help: "number of epochs" },
  batchSize: { type: "integer", help: "examples per minibatch" },
  lr: { type: "number", help: "peak learning rate" },
  momentum: { type: "number", help: "SGD momentum factor in [0, 1)" },
  nesterov: { type: "boolean", help: "Nesterov momentum" },
  weightDecay: { type: "number", help: "L2 weight decay added to the gradient (PyTorch semantics)" },
  weightDecayExcludeBnAndBias: { type: "boolean", help: "no weight decay on batch-norm parameters and biases" },
  schedule: { type: "string", help: "learning-rate schedule", choices: VALID_SCHEDULES },
  warmupEpochs: { type: "number", help: "warmup-cosine: epochs of linear warmup from 0" },
  milestones: { type: "integer-list", help: "multistep: comma-separated epochs where lr is multiplied by gamma" },
  gamma: { type: "number", help: "multistep: lr factor at each milestone" },
  trackingMode: { type: "string", help: "how correctness is taken", choices: VALID_TRACKING_MODES },
  recordFloats: { type: "string-list", help: "per-example float records to write", choices: VALID_FLOAT_RECORDS },
  floatStorage: { type: "string", help: "storage of the float records (float16: 2 bytes a value, q8: 1 byte a value + 8 bytes a row)", choices: VALID_FLOAT_STORAGES, unsetDefault: "float32" },
  recordPredicted: { type: "boolean", help: "record the predicted class of each example at each presentation (uint8 up to 256 classes, else uint16)", unsetDefault: "false" },
  seed: { type: "integer", help: "run seed" },
  augment: { type: "string", help: "training augmentation pipeline", choices: VALID_AUGMENTATIONS },
  labelNoise: { type: "number", help: "fraction of training labels flipped, in [0, 1)" },
  permutePixels: { type: "boolean", help: "one fixed pixel permutation of train and test images, the same for every run seed (permuted MNIST)" },
  permutationSeed: { type: "integer", help: "permuted MNIST: seed of the pixel permutation, shared by every run seed (integer >= 0)", unsetDefault: "0 with --permute-pixels" },
  removeIds: { type: "integer-list", help: "comma-separated exampleIds left out of training", min: 0 },
  trainFirst: { type: "integer", help: "train on the first N training examples (official order) only; the rest are left out like --remove-ids", unsetDefault: "none: the whole training split", min: 1 },
  imageSize: { type: "integer", help: "folder datasets: side of the square input in pixels", unsetDefault: "224, tested on Resize 256 + CenterCrop 224" },
  classIndex: { type: "string", help: 'folder datasets: ImageNet-form class-index JSON ({"0": ["n01440764", "tench"], ...})', unsetDefault: "class folders in sorted order" },
  skipBadFiles: { type: "boolean", help: "folder datasets: skip unreadable files (listed in the manifest) instead of failing", unsetDefault: "false" },
  normalizeMean: { type: "number-list", help: "comma-separated per-channel mean on the [0, 1] scale (with --normalize-std)", unsetDefault: "training-split statistics, ImageNet's for folders" },
  normalizeStd: { type: "number-list", help: "comma-separated per-channel std on the [0, 1] scale, each > 0 (with --normalize-mean)", unsetDefault: "training-split statistics, ImageNet's for folders" },
  evalEvery: { type: "integer", help: "evaluate on the test split every N epochs" },
  checkpointEveryMinutes: { type: "number", help: "minutes of training between mid-epoch checkpoints (0: at epoch ends only)", unsetDefault: "0: at epoch ends only" },
  threads: { type: "integer", help: "CPU threads of the training kernels (oneDNN under the wasm backend)", unsetDefault: "a sweep worker's share of the cores, a Slurm task's --cpus-per-task, else all cores", min: 1 },
};

/** The paper's recipes and the ImageNet reference study as partial configs; spread one and override fields. */
export const TRAIN_PRESETS = {
  /** Embedded UCI 8x8 digits with a small MLP: learns in a few epochs on any CPU. */
  digits: { model: "digits-mlp", dataset: "digits", epochs: 10, batchSize: 32, lr: 0.05, momentum: 0.9, ...DEFAULT_RECORDS },
  /** Toneva et al. MNIST: paper's CNN, SGD lr 0.01 momentum 0.5, batch 64, 200 epochs. */
  mnist: { model: "mnist-cnn", dataset: "mnist", epochs: 200, batchSize: 64, lr: 0.01, momentum: 0.5, ...DEFAULT_RECORDS },
  /** Toneva et al. CIFAR-10: ResNet-18, batch 128, lr 0.1 Nesterov 0.9, wd 5e-4, x0.2 at 60/120/160, 200 epochs. */
  cifar: {
    model: "resnet18-cifar",
    dataset: "cifar10",
    epochs: 200,
    batchSize: 128,
    lr: 0.1,
    momentum: 0.9,
    nesterov: true,
    weightDecay: 5e-4,
    schedule: "multistep",
    milestones: [60, 120, 160],
    gamma: 0.2,
    augment: "crop-flip",
    ...DEFAULT_RECORDS,
  },
  /** The ImageNet reference study (dataset "folder": set `folder`): ResNet-50, batch 256, lr 0.1 m 0.9 wd 1e-4, 5 warmup epochs then cosine, 90 epochs; a mid-epoch checkpoint every 30 minutes (an epoch is about an hour on one GPU). */
  imagenet: {
    model: "resnet50",
    dataset: "folder",
    epochs: 90,
    batchSize: 256,
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 1e-4,
    schedule: "warmup-cosine",
    warmupEpochs: 5,
    augment: "rrc-flip",
    trackingMode: "eval",
    checkpointEveryMinutes: 30,
  },
} satisfies Record<string, Partial<TrainConfig>>;

export type TrainPresetName = keyof typeof TRAIN_PRESETS;
export const VALID_PRESETS = Object.keys(TRAIN_PRESETS) as TrainPresetName[];

const WHO = "resolveTrainConfig";

/**
 * Most epochs a run may have: the record of every epoch is held in memory while training
 * (epochs x nExamples / 8 bytes), and the paper's longest recipe has 200.
 */
const MAX_EPOCHS = 100_000;

function checkKeyType(key: string, type: ValueType, value: unknown): void {
  const who = `${WHO}: config.${key}`;
  const fail = (expected: string): never => {
    throw new ValueError(`${who}: expected ${expected}, got ${describeValue(value)}`);
  };
  switch (type) {
    case "string":
      if (typeof value !== "string") fail("a string");
      break;
    case "boolean":
      if (typeof value !== "boolean") fail("true or false");
      break;
    case "number":
      checkFinite(who, value);
      break;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) fail("an integer");
      break;
    case "integer-list":
      if (!Array.isArray(value) || value.some((v) => !Number.isInteger(v))) fail("an array of integers");
      break;
    case "number-list":
      if (!Array.isArray(value) || value.some((v) => typeof v !== "number" || !Number.isFinite(v))) fail("an array of finite numbers");
      break;
    case "string-list":
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) fail("an array of strings");
      break;
  }
}

declare const resolvedBrand: unique symbol;
/**
 * A TrainConfig that resolveTrainConfig filled and checked: only it makes one, and it is
 * frozen, so a function taking this type trusts every field without checking it again.
 */
export type ResolvedTrainConfig = Readonly<TrainConfig> & { readonly [resolvedBrand]: true };

/** Every config resolveTrainConfig returned (frozen, so each is still valid). */
const resolvedConfigs = new WeakSet<object>();

/** True for a config resolveTrainConfig returned; a copy or a spread of one is not. */
export function isResolvedTrainConfig(value: unknown): value is ResolvedTrainConfig {
  return typeof value === "object" && value !== null && resolvedConfigs.has(value);
}

/**
 * Fills `partial` from DEFAULT_TRAIN_CONFIG and checks every field: the one validator of
 * training configs, called where a config enters (CLI flags, experiment.json, manifest.json,
 * a library call). A config it returned before is returned as is, without a second check.
 * @returns a frozen copy in canonical key order.
 * @throws ValueError naming the field, what was expected and what arrived; an unknown key
 *   lists the valid keys, an unknown model/dataset/mode lists the valid choices.
 */
export function resolveTrainConfig(partial: Partial<TrainConfig> = {}): ResolvedTrainConfig {
  if (isResolvedTrainConfig(partial)) return partial;
  if (typeof partial !== "object" || partial === null || Array.isArray(partial)) {
    throw new ValueError(`${WHO}: expected a config object, got ${describeValue(partial)}`);
  }
  const validKeys = Object.keys(TRAIN_CONFIG_KEYS);
  for (const key of Object.keys(partial)) {
    if (!validKeys.includes(key)) {
      throw new ValueError(`${WHO}: unknown config key "${key}"; valid keys: ${validKeys.join(", ")}`);
    }
  }
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG };
  for (const [key, value] of Object.entries(partial) as [keyof TrainConfig, unknown][]) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  }
  for (const [key, spec] of Object.entries(TRAIN_CONFIG_KEYS)) {
    const value = (config as unknown as Record<string, unknown>)[key];
    if (value === undefined) continue;
    checkKeyType(key, spec.type, value);
    if (spec.choices) {
      if (spec.type === "string-list") (value as string[]).forEach((v) => checkOneOf(`${WHO}: config.${key}`, v, spec.choices!));
      else checkOneOf(`${WHO}: config.${key}`, value, spec.choices);
    }
  }
  checkPositiveInteger(`${WHO}: config.epochs`, config.epochs);
  if (config.epochs > MAX_EPOCHS) throw new ValueError(`${WHO}: config.epochs: expected an integer in [1, ${MAX_EPOCHS}] (the record of every epoch is held in memory), got ${config.epochs}`);
  checkPositiveInteger(`${WHO}: config.batchSize`, config.batchSize);
  checkPositiveInteger(`${WHO}: config.evalEvery`, config.evalEvery);
  if (config.lr < 0) throw new ValueError(`${WHO}: config.lr: expected a finite number >= 0, got ${config.lr}`);
  if (config.momentum < 0 || config.momentum >= 1) {
    throw new ValueError(`${WHO}: config.momentum: expected a number in [0, 1), got ${config.momentum}`);
  }
  if (config.nesterov && config.momentum === 0) {
    throw new ValueError(`${WHO}: config.nesterov: expected momentum > 0 with Nesterov momentum, got momentum 0`);
  }
  if (config.weightDecay < 0) throw new ValueError(`${WHO}: config.weightDecay: expected a number >= 0, got ${config.weightDecay}`);
  checkPositive(`${WHO}: config.gamma`, config.gamma);
  if (config.warmupEpochs < 0 || config.warmupEpochs > config.epochs) {
    throw new ValueError(`${WHO}: config.warmupEpochs: expected a number in [0, epochs=${config.epochs}], got ${config.warmupEpochs}`);
  }
  if (config.milestones.some((m) => m <= 0) || config.milestones.some((m, i) => i > 0 && m <= config.milestones[i - 1])) {
    throw new ValueError(`${WHO}: config.milestones: expected increasing integers > 0, got ${describeValue(config.milestones)}`);
  }
  if (!(config.labelNoise >= 0 && config.labelNoise < 1)) {
    throw new ValueError(`${WHO}: config.labelNoise: expected a fraction in [0, 1), got ${config.labelNoise}`);
  }
  if (config.seed < 0) throw new ValueError(`${WHO}: config.seed: expected an integer >= 0, got ${config.seed}`);
  if (new Set(config.recordFloats).size !== config.recordFloats.length) {
    throw new ValueError(`${WHO}: config.recordFloats: expected distinct names, got ${describeValue(config.recordFloats)}`);
  }
  for (const key of ["imageSize", "classIndex", "skipBadFiles"] as const) {
    if (config[key] !== undefined && config.dataset !== "folder") {
      throw new ValueError(`${WHO}: config.${key}: expected dataset "folder" (it sets how image folders are read), got dataset "${config.dataset}"`);
    }
  }
  if (config.dataset === "folder" && !config.folder) {
    throw new ValueError(`${WHO}: config.folder: expected the root folder of dataset "folder" (holding train/ and val/ or test/; --folder), got none`);
  }
  if (config.imageSize !== undefined) checkPositiveInteger(`${WHO}: config.imageSize`, config.imageSize);
  if ((config.normalizeMean === undefined) !== (config.normalizeStd === undefined)) {
    throw new ValueError(`${WHO}: config.normalizeMean/normalizeStd: expected both or neither, got only ${config.normalizeMean ? "normalizeMean" : "normalizeStd"}`);
  }
  if (config.normalizeMean && config.normalizeStd) {
    const { normalizeMean: mean, normalizeStd: std } = config;
    if (mean.length === 0 || mean.length !== std.length || std.some((s) => s <= 0)) {
      throw new ValueError(`${WHO}: config.normalizeMean/normalizeStd: expected equal non-empty lists (one value per channel) with std > 0, got mean ${describeValue(mean)}, std ${describeValue(std)}`);
    }
  }
  if (config.removeIds?.some((id) => id < 0)) {
    throw new ValueError(`${WHO}: config.removeIds: expected exampleIds >= 0, got ${describeValue(config.removeIds)}`);
  }
  if (config.trainFirst !== undefined) checkPositiveInteger(`${WHO}: config.trainFirst`, config.trainFirst);
  if (config.augment === "rrc-flip" && config.dataset !== "folder") {
    throw new ValueError(`${WHO}: config.augment: expected "rrc-flip" only for dataset "folder" (use crop-flip or flip), got dataset "${config.dataset}"`);
  }
  if (config.permutePixels && config.dataset === "folder") {
    throw new ValueError(`${WHO}: config.permutePixels: expected an in-memory dataset (${VALID_DATASETS.filter((d) => d !== "folder").join(", ")}), got dataset "folder"`);
  }
  if (config.permutationSeed !== undefined && !config.permutePixels) {
    throw new ValueError(`${WHO}: config.permutationSeed: expected permutePixels true (it seeds the pixel permutation), got permutePixels false`);
  }
  if (config.permutationSeed !== undefined && config.permutationSeed < 0) {
    throw new ValueError(`${WHO}: config.permutationSeed: expected an integer >= 0, got ${config.permutationSeed}`);
  }
  if (config.permutePixels) config.permutationSeed ??= DEFAULT_PERMUTATION_SEED;
  if (config.threads !== undefined) checkPositiveInteger(`${WHO}: config.threads`, config.threads);
  if (config.checkpointEveryMinutes !== undefined && config.checkpointEveryMinutes < 0) {
    throw new ValueError(`${WHO}: config.checkpointEveryMinutes: expected a number >= 0 (0: checkpoints at epoch ends only), got ${config.checkpointEveryMinutes}`);
  }
  // Unset and the default mean the same (so configs written before the keys existed hash alike).
  if (config.floatStorage === "float32") delete config.floatStorage;
  if (config.recordPredicted === false) delete config.recordPredicted;
  // 0 and unset mean the same: both resolve, serialize and hash (a checkpoint's configSha256) alike, as do configs written before the key existed.
  if (config.checkpointEveryMinutes === 0) delete config.checkpointEveryMinutes;
  // Absolute, so a run resumed or analysed from another folder finds its data.
  for (const key of ["folder", "classIndex"] as const) if (config[key]) config[key] = path.resolve(config[key]);
  // A copy, so the caller's arrays are not frozen with it.
  const resolved = deepFreeze(structuredClone(canonicalConfig(config))) as ResolvedTrainConfig;
  resolvedConfigs.add(resolved);
  return resolved;
}

/** The config with keys in TRAIN_CONFIG_KEYS order and unset optional keys dropped, so equal configs serialize equally. */
function canonicalConfig(config: TrainConfig): TrainConfig {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(TRAIN_CONFIG_KEYS)) {
    const value = (config as unknown as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as unknown as TrainConfig;
}

/** "batchSize" -> "batch-size". */
export function kebabCaseKey(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The one comparison of configs (resume checks, matching a run to the grid, an experiment.json
 * rewritten): the keys whose values differ, in TRAIN_CONFIG_KEYS order. Works on partial
 * configs too, where a key set in one and unset in the other differs; key order never matters.
 */
export function configDifferences(a: Partial<TrainConfig>, b: Partial<TrainConfig>): (keyof TrainConfig)[] {
  const keys = Object.keys(TRAIN_CONFIG_KEYS) as (keyof TrainConfig)[];
  return keys.filter((k) => JSON.stringify(a[k] ?? null) !== JSON.stringify(b[k] ?? null));
}

/**
 * The differences of two configs for an error message: `<key>: recorded <value>, given <value>`
 * per differing key, joined by "; ".
 * @param keyName how a key is shown, e.g. as its command-line flag; default the TrainConfig key.
 */
export function describeConfigDifferences(recorded: Partial<TrainConfig>, given: Partial<TrainConfig>, keyName: (key: keyof TrainConfig) => string = (key) => key): string {
  return configDifferences(recorded, given)
    .map((k) => `${keyName(k)}: recorded ${describeValue(recorded[k])}, given ${describeValue(given[k])}`)
    .join("; ");
}
