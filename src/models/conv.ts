/**
 * A 2-D convolution layer with PyTorch's geometry: symmetric zero padding of p pixels on every
 * side (Conv2d(padding=p)), any stride, optional bias, optional relu.
 *
 * Why not tf.layers.conv2d: it calls tf.fused.conv2d, whose gradient (a customGrad) computes the
 * input gradient even where nothing needs it (the first layer: a wasted backward conv, about a
 * sixth of an MNIST CNN step on wasm), and its "same" padding is asymmetric for stride 2. This
 * layer runs the FusedConv2D kernel itself (bias and relu in the convolution's output pass,
 * one kernel call instead of three) with the gradient below, lazy per input like tf.conv2d's;
 * without bias and relu it calls tf.conv2d.
 * Weights, in getWeights() order: kernel [kh, kw, inC, outC], bias [outC] (if useBias).
 */
import * as tf from "@tensorflow/tfjs";

type Pad = "valid" | tf.backend_util.ExplicitPadding;

/**
 * Gradient of the FusedConv2D kernel (bias, relu or none) with a closure per input, so only
 * the gradients something needs are computed. tf.fused.conv2d never reaches it (its customGrad
 * wins); registered for all backends (tfjs' gradient registry is global) on first use.
 */
const fusedConv2DGradient: tf.GradConfig = {
  kernelName: "FusedConv2D",
  inputsToSave: ["x", "filter"],
  outputsToSave: [true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
    const [x, filter, y] = saved;
    const { strides, pad, dataFormat, activation } = attrs as { strides: number; pad: Pad; dataFormat: string; activation: string };
    if (activation !== "linear" && activation !== "relu") throw new Error(`Conv2D layer gradient: expected activation "linear" or "relu", got "${activation}"`);
    // relu: y > 0 exactly where the pre-activation is (step(0) = 0, as tfjs' Relu gradient).
    const dyAct = activation === "relu" ? tf.mul(dy as tf.Tensor, tf.step(y)) : (dy as tf.Tensor);
    const geometry = { strides, pad, dataFormat };
    return {
      x: () => tf.engine().runKernel<tf.Tensor>("Conv2DBackpropInput", { dy: dyAct, filter }, { ...geometry, inputShape: x.shape }),
      filter: () => tf.engine().runKernel<tf.Tensor>("Conv2DBackpropFilter", { x, dy: dyAct }, { ...geometry, filterShape: filter.shape }),
      bias: () => tf.sum(dyAct, [0, 1, 2]),
    };
  },
};

let gradientRegistered = false;

/** y = activation(conv2d(x, filter) + bias) as one FusedConv2D kernel call with the gradient above. */
function fusedConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | null, strides: number, pad: Pad, activation: "linear" | "relu"): tf.Tensor4D {
  if (!gradientRegistered) {
    tf.registerGradient(fusedConv2DGradient);
    gradientRegistered = true;
  }
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  const attrs = { strides, pad, dataFormat: "NHWC", dilations: 1, activation, leakyreluAlpha: 0 };
  return tf.engine().runKernel<tf.Tensor4D>("FusedConv2D", inputs, attrs);
}

export interface Conv2DArgs {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** Zero pixels added on each side (PyTorch's padding). Default 0. */
  padding?: number;
  useBias?: boolean;
  /** "relu" applies relu to the output, in the same kernel. Default: none. */
  activation?: "relu";
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
  readonly activation: "relu" | undefined;
  private kernel!: LayerVariable;
  private bias: LayerVariable | null = null;

  constructor(args: Conv2DArgs) {
    super({ name: args.name });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? 0;
    this.useBias = args.useBias ?? false;
    this.activation = args.activation;
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
      const kernel = this.kernel.read() as tf.Tensor4D;
      if (!this.bias && !this.activation) return tf.conv2d(x, kernel, this.strides, pad);
      return fusedConv2d(x, kernel, this.bias ? (this.bias.read() as tf.Tensor1D) : null, this.strides, pad, this.activation ?? "linear");
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding, useBias: this.useBias, ...(this.activation ? { activation: this.activation } : {}) };
  }
}
