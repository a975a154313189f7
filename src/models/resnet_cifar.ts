/**
 * ResNets for 32x32 CIFAR images (3x3 stem, no max pool). Output: logits [batch, nClasses].
 *
 * - ResNet-20 (He et al. 2016, section 4.2): conv3x3(16) - BN - relu, three stages of three
 *   basic blocks with 16, 32, 64 channels (stride 2 at the start of stages 2 and 3), global
 *   average pool, fc. Shortcuts are "option A": identity, or a stride-2 subsample with zero
 *   channels appended when the shape changes (no parameters). 269,722 parameters at 10 classes.
 * - ResNet-18 for CIFAR as in the forgetting paper's code (kuangliu/pytorch-cifar):
 *   conv3x3(64) - BN - relu, stages of two basic blocks with 64, 128, 256, 512 channels,
 *   projection shortcuts (1x1 conv + BN) when the shape changes, global average pool, fc.
 *   11,173,962 parameters at 10 classes.
 *
 * A relu right after a BN runs in the BN layer, and a block's residual sum and its relu run in
 * one AddRelu layer (each one kernel where the backend has it).
 */
import * as tf from "@tensorflow/tfjs";
import { OptionAShortcut, addRelu, batchNorm, conv, dense } from "./layers";

type SymbolicTensor = tf.SymbolicTensor;
type Shortcut = "zero-pad" | "projection";

/** conv3x3 - BN - relu - conv3x3 - BN, plus the shortcut, then relu. Names follow torchvision. */
function basicBlock(x: SymbolicTensor, filters: number, strides: number, shortcut: Shortcut, name: string): SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1] as number;
  let y = conv(x, { filters, kernelSize: 3, strides, name: `${name}.conv1` });
  y = batchNorm(y, `${name}.bn1`, "relu");
  y = conv(y, { filters, kernelSize: 3, name: `${name}.conv2` });
  y = batchNorm(y, `${name}.bn2`);
  let skip = x;
  if (strides !== 1 || inChannels !== filters) {
    if (shortcut === "projection") {
      skip = conv(x, { filters, kernelSize: 1, strides, name: `${name}.downsample.0` });
      skip = batchNorm(skip, `${name}.downsample.1`);
    } else {
      const extra = filters - inChannels;
      const before = Math.floor(extra / 2);
      skip = new OptionAShortcut({ strides, before, after: extra - before, name: `${name}.shortcut` }).apply(x) as SymbolicTensor;
    }
  }
  return addRelu(y, skip, `${name}.relu2`);
}

function cifarResnet(
  inputShape: number[],
  nClasses: number,
  spec: { stem: number; stages: number[]; blocks: number; shortcut: Shortcut; name: string },
): tf.LayersModel {
  const input = tf.input({ shape: inputShape, name: "input" });
  let x = conv(input, { filters: spec.stem, kernelSize: 3, name: "conv1" });
  x = batchNorm(x, "bn1", "relu");
  spec.stages.forEach((filters, stage) => {
    for (let block = 0; block < spec.blocks; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      x = basicBlock(x, filters, strides, spec.shortcut, `layer${stage + 1}.${block}`);
    }
  });
  x = tf.layers.globalAveragePooling2d({ name: "avgpool" }).apply(x) as SymbolicTensor;
  const logits = dense(x, nClasses, "fc");
  return tf.model({ inputs: input, outputs: logits, name: spec.name });
}

/** @param inputShape [32, 32, 3] for CIFAR (H, W divisible by 4). */
export function resnet20Cifar(inputShape: number[], nClasses: number): tf.LayersModel {
  return cifarResnet(inputShape, nClasses, { stem: 16, stages: [16, 32, 64], blocks: 3, shortcut: "zero-pad", name: "resnet20-cifar" });
}

/** @param inputShape [32, 32, 3] for CIFAR (H, W divisible by 8). */
export function resnet18Cifar(inputShape: number[], nClasses: number): tf.LayersModel {
  return cifarResnet(inputShape, nClasses, { stem: 64, stages: [64, 128, 256, 512], blocks: 2, shortcut: "projection", name: "resnet18-cifar" });
}
