/**
 * Model factory. Every model maps images [batch, H, W, C] to LOGITS [batch, nClasses] (no
 * softmax: the loss applies log-softmax itself) and is initialized from a seed alone.
 */
import type * as tf from "@tensorflow/tfjs";
import { ValueError, checkPositiveInteger, describeValue } from "../core/errors";
import { digitsCnn } from "./digits_cnn";
import { digitsMlp } from "./digits_mlp";
import { type InitScheme, initializeWeights } from "./init";
import { registerCustomLayers } from "./layers";
import { mnistCnn } from "./mnist_cnn";
import { resnet18Cifar, resnet20Cifar } from "./resnet_cifar";
import { resnet50 } from "./resnet50";
import type { ModelName } from "../config/train";

export interface BuildModelOptions {
  /** One image, [H, W, C]: [28, 28, 1] MNIST, [8, 8, 1] digits, [32, 32, 3] CIFAR, [224, 224, 3] ImageNet. */
  inputShape: number[];
  /** Number of classes = width of the logits. */
  nClasses: number;
  /** Seed of the weight initialization (same seed, same weights), an integer. */
  seed: number;
}

interface ModelSpec {
  build(inputShape: number[], nClasses: number): tf.LayersModel;
  init: InitScheme;
  /** Smallest H and W the architecture accepts. */
  minSize: number;
}

const MODELS: Record<ModelName, ModelSpec> = {
  "mnist-cnn": { build: mnistCnn, init: "pytorch-default", minSize: 16 },
  "digits-mlp": { build: digitsMlp, init: "pytorch-default", minSize: 1 },
  "digits-cnn": { build: digitsCnn, init: "pytorch-default", minSize: 4 },
  "resnet20-cifar": { build: resnet20Cifar, init: "kaiming-fan-out", minSize: 4 },
  "resnet18-cifar": { build: resnet18Cifar, init: "kaiming-fan-out", minSize: 8 },
  "resnet50": { build: resnet50, init: "kaiming-fan-out", minSize: 32 },
};

/**
 * Builds a model with seeded weights.
 * @returns a tf.LayersModel from [batch, ...inputShape] to logits [batch, nClasses]
 * The name and seed come from a resolved config (resolveTrainConfig checked them); the
 * shape and class count come from the data, so they are checked here.
 * @throws ValueError for a bad input shape or nClasses
 */
export function buildModel(name: ModelName, options: BuildModelOptions): tf.LayersModel {
  const { inputShape, nClasses, seed } = options;
  checkModelInput(name, inputShape, nClasses);
  registerCustomLayers();
  const built = MODELS[name].build(inputShape, nClasses);
  initializeWeights(built, seed, MODELS[name].init);
  return built;
}

/**
 * Checks that model `name` takes images of `inputShape` ([H, W, C]) and `nClasses` classes,
 * without building it: train() calls it before the run folder is created.
 * @throws ValueError for a bad input shape (or one below the model's smallest H and W) or nClasses
 */
export function checkModelInput(name: ModelName, inputShape: number[], nClasses: number): void {
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || inputShape.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new ValueError(`buildModel(${name}): inputShape expected [H, W, C] of positive integers, got ${describeValue(inputShape)}`);
  }
  const spec = MODELS[name];
  if (inputShape[0] < spec.minSize || inputShape[1] < spec.minSize) {
    throw new ValueError(`buildModel(${name}): inputShape expected H and W >= ${spec.minSize}, got ${describeValue(inputShape)}`);
  }
  checkPositiveInteger(`buildModel(${name}): nClasses`, nClasses);
}

/** Number of trainable parameters (what PyTorch's sum(p.numel() for p in parameters()) counts). */
export function countTrainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((total, w) => total + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
}
