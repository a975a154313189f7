/**
 * A small MLP for the 8x8 UCI digits: flatten (64) - fc(64->64) - relu - fc(64->nClasses).
 * 4,810 parameters at 10 classes. Output: logits [batch, nClasses].
 */
import * as tf from "@tensorflow/tfjs";
import { dense } from "./layers";

/** @param inputShape [8, 8, 1] for digits (any [H, W, C]). */
export function digitsMlp(inputShape: number[], nClasses: number): tf.LayersModel {
  const input = tf.input({ shape: inputShape, name: "input" });
  let x = tf.layers.flatten({ name: "flatten" }).apply(input) as tf.SymbolicTensor;
  x = dense(x, 64, "fc1", "relu");
  const logits = dense(x, nClasses, "fc2");
  return tf.model({ inputs: input, outputs: logits, name: "digits-mlp" });
}
