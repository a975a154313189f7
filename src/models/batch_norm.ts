/**
 * BatchNorm over the last (channel) axis with PyTorch's semantics and a fused gradient.
 *
 * Why not tf.layers.batchNormalization: in training it builds the batch statistics from
 * tf.moments and feeds them to the FusedBatchNorm op, so the tape differentiates through
 * mean, squared difference, mean and the op itself: about a dozen passes over the activation
 * in the backward pass (the largest cost of a ResNet step on wasm after the convolutions).
 * Here the whole training-mode normalization is one tf.customGrad with the closed-form gradient
 *   dx = gamma / sigma * (dy - mean(dy) - xhat * mean(dy * xhat)),  xhat = (x - mu) / sigma,
 * which needs two per-channel sums and four element-wise passes. Where the backend registers
 * the project's batch-norm kernels (oneDNN under wasm, src/backend/onednn.ts), forward and
 * gradient are one kernel each.
 *
 * Semantics (PyTorch BatchNorm2d/1d): training normalizes with the biased batch variance and
 * updates running_mean/running_var with momentum 0.1 (running_var from the unbiased variance);
 * inference uses the running statistics. Weights, in getWeights() order: gamma [C], beta [C],
 * moving_mean [C], moving_variance [C] (the same order as tf.layers.batchNormalization).
 */
import * as tf from "@tensorflow/tfjs";
import { BATCH_NORM_TRAINING_GRAD_KERNEL, BATCH_NORM_TRAINING_KERNEL } from "../core/kernelNames";

export interface BatchNormArgs {
  name?: string;
  /** Added to the variance before the square root. PyTorch default 1e-5. */
  epsilon?: number;
  /** Weight of the new batch statistic in the running averages. PyTorch default 0.1. */
  momentum?: number;
  /** "relu": relu(BN(x)), in the same kernel where the backend has one (BN + relu fused). Default: none. */
  activation?: "relu";
}

/** Per-channel sums of a [rows, channels] matrix, as [channels] (fast on wasm: see src/backend). */
function channelSums(x2d: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(x2d, 0);
}

/** The part of tfjs-layers' LayerVariable (returned by addWeight) used here. */
interface LayerVariable {
  read(): tf.Tensor;
  write(value: tf.Tensor): void;
}

export class BatchNorm extends tf.layers.Layer {
  static className = "BatchNorm";
  readonly epsilon: number;
  readonly momentum: number;
  readonly activation: "relu" | undefined;
  private gamma!: LayerVariable;
  private beta!: LayerVariable;
  private movingMean!: LayerVariable;
  private movingVariance!: LayerVariable;

