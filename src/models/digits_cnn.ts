/**
 * A small CNN with batch norm for the 8x8 UCI digits:
 * conv(1->16, k3, same) - BN - relu - maxpool 2 (4x4) - conv(16->32, k3, same) - BN - relu
 * - maxpool 2 (2x2) - flatten (128) - fc(128->nClasses). 6,138 trainable parameters at 10 classes.
 * Output: logits [batch, nClasses].
 */
import * as tf from "@tensorflow/tfjs";
import { batchNorm, conv, dense } from "./layers";

/** @param inputShape [8, 8, 1] for digits (H and W divisible by 4). */
export function digitsCnn(inputShape: number[], nClasses: number): tf.LayersModel {
  const input = tf.input({ shape: inputShape, name: "input" });
  let x = conv(input, { filters: 16, kernelSize: 3, name: "conv1" });
  x = batchNorm(x, "bn1", "relu");
  x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: "pool1" }).apply(x) as tf.SymbolicTensor;
  x = conv(x, { filters: 32, kernelSize: 3, name: "conv2" });
  x = batchNorm(x, "bn2", "relu");
  x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: "pool2" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: "flatten" }).apply(x) as tf.SymbolicTensor;
  const logits = dense(x, nClasses, "fc");
  return tf.model({ inputs: input, outputs: logits, name: "digits-cnn" });
}
