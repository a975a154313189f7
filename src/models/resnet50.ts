/**
 * ResNet-50 with torchvision's layout (resnet50, "v1.5"): 7x7 stride-2 conv(64, no bias) - BN -
 * relu - 3x3 stride-2 max pool, bottleneck stages [3, 4, 6, 3] with widths 64, 128, 256, 512
 * (x4 expansion) and the stride in the 3x3 conv, projection shortcut (1x1 conv + BN) on the first
 * block of each stage, global average pool, fc. 25,557,032 parameters at 1000 classes.
 * Output: logits [batch, nClasses]. Layer names follow torchvision's state_dict keys.
 */
import * as tf from "@tensorflow/tfjs";
import { addRelu, batchNorm, conv, dense } from "./layers";

type SymbolicTensor = tf.SymbolicTensor;

const EXPANSION = 4;

/** 1x1 (width) - 3x3 (width, stride) - 1x1 (4 * width), each with BN, plus the shortcut. */
function bottleneck(x: SymbolicTensor, width: number, strides: number, name: string): SymbolicTensor {
  const inChannels = x.shape[x.shape.length - 1] as number;
  const outChannels = width * EXPANSION;
  let y = conv(x, { filters: width, kernelSize: 1, name: `${name}.conv1` });
  y = batchNorm(y, `${name}.bn1`, "relu");
  y = conv(y, { filters: width, kernelSize: 3, strides, name: `${name}.conv2` });
  y = batchNorm(y, `${name}.bn2`, "relu");
  y = conv(y, { filters: outChannels, kernelSize: 1, name: `${name}.conv3` });
  y = batchNorm(y, `${name}.bn3`);
  let skip = x;
  if (strides !== 1 || inChannels !== outChannels) {
    skip = conv(x, { filters: outChannels, kernelSize: 1, strides, name: `${name}.downsample.0` });
    skip = batchNorm(skip, `${name}.downsample.1`);
  }
  return addRelu(y, skip, `${name}.relu3`);
}

/** @param inputShape [224, 224, 3] for ImageNet (H, W >= 32). */
export function resnet50(inputShape: number[], nClasses: number): tf.LayersModel {
  const input = tf.input({ shape: inputShape, name: "input" });
  let x = conv(input, { filters: 64, kernelSize: 7, strides: 2, name: "conv1" });
  x = batchNorm(x, "bn1", "relu");
  // PyTorch pads the max pool with -inf; after a relu every value is >= 0, so zeros are equivalent.
  x = tf.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: "maxpool.pad" }).apply(x) as SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "valid", name: "maxpool" }).apply(x) as SymbolicTensor;
  const stages: Array<[number, number]> = [
    [64, 3],
    [128, 4],
    [256, 6],
    [512, 3],
  ];
  stages.forEach(([width, blocks], stage) => {
    for (let block = 0; block < blocks; block++) {
      x = bottleneck(x, width, stage > 0 && block === 0 ? 2 : 1, `layer${stage + 1}.${block}`);
    }
  });
  x = tf.layers.globalAveragePooling2d({ name: "avgpool" }).apply(x) as SymbolicTensor;
  const logits = dense(x, nClasses, "fc");
  return tf.model({ inputs: input, outputs: logits, name: "resnet50" });
}
