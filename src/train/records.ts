/**
 * Per-example records of a minibatch, computed in plain JavaScript from the logits the step
 * read back. On a small model every extra tensor op is dispatch overhead comparable to the
 * model's own layers; a loop over [batchSize, nClasses] numbers costs microseconds.
 */
import type { FloatRecordName } from "../config/train";

/** What exampleRecords gives for a batch of B examples. */
export interface ExampleRecords {
  /** [B] 1 if the predicted class equals the label, else 0. */
  correct: Uint8Array;
  /** [B] cross-entropy in nats (always computed: the training progress and log sum it). */
  loss: Float32Array;
  /** [B] each requested float record. */
  floats: Partial<Record<FloatRecordName, Float32Array>>;
  /** [B] predicted class (argmax); only when asked for. */
  predicted?: Int32Array;
}

/**
 * Per-example statistics of a batch from its logits, computed in float64 and stored as float32.
 * @param logits [batchSize, nClasses] row-major (flat, batchSize * nClasses values), in logit units
 * @param labels [batchSize] true class indices in [0, nClasses)
 * @param nClasses classes per row (>= 2 for a finite margin)
 * @param floats float records to compute: "loss" (cross-entropy, nats, via a max-shifted
 *   log-sum-exp so that logits of any size stay finite), "margin" (true logit minus the largest
 *   other logit, logit units), "prob" (softmax probability of the true class, [0, 1]), "el2n"
 *   (L2 norm of softmax minus the one-hot label, [0, sqrt 2])
 * @param options.predicted also give the predicted class
 * @returns correct, loss, the requested floats and the predicted class; the predicted class is
 *   the index of the first maximum (tf.argMax's rule for ties), so correct is 0 on a tie
 *   unless the label is the first of the tied classes
 */
export function exampleRecords(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  nClasses: number,
  floats: readonly FloatRecordName[],
  options: { predicted?: boolean } = {},
): ExampleRecords {
  const batchSize = labels.length;
  const correct = new Uint8Array(batchSize);
  const loss = new Float32Array(batchSize);
  const rows: ExampleRecords["floats"] = {};
  for (const name of floats) rows[name] = name === "loss" ? loss : new Float32Array(batchSize);
  const { margin, prob, el2n } = rows;
  const predicted = options.predicted ? new Int32Array(batchSize) : undefined;
  for (let i = 0; i < batchSize; i++) {
    const row = i * nClasses;
    const label = labels[i];
    const trueLogit = logits[row + label];
    let argMax = 0;
    let max = logits[row];
    let otherMax = -Infinity;
    for (let j = 0; j < nClasses; j++) {
      const z = logits[row + j];
      if (z > max) {
        max = z;
        argMax = j;
      }
      if (j !== label && z > otherMax) otherMax = z;
    }
    // e_j = exp(z_j - max) <= 1; the sums avoid 1 - p and log(1 + x) cancelling when one class dominates.
    let restSum = 0; // sum of e_j over j != argMax: the softmax denominator is 1 + restSum
    let otherSum = 0; // sum of e_j over j != label
    let otherSquares = 0; // sum of e_j^2 over j != label
    let trueExp = 0; // e_label
    for (let j = 0; j < nClasses; j++) {
      const e = Math.exp(logits[row + j] - max);
      if (j !== argMax) restSum += e;
      if (j === label) trueExp = e;
      else {
        otherSum += e;
        otherSquares += e * e;
      }
    }
    const denominator = 1 + restSum;
    correct[i] = argMax === label ? 1 : 0;
    loss[i] = max - trueLogit + Math.log1p(restSum);
    if (prob) prob[i] = trueExp / denominator;
    if (margin) margin[i] = trueLogit - otherMax;
    // softmax minus one-hot: 1 - p_label = otherSum / denominator at the label, p_j elsewhere
    if (el2n) el2n[i] = Math.sqrt(otherSum * otherSum + otherSquares) / denominator;
    if (predicted) predicted[i] = argMax;
  }
  return { correct, loss, floats: rows, predicted };
}
