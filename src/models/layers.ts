/**
 * Layer helpers shared by the model files, with PyTorch's conventions: convolutions without
 * bias before BatchNorm, BatchNorm with epsilon 1e-5 and running-average momentum 0.1
 * (tfjs' `momentum` is the weight of the old value, so 0.9), weights drawn later by init.ts.
 */
import * as tf from "@tensorflow/tfjs";

type SymbolicTensor = tf.SymbolicTensor;

export interface ConvOptions {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** "same" (default) or "valid". */
  padding?: "same" | "valid";
  useBias?: boolean;
  name: string;
}

/**
 * A 2-D convolution with PyTorch's symmetric zero padding. For a stride-1 odd kernel, tfjs'
 * "same" pads (k - 1) / 2 on every side, as PyTorch's padding = k // 2. With stride 2 on even
 * sizes, tfjs' "same" would pad only bottom/right, while PyTorch pads top/left too; an explicit
 * ZeroPadding2D then a "valid" conv reproduces PyTorch's geometry exactly.
 */
export function conv(x: SymbolicTensor, options: ConvOptions): SymbolicTensor {
  const { filters, kernelSize, strides = 1, padding = "same", useBias = false, name } = options;
  let input = x;
  let convPadding = padding;
  const half = (kernelSize - 1) / 2;
  if (padding === "same" && strides > 1 && half > 0) {
    input = tf.layers.zeroPadding2d({ padding: [[half, half], [half, half]], name: `${name}.pad` }).apply(x) as SymbolicTensor;
    convPadding = "valid";
  }
  return tf.layers
    .conv2d({ filters, kernelSize, strides, padding: convPadding, useBias, kernelInitializer: "zeros", biasInitializer: "zeros", name })
    .apply(input) as SymbolicTensor;
}

/** BatchNorm over the channel axis with PyTorch's epsilon and momentum. */
export function batchNorm(x: SymbolicTensor, name: string): SymbolicTensor {
  return tf.layers.batchNormalization({ axis: -1, epsilon: 1e-5, momentum: 0.9, name }).apply(x) as SymbolicTensor;
}

export function relu(x: SymbolicTensor, name: string): SymbolicTensor {
  return tf.layers.activation({ activation: "relu", name }).apply(x) as SymbolicTensor;
}

/** A fully connected layer (PyTorch Linear); `activation` defaults to none (logits). */
export function dense(x: SymbolicTensor, units: number, name: string, activation?: "relu"): SymbolicTensor {
  return tf.layers.dense({ units, activation, kernelInitializer: "zeros", biasInitializer: "zeros", name }).apply(x) as SymbolicTensor;
}

interface ChannelZeroPadArgs {
  /** Zero channels added before and after the input's channels. */
  before: number;
  after: number;
  name?: string;
}

/**
 * Pads the channel axis of [batch, H, W, C] with zeros: the parameter-free "option A"
 * shortcut of the CIFAR ResNets (He et al. 2016, section 4.2), after a stride-2 subsample.
 */
export class ChannelZeroPad extends tf.layers.Layer {
  static className = "ChannelZeroPad";
  readonly before: number;
  readonly after: number;

  constructor(args: ChannelZeroPadArgs) {
    super({ name: args.name });
    this.before = args.before;
    this.after = args.after;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    return [...shape.slice(0, -1), channels === null ? null : channels + this.before + this.after];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.pad(x as tf.Tensor4D, [[0, 0], [0, 0], [0, 0], [this.before, this.after]]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), before: this.before, after: this.after };
  }
}

let customLayersRegistered = false;

/** Registers the custom layers for model save/load; called by buildModel (idempotent). */
export function registerCustomLayers(): void {
  if (customLayersRegistered) return;
  tf.serialization.registerClass(ChannelZeroPad);
  customLayersRegistered = true;
}