  constructor(args: BatchNormArgs = {}) {
    super({ name: args.name });
    this.epsilon = args.epsilon ?? 1e-5;
    this.momentum = args.momentum ?? 0.1;
    this.activation = args.activation;
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels === null) throw new Error(`BatchNorm ${this.name}: the channel axis needs a known size`);
    this.gamma = this.addWeight("gamma", [channels], "float32", tf.initializers.ones(), undefined, true);
    this.beta = this.addWeight("beta", [channels], "float32", tf.initializers.zeros(), undefined, true);
    this.movingMean = this.addWeight("moving_mean", [channels], "float32", tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight("moving_variance", [channels], "float32", tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const gamma = this.gamma.read();
    const beta = this.beta.read();
    if (!kwargs.training) {
      return tf.tidy(() => {
        const scale = tf.mul(gamma, tf.rsqrt(tf.add(this.movingVariance.read(), this.epsilon)));
        const shift = tf.sub(beta, tf.mul(this.movingMean.read(), scale));
        const y = tf.add(tf.mul(x, scale), shift);
        return this.activation ? tf.relu(y) : y;
      });
    }
    const channels = x.shape[x.shape.length - 1];
    const rows = x.size / channels;
    let batchMean: tf.Tensor | null = null;
    let batchVariance: tf.Tensor | null = null;
    const backend = tf.getBackend();
    const native = tf.getKernel(BATCH_NORM_TRAINING_KERNEL, backend) && tf.getKernel(BATCH_NORM_TRAINING_GRAD_KERNEL, backend);
    const normalizeNative = tf.customGrad((...args: unknown[]) => {
      const [input, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
      const x2d = tf.reshape<tf.Rank.R2>(input, [rows, channels]);
      const relu = this.activation === "relu";
      const attrs = { epsilon: this.epsilon, relu };
      const [y2d, mean, variance, workspace] = tf.engine().runKernel<tf.Tensor[]>(BATCH_NORM_TRAINING_KERNEL, { x: x2d, gamma: g, beta: b }, attrs);
      batchMean = tf.keep(mean);
      batchVariance = tf.keep(variance);
      save(relu ? [x2d, mean, variance, g, workspace] : [x2d, mean, variance, g]);
      return {
        value: tf.reshape(y2d, input.shape),
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [xSaved, meanSaved, varianceSaved, gammaSaved, workspace] = saved;
          const dy2d = tf.reshape(dy as tf.Tensor, [rows, channels]);
          const inputs = { x: xSaved, dy: dy2d, mean: meanSaved, variance: varianceSaved, gamma: gammaSaved, ...(workspace ? { workspace } : {}) };
          const [dx, dGamma, dBeta] = tf.engine().runKernel<tf.Tensor[]>(BATCH_NORM_TRAINING_GRAD_KERNEL, inputs, attrs);
          return [tf.reshape(dx, x.shape), dGamma, dBeta];
        },
      };
    });
    const normalizeComposed = tf.customGrad((...args: unknown[]) => {
      const [input, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
      const x2d = tf.reshape<tf.Rank.R2>(input, [rows, channels]); // [rows, C]
      const mean = tf.div(channelSums(x2d), rows); // [C]
      const centered = tf.sub<tf.Tensor2D>(x2d, mean); // [rows, C]
      const variance = tf.div(channelSums(tf.square<tf.Tensor2D>(centered)), rows); // [C], biased
      const invStd = tf.rsqrt(tf.add(variance, this.epsilon)); // [C]
      const y = tf.reshape(tf.add(tf.mul(centered, tf.mul(g, invStd)), b), input.shape);
      // Survive customGrad's tidy for the running-average update below.
      batchMean = tf.keep(mean);
      batchVariance = tf.keep(variance);
      save([centered, invStd, g]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [xc, inv, gammaSaved] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
          const dy2d = tf.reshape<tf.Rank.R2>(dy as tf.Tensor, [rows, channels]);
          const sumDy = channelSums(dy2d); // [C]
          const sumDyCentered = channelSums(tf.mul<tf.Tensor2D>(dy2d, xc)); // [C]
          const scale = tf.mul(gammaSaved, inv); // gamma / sigma
          // dx = scale * dy - scale * sumDy / n - scale * inv^2 * sumDyCentered / n * (x - mu)
          const centeredFactor = tf.neg(tf.div(tf.mul(scale, tf.mul(tf.square(inv), sumDyCentered)), rows));
          const offset = tf.neg(tf.div(tf.mul(scale, sumDy), rows));
          const dx = tf.add(tf.add(tf.mul(dy2d, scale), tf.mul(xc, centeredFactor)), offset);
          return [tf.reshape(dx, x.shape), tf.mul(sumDyCentered, inv), sumDy];
        },
      };
    });
    let y = (native ? normalizeNative : normalizeComposed)(x, gamma, beta);
    if (this.activation && !native) {
      const normalized = y;
      y = tf.relu(normalized);
      normalized.dispose();
    }
    tf.tidy(() => {
      const unbiased = tf.mul(batchVariance!, rows / Math.max(rows - 1, 1));
      const keep = 1 - this.momentum;
      this.movingMean.write(tf.add(tf.mul(this.movingMean.read(), keep), tf.mul(batchMean!, this.momentum)));
      this.movingVariance.write(tf.add(tf.mul(this.movingVariance.read(), keep), tf.mul(unbiased, this.momentum)));
    });
    tf.dispose([batchMean!, batchVariance!]);
    return y;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, momentum: this.momentum, ...(this.activation ? { activation: this.activation } : {}) };
  }
}
