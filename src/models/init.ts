/**
 * Seeded weight initialization. Layers are built with zero initializers, then every weight is
 * drawn here from a `Random` keyed by (seed, "init", layer name, weight index), so the same seed
 * gives bit-identical weights on every backend and adding a layer does not shift the others.
 *
 * Schemes follow PyTorch, so results compare with the reference code:
 * - "pytorch-default": Conv2d and Linear defaults, weight and bias ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn))
 *   (kaiming_uniform_ with a = sqrt(5)). Used by the paper's MNIST CNN and the digits models.
 * - "kaiming-fan-out": torchvision ResNets: conv weights ~ N(0, 2 / fanOut) with
 *   fanOut = kh * kw * outChannels (kaiming_normal_, mode "fan_out", relu); the final Linear
 *   keeps PyTorch's default. BatchNorm: gamma 1, beta 0, running mean 0, running variance 1.
 */
import * as tf from "@tensorflow/tfjs";
import { Random } from "../core/random";

export type InitScheme = "pytorch-default" | "kaiming-fan-out";

function uniformValues(size: number, bound: number, rng: Random): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

function normalValues(size: number, std: number, rng: Random): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal() * std;
  return out;
}

/**
 * Values for one weight of a layer.
 * @param className layer class ("ForgettingConv2D" or tfjs' "Conv2D", "Dense", ...)
 * @param index position of the weight in layer.getWeights() (0 kernel, 1 bias for Conv2D/Dense)
 * @param shape conv kernel [kh, kw, inC, outC]; dense kernel [in, out]; bias [out]
 * @returns null to keep the value the layer was built with (zeros, BatchNorm's ones)
 */
function initialValues(className: string, index: number, shape: number[], fanIn: number, scheme: InitScheme, rng: Random): Float32Array | null {
  const size = shape.reduce((a, b) => a * b, 1);
  const defaultBound = 1 / Math.sqrt(fanIn);
  if (className === "Conv2D" || className === "ForgettingConv2D") {
    if (index === 0 && scheme === "kaiming-fan-out") {
      const [kh, kw, , outC] = shape;
      return normalValues(size, Math.sqrt(2 / (kh * kw * outC)), rng);
    }
    return uniformValues(size, defaultBound, rng);
  }
  if (className === "Dense") return uniformValues(size, defaultBound, rng);
  return null;
}

/** Overwrites every Conv2D and Dense weight of `model` with seeded values (see module doc). */
export function initializeWeights(model: tf.LayersModel, seed: number, scheme: InitScheme): void {
  for (const layer of model.layers) {
    const className = layer.getClassName();
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    // Fan-in comes from the kernel: conv [kh, kw, inC, outC] -> kh*kw*inC; dense [in, out] -> in.
    const kernelShape = weights[0].shape;
    const fanIn = kernelShape.slice(0, -1).reduce((a, b) => a * b, 1);
    let changed = false;
    const next = weights.map((w, index) => {
      const values = initialValues(className, index, w.shape, fanIn, scheme, new Random(seed, "init", layer.name, index));
      if (!values) return w;
      changed = true;
      return tf.tensor(values, w.shape, "float32");
    });
    if (changed) {
      layer.setWeights(next);
      tf.dispose(next.filter((t, i) => t !== weights[i]));
    }
  }
}
