/**
 * A 2-D convolution layer with PyTorch's geometry: symmetric zero padding of p pixels on every
 * side (Conv2d(padding=p)), any stride, optional bias.
 *
 * Why not tf.layers.conv2d: it always calls the fused conv op, whose gradient computes the
 * input gradient even where nothing needs it (the first layer: a wasted backward conv, about a
 * sixth of an MNIST CNN step on wasm), and its "same" padding is asymmetric for stride 2. This
 * layer calls tf.conv2d (whose gradient is lazy per input) and adds the bias separately.
 * Weights, in getWeights() order: kernel [kh, kw, inC, outC], bias [outC] (if useBias).
 */
import * as tf from "@tensorflow/tfjs";

export interface Conv2DArgs {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** Zero pixels added on each side (PyTorch's padding). Default 0. */
  padding?: number;
  useBias?: boolean;
  name?: string;
}

interface LayerVariable {
  read(): tf.Tensor;
}

export class Conv2D extends tf.layers.Layer {
  static className = "ForgettingConv2D";
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: number;
  readonly useBias: boolean;
  private kernel!: LayerVariable;
  private bias: LayerVariable | null = null;

  constructor(args: Conv2DArgs) {
    super({ name: args.name });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? 0;
    this.useBias = args.useBias ?? false;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inChannels = shape[shape.length - 1];
    if (inChannels === null) throw new Error(`Conv2D ${this.name}: the channel axis needs a known size`);
    const k = this.kernelSize;
    this.kernel = this.addWeight("kernel", [k, k, inChannels, this.filters], "float32", tf.initializers.zeros(), undefined, true);
    if (this.useBias) this.bias = this.addWeight("bias", [this.filters], "float32", tf.initializers.zeros(), undefined, true);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, height, width] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const out = (n: number | null): number | null => (n === null ? null : Math.floor((n + 2 * this.padding - this.kernelSize) / this.strides) + 1);
    return [batch, out(height), out(width), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const p = this.padding;
      const pad: "valid" | tf.backend_util.ExplicitPadding = p === 0 ? "valid" : [[0, 0], [p, p], [p, p], [0, 0]];
      const y = tf.conv2d(x, this.kernel.read() as tf.Tensor4D, this.strides, pad);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, useBias: this.useBias };
  }
}
