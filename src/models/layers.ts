/**
 * Layer helpers shared by the model files, with PyTorch's conventions: convolutions without
 * bias before BatchNorm, BatchNorm with epsilon 1e-5 and running-average momentum 0.1
 * (./batch_norm.ts), weights drawn later by init.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { ADD_RELU_KERNEL, RELU_GRAD_KERNEL, SUBSAMPLE_PAD_GRAD_KERNEL, SUBSAMPLE_PAD_KERNEL } from "../core/kernelNames";
import { BatchNorm } from "./batch_norm";
import { Conv2D } from "./conv";

type SymbolicTensor = tf.SymbolicTensor;

export interface ConvOptions {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** "same" (default): PyTorch's padding = (kernelSize - 1) / 2 on every side; "valid": none. */
  padding?: "same" | "valid";
  useBias?: boolean;
  /** "relu": relu applied in the convolution's kernel (see conv.ts). Default: none. */
  activation?: "relu";
  name: string;
}

/** A 2-D convolution with PyTorch's symmetric zero padding (see conv.ts). */
export function conv(x: SymbolicTensor, options: ConvOptions): SymbolicTensor {
  const { filters, kernelSize, strides = 1, padding = "same", useBias = false, activation, name } = options;
  const pixels = padding === "same" ? (kernelSize - 1) / 2 : 0;
  return new Conv2D({ filters, kernelSize, strides, padding: pixels, useBias, activation, name }).apply(x) as SymbolicTensor;
}

/** BatchNorm over the channel axis with PyTorch's epsilon and momentum (see batch_norm.ts), optionally followed by relu in the same kernel. */
export function batchNorm(x: SymbolicTensor, name: string, activation?: "relu"): SymbolicTensor {
  return new BatchNorm({ epsilon: 1e-5, momentum: 0.1, activation, name }).apply(x) as SymbolicTensor;
}

export function relu(x: SymbolicTensor, name: string): SymbolicTensor {
  return tf.layers.activation({ activation: "relu", name }).apply(x) as SymbolicTensor;
}

/** A fully connected layer (PyTorch Linear); `activation` defaults to none (logits). */
export function dense(x: SymbolicTensor, units: number, name: string, activation?: "relu"): SymbolicTensor {
  return tf.layers.dense({ units, activation, kernelInitializer: "zeros", biasInitializer: "zeros", name }).apply(x) as SymbolicTensor;
}

interface OptionAShortcutArgs {
  /** Subsampling stride (2 in the CIFAR ResNets). */
  strides: number;
  /** Zero channels added before and after the input's channels. */
  before: number;
  after: number;
  name?: string;
}

/**
 * The parameter-free "option A" shortcut of the CIFAR ResNets (He et al. 2016, section 4.2):
 * x[:, ::s, ::s, :] with zero channels appended, [batch, H, W, C] -> [batch, H/s, W/s, C + extra].
 * One kernel each way where the backend has SUBSAMPLE_PAD_KERNEL; elsewhere a composition
 * whose gradient is written out (cut the channels, spread back with zeros) because the stock
 * gradients of its parts (AvgPoolGrad, a strided slice) are slow on wasm.
 */
export class OptionAShortcut extends tf.layers.Layer {
  static className = "OptionAShortcut";
  readonly strides: number;
  readonly before: number;
  readonly after: number;

  constructor(args: OptionAShortcutArgs) {
    super({ name: args.name });
    this.strides = args.strides;
    this.before = args.before;
    this.after = args.after;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, height, width, channels] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const down = (n: number | null): number | null => (n === null ? null : Math.ceil(n / this.strides));
    return [batch, down(height), down(width), channels === null ? null : channels + this.before + this.after];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const [batch, height, width, channels] = x.shape;
    const s = this.strides;
    const attrs = { strides: s, before: this.before, after: this.after };
    if (tf.getKernel(SUBSAMPLE_PAD_KERNEL, tf.getBackend())) {
      const native = tf.customGrad((...args: unknown[]) => ({
        value: tf.engine().runKernel<tf.Tensor4D>(SUBSAMPLE_PAD_KERNEL, { x: args[0] as tf.Tensor4D }, attrs),
        gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.engine().runKernel<tf.Tensor4D>(SUBSAMPLE_PAD_GRAD_KERNEL, { x: dy as tf.Tensor4D }, { ...attrs, inputShape: x.shape }),
      }));
      return native(x);
    }
    const shortcut = tf.customGrad((...args: unknown[]) => {
      const input = args[0] as tf.Tensor4D;
      const sub = tf.avgPool(input, 1, s, "valid"); // [batch, ceil(H/s), ceil(W/s), C]
      const value = tf.pad(sub, [[0, 0], [0, 0], [0, 0], [this.before, this.after]]);
      return {
        value,
        gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
          const [, outH, outW] = sub.shape;
          const inner = tf.slice(dy as tf.Tensor4D, [0, 0, 0, this.before], [batch, outH, outW, channels]);
          // Put each gradient pixel back at (r*s, c*s), zeros in between: [batch, outH*s, outW*s, C].
          const spread = tf.reshape(
            tf.pad(tf.reshape(inner, [batch, outH, 1, outW, 1, channels]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]),
            [batch, outH * s, outW * s, channels],
          );
          return outH * s === height && outW * s === width ? spread : tf.slice(spread, [0, 0, 0, 0], [batch, height, width, channels]);
        },
      };
    });
    return shortcut(x);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), strides: this.strides, before: this.before, after: this.after };
  }
}

/**
 * relu(a + b) of two same-shape inputs, the end of a residual block: one kernel where the backend
 * has ADD_RELU_KERNEL (its gradient one RELU_GRAD_KERNEL call), else tf.relu(tf.add(a, b)).
 */
export class AddRelu extends tf.layers.Layer {
  static className = "AddRelu";

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [a, b] = inputs as tf.Tensor[];
    const backend = tf.getBackend();
    if (!tf.getKernel(ADD_RELU_KERNEL, backend) || !tf.getKernel(RELU_GRAD_KERNEL, backend)) return tf.relu(tf.add(a, b));
    const fused = tf.customGrad((...args: unknown[]) => {
      const [left, right, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const y = tf.engine().runKernel<tf.Tensor>(ADD_RELU_KERNEL, { a: left, b: right });
      save([y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          // relu(a + b) > 0 exactly where a + b > 0, so the saved output selects the gradient.
          const d = tf.engine().runKernel<tf.Tensor>(RELU_GRAD_KERNEL, { dy: dy as tf.Tensor, x: saved[0] });
          return [d, tf.clone(d)];
        },
      };
    });
    return fused(a, b);
  }
}

/** relu(a + b): a residual block's sum and its relu in one layer (see AddRelu). */
export function addRelu(a: SymbolicTensor, b: SymbolicTensor, name: string): SymbolicTensor {
  return new AddRelu({ name }).apply([a, b]) as SymbolicTensor;
}

let customLayersRegistered = false;

/** Registers the custom layers for model save/load; called by buildModel (idempotent). */
export function registerCustomLayers(): void {
  if (customLayersRegistered) return;
  tf.serialization.registerClass(OptionAShortcut);
  tf.serialization.registerClass(BatchNorm);
  tf.serialization.registerClass(Conv2D);
  tf.serialization.registerClass(AddRelu);
  customLayersRegistered = true;
}
