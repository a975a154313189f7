/**
 * The MNIST CNN of Toneva et al. (2019), from PyTorch's MNIST example without dropout:
 * conv(1->10, k5) - maxpool 2 - relu - conv(10->20, k5) - maxpool 2 - relu - flatten (320)
 * - fc(320->50) - relu - fc(50->nClasses). 21,840 parameters for 28x28x1 input and 10 classes.
 * Output: logits [batch, nClasses].
 */
import * as tf from "@tensorflow/tfjs";
import { conv, dense, relu } from "./layers";

/** @param inputShape [28, 28, 1] for MNIST (any [H, W, C] with H, W >= 16 works). */
export function mnistCnn(inputShape: number[], nClasses: number): tf.LayersModel {
  const input = tf.input({ shape: inputShape, name: "input" });
  let x = conv(input, { filters: 10, kernelSize: 5, padding: "valid", useBias: true, name: "conv1" });
  x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: "pool1" }).apply(x) as tf.SymbolicTensor;
  x = relu(x, "relu1");
  x = conv(x, { filters: 20, kernelSize: 5, padding: "valid", useBias: true, name: "conv2" });
  x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: "pool2" }).apply(x) as tf.SymbolicTensor;
  x = relu(x, "relu2");
  x = tf.layers.flatten({ name: "flatten" }).apply(x) as tf.SymbolicTensor;
  x = dense(x, 50, "fc1", "relu");
  const logits = dense(x, nClasses, "fc2");
  return tf.model({ inputs: input, outputs: logits, name: "mnist-cnn" });
}
